import * as core from '@actions/core'
import { oneLine } from '../../lib/errors'
import { spawnRunner, systemClock } from '../../lib/ports'
import { redact, registerSecret, secretParts } from '../../lib/redaction'
import { type BumpResult, bumpImages } from '../../lib/writeback/bump-images'
import { GitCli, needsToken } from '../../lib/writeback/git-cli'
import { GitHubPullRequests } from '../../lib/writeback/github-pull-requests'
import { parseInputs, toBumpRequest } from './inputs'
import { signatureGate } from './signature-gate'

async function writeSummary(result: BumpResult, dryRun: boolean): Promise<void> {
  const summary = core.summary.addHeading(
    `Image write-back${dryRun ? ' (dry run)' : ''}: ${result.changed ? 'changed' : 'already current'}`,
    3,
  )
  if (result.files.length > 0) {
    summary.addTable([
      [
        { data: 'file', header: true },
        { data: 'old', header: true },
        { data: 'new', header: true },
      ],
      ...result.files.map((change) => [change.file, change.old, change.new]),
    ])
  }
  const facts: string[] = []
  if (result.commit) facts.push(`commit \`${result.commit}\``)
  if (result.pushedRef)
    facts.push(`pushed to \`${result.pushedRef}\` after ${result.attempts} attempt(s)`)
  if (result.prUrl) facts.push(`pull request ${result.prUrl}`)
  if (facts.length > 0) summary.addList(facts)
  if (dryRun && result.diff) summary.addCodeBlock(result.diff, 'diff')
  await summary.write()
}

export async function run(): Promise<void> {
  try {
    for (const part of secretParts(process.env.INPUT_TOKEN ?? '')) core.setSecret(part)
    registerSecret(process.env.INPUT_TOKEN)
    const inputs = parseInputs()
    const workspace = process.env.GITHUB_WORKSPACE || process.cwd()
    const request = toBumpRequest(inputs, workspace)
    const refusal = await signatureGate(request.bumps, process.env, core)
    if (refusal !== undefined) {
      core.setFailed(`bump-image-tag: ${refusal}`)
      return
    }
    const result = await bumpImages(request, {
      git: new GitCli(spawnRunner, {
        token: needsToken(inputs.repo) && inputs.token ? inputs.token : undefined,
      }),
      // Git's and servers' words can carry a URL with credentials or the token itself.
      logger: {
        debug: (message) => core.debug(redact(message)),
        info: (message) => core.info(redact(message)),
        warning: (message) => core.warning(redact(message)),
        error: (message) => core.error(redact(message)),
      },
      clock: systemClock,
      random: Math.random,
      pullRequests:
        inputs.mode === 'pr'
          ? new GitHubPullRequests({ token: inputs.token, baseUrl: inputs['github-api-url'] })
          : undefined,
    })
    if (inputs['dry-run'] && result.diff) core.info(result.diff)
    core.setOutput('changed', String(result.changed))
    core.setOutput('commit', result.commit ?? '')
    core.setOutput('pushed-ref', result.pushedRef ?? '')
    core.setOutput('pr-url', result.prUrl ?? '')
    core.setOutput('files', JSON.stringify(result.files))
    core.setOutput('attempts', String(result.attempts))
    await writeSummary(result, inputs['dry-run'])
  } catch (error) {
    core.setFailed(`bump-image-tag: ${oneLine(error)}`)
  }
}
