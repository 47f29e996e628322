import * as core from '@actions/core'
import { oneLine, UsageError } from '../../lib/errors'
import type { Logger } from '../../lib/ports'
import { spawnRunner, systemClock } from '../../lib/ports'
import { GitNotesRecordStore } from '../../lib/records/git-notes-records'
import { applyRecordPatch } from '../../lib/records/record-update'
import { parseInputs } from './inputs'

const logger: Logger = {
  debug: (message) => core.debug(message),
  info: (message) => core.info(message),
  warning: (message) => core.warning(message),
  error: (message) => core.error(message),
}

export async function run(): Promise<void> {
  try {
    const inputs = parseInputs(process.env)
    if (inputs.token) core.setSecret(inputs.token)
    const store = new GitNotesRecordStore(
      inputs.repository,
      { runner: spawnRunner, clock: systemClock, logger, random: Math.random },
      {
        token: inputs.token,
        maxAttempts: inputs['max-attempts'],
        cwd: process.env.GITHUB_WORKSPACE,
      },
    )
    const commit = inputs['gitops-commit']
    const patch = { ...inputs.patch }
    // A new record without a start: the GitOps commit is when the environment changed.
    const existing = (await store.readAll()).some((note) => note.commit === commit)
    if (!existing && patch.startedAt === undefined) patch.startedAt = await store.commitTime(commit)
    let problem: UsageError | undefined
    const result = await store.update(commit, (current) => {
      try {
        return applyRecordPatch(current, commit, patch, systemClock.now())
      } catch (error) {
        if (error instanceof UsageError) problem = error
        return undefined
      }
    })
    if (problem) throw problem
    core.setOutput('record', JSON.stringify(result.record))
    core.info(
      `record-delivery: ${result.record?.outcome} record on ${commit} written to refs/notes/golden-path`,
    )
  } catch (error) {
    core.setFailed(`record-delivery: ${oneLine(error)}`)
  }
}
