import { ActionInputs } from '../../lib/action-input'
import { UsageError } from '../../lib/errors'
import type { RecordPatch } from '../../lib/records/record-update'

export interface Inputs {
  repository: string
  'gitops-commit': string
  token?: string
  'max-attempts': number
  patch: RecordPatch
}

/** The inputs as action.yml declares them; an empty input keeps the recorded value. */
export function parseInputs(env: NodeJS.ProcessEnv = process.env): Inputs {
  const inputs = new ActionInputs(env)
  const text = (name: string) => inputs.optional(name)
  const commit = inputs.required('gitops-commit', '3f2a1c9e8b7d6a5f4e3d2c1b0a9f8e7d6c5b4a39')
  if (!/^[0-9a-f]{40}$/.test(commit)) {
    throw new UsageError(
      `input 'gitops-commit' is '${commit}': expected a full 40-character commit id`,
    )
  }
  const repository = inputs.required('repository', 'https://github.com/acme/payments-gitops.git')
  return {
    repository,
    'gitops-commit': commit,
    token: text('token'),
    'max-attempts': inputs.integer('max-attempts', 10, 1),
    patch: {
      environment: text('environment'),
      app: text('app'),
      trigger: text('trigger'),
      outcome: text('outcome'),
      gitopsRepository: repository.replace(/(\w+:\/\/)[^/@\s]+@/, '$1'),
      gitopsPath: text('gitops-path'),
      imageName: text('image'),
      imageDigest: text('digest'),
      sourceRepository: text('source-repository'),
      sourceCommit: text('source-commit'),
      sourceCommittedAt: text('source-committed-at'),
      startedAt: text('started-at'),
      finishedAt: text('finished-at'),
      healthyAt: text('healthy-at'),
      verified: text('verified') === undefined ? undefined : inputs.boolean('verified', false),
      failureStep: text('failure-step'),
      failureMessage: text('failure-message'),
    },
  }
}
