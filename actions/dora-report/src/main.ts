import * as core from '@actions/core'
import { oneLine } from '../../lib/errors'
import { nullLogger, spawnRunner, systemClock } from '../../lib/ports'
import { buildDoraReport } from '../../lib/records/dora-metrics'
import { doraJson, doraMarkdown } from '../../lib/records/dora-render'
import { parseDoraWindow } from '../../lib/records/dora-window'
import { GitNotesRecordStore } from '../../lib/records/git-notes-records'
import { parseInputs } from './inputs'

export async function run(): Promise<void> {
  try {
    const inputs = parseInputs(process.env)
    if (inputs.token) core.setSecret(inputs.token)
    const window = parseDoraWindow(inputs.since, inputs.until, systemClock.now())
    const store = new GitNotesRecordStore(
      inputs.repository,
      { runner: spawnRunner, clock: systemClock, logger: nullLogger, random: Math.random },
      { token: inputs.token, cwd: process.env.GITHUB_WORKSPACE },
    )
    const report = buildDoraReport(await store.readAll(), window, inputs.environment)
    const markdown = doraMarkdown(report)
    core.setOutput('json', doraJson(report))
    core.setOutput('markdown', markdown)
    if (process.env.GITHUB_STEP_SUMMARY) await core.summary.addRaw(markdown, true).write()
    core.info(markdown)
  } catch (error) {
    core.setFailed(`dora-report: ${oneLine(error)}`)
  }
}
