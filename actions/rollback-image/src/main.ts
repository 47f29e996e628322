import * as core from '@actions/core'
import { oneLine } from '../../lib/errors'
import { type Logger, spawnRunner, systemClock } from '../../lib/ports'
import { GitNotesRecordStore } from '../../lib/records/git-notes-records'
import { rollbackImage } from '../../lib/records/rollback'
import { GitCli, needsToken } from '../../lib/writeback/git-cli'
import { parseInputs } from './inputs'

const logger: Logger = {
  debug: (message) => core.debug(message),
  info: (message) => core.info(message),
  warning: (message) => core.warning(message),
  error: (message) => core.error(message),
}

export async function run(): Promise<void> {
  try {
    const { request, token } = parseInputs(process.env)
    if (token) core.setSecret(token)
    const ports = { runner: spawnRunner, clock: systemClock, logger, random: Math.random }
    const result = await rollbackImage(request, {
      git: new GitCli(spawnRunner, { token: needsToken(request.repo) ? token : undefined }),
      records: new GitNotesRecordStore(request.repo, ports, {
        token,
        maxAttempts: request.maxAttempts,
        cwd: request.workspace,
      }),
      logger,
      clock: systemClock,
      random: Math.random,
    })
    core.setOutput('commit', result.commit ?? '')
    core.setOutput('restored-digest', result.restoredDigest)
    core.setOutput('from', result.from)
    core.setOutput(
      'result',
      JSON.stringify({
        commit: result.commit,
        restoredDigest: result.restoredDigest,
        from: result.from,
      }),
    )
    if (process.env.GITHUB_STEP_SUMMARY) {
      await core.summary
        .addHeading(`Rolled back ${request.environment}`, 3)
        .addList([
          `${request.path}: \`${result.from}\` → \`${result.restoredDigest}\``,
          `commit \`${result.commit}\`${result.pushed ? ` pushed to \`${request.branch}\`` : ' (not pushed)'}`,
        ])
        .write()
    }
  } catch (error) {
    core.setFailed(`rollback-image: ${oneLine(error)}`)
  }
}
