import { ExitCode, oneLine, UsageError } from '../../../actions/lib/errors'
import { nullLogger, spawnRunner, systemClock } from '../../../actions/lib/ports'
import { GitNotesRecordStore } from '../../../actions/lib/records/git-notes-records'
import { applyRecordPatch } from '../../../actions/lib/records/record-update'
import { WriteBackFailure } from '../../../actions/lib/writeback/write-back-failure'
import { oneOf, parseFlags, stringFlag } from '../args'
import type { Command } from '../command'
import { parseBoolean } from './flag-values'

const usage = `Usage: golden-path record --repo GITOPS --gitops-commit SHA [fields...]

Writes (or updates) the delivery record on a GitOps commit: a git note under
refs/notes/golden-path, pushed race-safely. Fields not given keep the value of the
record already there; a new record needs them all.

  --repo GITOPS               GitOps repository: URL, bare repository or checkout
  --gitops-commit SHA         the GitOps commit the delivery pushed (the note's commit)
  --gitops-path OVERLAY       overlay the delivery changed
  --environment ENV           environment
  --app APP                   application name
  --trigger T                 delivery, promotion or rollback
  --outcome O                 healthy or failed
  --image NAME --digest D     the image delivered (sha256:…)
  --source-repository URL --source-commit SHA --source-committed-at T
                              the product commit delivered, and when it was committed
  --started-at T              when the delivery started (RFC 3339)
  --finished-at T             when it ended (default: now)
  --healthy-at T              when it was seen healthy (default: finished-at)
  --verified true|false       whether Argo CD confirmed the outcome
  --failure-step S --failure-message M
                              where and why a failed delivery failed
  --token T                   token for an https repository (default $GITHUB_TOKEN)
  --output text|json          json: the record written

Exit codes: 0 written, 1 push rejected, 2 usage error.`

export const recordCommand: Command = {
  name: 'record',
  summary: 'Write or update the delivery record (a git note) on a GitOps commit',
  usage,
  async run(args, io) {
    const names = [
      'repo',
      'gitops-commit',
      'gitops-path',
      'environment',
      'app',
      'trigger',
      'outcome',
      'image',
      'digest',
      'source-repository',
      'source-commit',
      'source-committed-at',
      'started-at',
      'finished-at',
      'healthy-at',
      'verified',
      'failure-step',
      'failure-message',
      'token',
      'output',
    ]
    const { values } = parseFlags(
      'record',
      args,
      Object.fromEntries(names.map((name) => [name, { type: 'string' }])),
    )
    const flag = (name: string) => stringFlag(values, name) || undefined
    const output = oneOf('output', flag('output'), ['text', 'json'], 'text')
    const repo = flag('repo')
    const commit = flag('gitops-commit')
    if (!repo || !commit) throw new UsageError('--repo and --gitops-commit are required')
    if (!/^[0-9a-f]{40}$/.test(commit))
      throw new UsageError(
        `invalid --gitops-commit '${commit}': expected a full 40-character commit id`,
      )
    const patch = {
      environment: flag('environment'),
      app: flag('app'),
      trigger: flag('trigger'),
      outcome: flag('outcome'),
      gitopsRepository: repo.replace(/(\w+:\/\/)[^/@\s]+@/, '$1'),
      gitopsPath: flag('gitops-path'),
      imageName: flag('image'),
      imageDigest: flag('digest'),
      sourceRepository: flag('source-repository'),
      sourceCommit: flag('source-commit'),
      sourceCommittedAt: flag('source-committed-at'),
      startedAt: flag('started-at'),
      finishedAt: flag('finished-at'),
      healthyAt: flag('healthy-at'),
      verified:
        flag('verified') === undefined
          ? undefined
          : parseBoolean('--verified', flag('verified'), false),
      failureStep: flag('failure-step'),
      failureMessage: flag('failure-message'),
    }
    const now = systemClock.now()
    // Checked before anything is fetched: a record that cannot be completed is a usage error.
    const store = new GitNotesRecordStore(
      repo,
      {
        runner: spawnRunner,
        clock: systemClock,
        logger: nullLogger,
        random: Math.random,
        env: io.env,
      },
      { token: flag('token') ?? io.env.GITHUB_TOKEN, cwd: io.cwd },
    )
    let usageProblem: UsageError | undefined
    try {
      const result = await store.update(commit, (existing) => {
        try {
          return applyRecordPatch(existing, commit, patch, now)
        } catch (error) {
          if (error instanceof UsageError) usageProblem = error
          return undefined
        }
      })
      if (usageProblem) throw usageProblem
      io.stdout.write(
        output === 'json'
          ? `${JSON.stringify(result.record)}\n`
          : `record of ${commit.slice(0, 12)} written: ${result.record?.outcome}\n`,
      )
      return ExitCode.Success
    } catch (error) {
      if (error instanceof WriteBackFailure) {
        io.stderr.write(`golden-path record: ${oneLine(error)}\n`)
        return ExitCode.Failed
      }
      throw error
    }
  },
}
