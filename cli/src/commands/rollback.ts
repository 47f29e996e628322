import { ExitCode, oneLine, UsageError } from '../../../actions/lib/errors'
import { spawnRunner, systemClock } from '../../../actions/lib/ports'
import { GitNotesRecordStore } from '../../../actions/lib/records/git-notes-records'
import { type RollbackResult, rollbackImage } from '../../../actions/lib/records/rollback'
import { defaultMaxAttempts } from '../../../actions/lib/writeback/bump-images'
import { parseBranch, parseMaxAttempts } from '../../../actions/lib/writeback/bump-settings'
import { GitCli, needsToken } from '../../../actions/lib/writeback/git-cli'
import { WriteBackFailure } from '../../../actions/lib/writeback/write-back-failure'
import { oneOf, parseFlags, stringFlag } from '../args'
import type { Command } from '../command'

const usage = `Usage: golden-path rollback --repo GITOPS --branch B --path OVERLAY --environment ENV
         [--to-digest sha256:...] [--image NAME] [--push] [--output text|json]

Puts the last healthy image of ENV back into the overlay: a commit that changes only
the image values (byte-exact, like bump; every other edit made since stays). With
--push it is pushed race-safely, the rollback's delivery record (trigger rollback) is
written and the failed delivery's record is marked rolled-back.

  --repo GITOPS         GitOps repository: URL, bare repository or checkout
  --branch B            branch Argo CD follows
  --path OVERLAY        overlay directory whose image values are restored
  --environment ENV     environment whose records choose the image
  --to-digest sha256:…  restore this digest (default: the image of the last healthy record of ENV)
  --image NAME          image repository to restore (default: the one the records name)
  --push                push the commit and write the records (without it: nothing leaves this machine)
  --max-attempts N      pushes tried before giving up (default ${defaultMaxAttempts})
  --token T             token for an https repository (default $GITHUB_TOKEN)
  --output text|json    json: {"commit","restoredDigest","from"}

Exit codes: 0 rolled back, 1 nothing healthy to go back to, the image changed by someone
else since the failure, or the push was rejected (nothing pushed), 2 usage error.`

export function rollbackJson(result: RollbackResult): string {
  return JSON.stringify({
    commit: result.commit,
    restoredDigest: result.restoredDigest,
    from: result.from,
  })
}

export const rollbackCommand: Command = {
  name: 'rollback',
  summary: 'Put the last healthy image of an environment back in its overlay, and record it',
  usage,
  async run(args, io) {
    const { values } = parseFlags('rollback', args, {
      repo: { type: 'string' },
      branch: { type: 'string' },
      path: { type: 'string' },
      environment: { type: 'string' },
      'to-digest': { type: 'string' },
      image: { type: 'string' },
      push: { type: 'boolean' },
      'max-attempts': { type: 'string' },
      token: { type: 'string' },
      output: { type: 'string' },
    })
    const output = oneOf('output', stringFlag(values, 'output'), ['text', 'json'], 'text')
    const required = (name: string, example: string) => {
      const value = stringFlag(values, name)
      if (!value) throw new UsageError(`--${name} is required (e.g. --${name} ${example})`)
      return value
    }
    const repo = required('repo', 'https://github.com/acme/gitops')
    const branch = parseBranch(required('branch', 'main'))!
    const path = required('path', 'overlays/prod')
    const environment = required('environment', 'prod')
    const token = stringFlag(values, 'token') ?? io.env.GITHUB_TOKEN ?? io.env.GH_TOKEN
    const logger = {
      debug() {},
      info: (message: string) => {
        if (output === 'text') io.stderr.write(`${message}\n`)
      },
      warning: (message: string) => io.stderr.write(`warning: ${message}\n`),
      error: (message: string) => io.stderr.write(`error: ${message}\n`),
    }
    const maxAttempts = parseMaxAttempts(stringFlag(values, 'max-attempts'), defaultMaxAttempts)
    const ports = {
      runner: spawnRunner,
      clock: systemClock,
      logger,
      random: Math.random,
      env: io.env,
    }
    let result: RollbackResult
    try {
      result = await rollbackImage(
        {
          repo,
          branch,
          path,
          environment,
          toDigest: stringFlag(values, 'to-digest'),
          image: stringFlag(values, 'image'),
          push: values.push === true,
          maxAttempts,
          workspace: io.cwd,
        },
        {
          git: new GitCli(spawnRunner, { token: needsToken(repo) ? token : undefined }, io.env),
          records: new GitNotesRecordStore(repo, ports, { token, cwd: io.cwd, maxAttempts }),
          logger,
          clock: systemClock,
          random: Math.random,
        },
      )
    } catch (error) {
      if (error instanceof WriteBackFailure) {
        io.stderr.write(`golden-path rollback: ${oneLine(error)}\n`)
        return ExitCode.Failed
      }
      throw error
    }
    if (output === 'json') io.stdout.write(`${rollbackJson(result)}\n`)
    else {
      io.stdout.write(
        `${path}: ${result.from} → ${result.restoredDigest}\ncommit ${result.commit}${result.pushed ? ` pushed to ${branch}` : ' (not pushed: pass --push)'}\n`,
      )
    }
    return ExitCode.Success
  },
}
