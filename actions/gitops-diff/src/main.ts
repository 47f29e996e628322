import { join } from 'node:path'
import * as core from '@actions/core'
import { oneLine } from '../../lib/errors'
import { reviewGitOpsChange, touchedOverlays } from '../../lib/gitops-review/review-change'
import { reviewSummaryMarkdown } from '../../lib/gitops-review/review-summary'
import { type Logger, spawnRunner } from '../../lib/ports'
import { parseInputs, toReviewRequest } from './inputs'

const logger: Logger = {
  debug: (message) => core.debug(message),
  info: (message) => core.info(message),
  warning: (message) => core.warning(message),
  error: (message) => core.error(message),
}

export async function run(): Promise<void> {
  try {
    const inputs = parseInputs(process.env)
    const review = await reviewGitOpsChange(
      toReviewRequest(inputs, process.env.GITHUB_WORKSPACE || process.cwd()),
      { runner: spawnRunner, logger },
    )
    const touched = touchedOverlays(review)
    for (const overlay of touched) {
      if (overlay.renderError) {
        core.error(`${overlay.path} does not render: ${overlay.renderError}`, {
          title: 'kustomize build failed',
          file: join(inputs.path, overlay.path, 'kustomization.yaml'),
        })
      }
    }
    core.setOutput('overlays', touched.map((overlay) => join(inputs.path, overlay.path)).join('\n'))
    core.setOutput('touched', String(touched.length))
    core.setOutput(
      'image-changes',
      JSON.stringify(
        review.overlays.flatMap((overlay) =>
          overlay.images.map((image) => ({
            overlay: overlay.path,
            environment: overlay.environment ?? null,
            repository: image.repository,
            old: image.old,
            new: image.new,
            newDigest: image.newDigest ?? null,
            previousEnvironment: image.previousEnvironment ?? null,
          })),
        ),
      ),
    )
    core.setOutput('result', JSON.stringify(review))
    const markdown = reviewSummaryMarkdown(review, inputs['notes-ref'])
    if (process.env.GITHUB_STEP_SUMMARY) await core.summary.addRaw(markdown, true).write()
    core.info(
      `gitops-diff: ${touched.length} of ${review.overlays.length} overlay(s) touched${touched.length > 0 ? `: ${touched.map((overlay) => overlay.path).join(', ')}` : ''}`,
    )
  } catch (error) {
    core.setFailed(`gitops-diff: ${oneLine(error)}`)
  }
}
