import { ActionInputs } from '../../lib/action-input'
import type { RollbackRequest } from '../../lib/records/rollback'

export interface Inputs {
  request: RollbackRequest
  token?: string
}

export function parseInputs(env: NodeJS.ProcessEnv = process.env): Inputs {
  const inputs = new ActionInputs(env)
  return {
    token: inputs.optional('token'),
    request: {
      repo: inputs.required('repository', 'https://github.com/acme/payments-gitops.git'),
      branch: inputs.optional('branch') ?? 'main',
      path: inputs.required('path', 'overlays/prod'),
      environment: inputs.required('environment', 'prod'),
      toDigest: inputs.optional('to-digest'),
      image: inputs.optional('image'),
      push: inputs.boolean('push', true),
      maxAttempts: inputs.integer('max-attempts', 10, 1),
      workspace: env.GITHUB_WORKSPACE || process.cwd(),
    },
  }
}
