import { ExitCode, UsageError } from '../../../actions/lib/errors'
import { type Clock, nullLogger, spawnRunner, systemClock } from '../../../actions/lib/ports'
import { buildDoraReport } from '../../../actions/lib/records/dora-metrics'
import { doraJson, doraMarkdown, doraText } from '../../../actions/lib/records/dora-render'
import { defaultWindowDays, parseDoraWindow } from '../../../actions/lib/records/dora-window'
import { GitNotesRecordStore } from '../../../actions/lib/records/git-notes-records'
import { oneOf, parseFlags, stringFlag } from '../args'
import type { Command } from '../command'

const usage = `Usage: golden-path dora --repo GITOPS [--environment ENV] [--since T] [--until T]
         [--output text|json|markdown]

The four DORA keys of each environment, computed from the delivery records stored as
git notes (refs/notes/golden-path) in the GitOps repository, over the records whose
startedAt is in [since, until). Levels follow the Accelerate State of DevOps Report 2023.

  --repo GITOPS           GitOps repository: URL, bare repository or checkout
  --environment ENV       one environment (default: every environment, each on its own)
  --since T               RFC 3339 time, date (YYYY-MM-DD) or Nd days before --until (default ${defaultWindowDays}d)
  --until T               RFC 3339 time or date (default: now)
  --token T               token for an https repository (default $GITHUB_TOKEN)
  --output text|json|markdown
                          json: an array, one object per environment: environment, since,
                          until, deployments, failed, changeFailureRate, deploymentsPerDay,
                          leadTimeSeconds{median,p90}, recoveryTimeSeconds{median},
                          unrecovered, levels; markdown: a table and mermaid charts

Exit codes: 0 report printed, 2 usage error or unreadable repository.`

/** The command with its clock injected: tests fix "now", the CLI uses the wall clock. */
export function createDoraCommand(clock: Clock): Command {
  return {
    name: 'dora',
    summary:
      'DORA metrics (deployment frequency, lead time, change failure rate, recovery) from delivery records',
    usage,
    async run(args, io) {
      const { values } = parseFlags('dora', args, {
        repo: { type: 'string' },
        environment: { type: 'string' },
        since: { type: 'string' },
        until: { type: 'string' },
        token: { type: 'string' },
        output: { type: 'string' },
      })
      const output = oneOf(
        'output',
        stringFlag(values, 'output'),
        ['text', 'json', 'markdown'],
        'text',
      )
      const repo = stringFlag(values, 'repo')
      if (!repo)
        throw new UsageError(
          '--repo is required (the GitOps repository: URL, bare repository or checkout)',
        )
      const environment = stringFlag(values, 'environment') || undefined
      const window = parseDoraWindow(
        stringFlag(values, 'since'),
        stringFlag(values, 'until'),
        clock.now(),
      )
      const store = new GitNotesRecordStore(
        repo,
        { runner: spawnRunner, clock, logger: nullLogger, random: Math.random, env: io.env },
        { token: stringFlag(values, 'token') ?? io.env.GITHUB_TOKEN, cwd: io.cwd },
      )
      const report = buildDoraReport(await store.readAll(), window, environment)
      for (const skipped of report.skipped.slice(0, 5)) {
        io.stderr.write(
          `warning: note on ${skipped.commit.slice(0, 12)} skipped: ${skipped.reason}\n`,
        )
      }
      const render = output === 'json' ? doraJson : output === 'markdown' ? doraMarkdown : doraText
      const text = render(report)
      io.stdout.write(text.endsWith('\n') ? text : `${text}\n`)
      return ExitCode.Success
    },
  }
}

export const doraCommand = createDoraCommand(systemClock)
