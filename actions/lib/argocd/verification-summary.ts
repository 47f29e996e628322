import { shortRevision } from './revision'
import type { VerificationResult } from './verification-result'

/** Markdown for the job summary: the verdict, the facts, the timeline and what is broken. */
export function renderVerificationSummary(result: VerificationResult): string {
  const lines: string[] = []
  const verdict = result.verified ? '✅ verified' : `❌ not verified (${result.outcome})`
  lines.push(
    `### Argo CD: \`${markdownText(result.app)}\` ${verdict}`,
    '',
    markdownText(result.message),
    '',
  )
  lines.push('| | |', '|---|---|')
  lines.push(
    `| expected revision | ${result.expectedRevision ? `\`${result.expectedRevision}\`` : 'the one Argo CD targets'} |`,
  )
  lines.push(
    `| synced revision | ${result.syncedRevisions.map((revision) => `\`${revision}\``).join(', ') || '—'} |`,
  )
  lines.push(`| sync status | ${result.syncStatus ?? '—'} |`)
  lines.push(`| health | ${result.health ?? '—'} |`)
  if (result.operation) {
    lines.push(
      `| operation | ${result.operation.phase}${result.operation.message ? `: ${markdownText(result.operation.message)}` : ''} |`,
    )
  }
  lines.push(
    `| followed by | ${result.watch} |`,
    `| duration | ${result.durationSeconds.toFixed(1)} s |`,
    '',
  )
  if (result.timeline.length > 0) {
    lines.push(
      '#### Timeline',
      '',
      '| at | sync | revision | health | operation |',
      '|---|---|---|---|---|',
    )
    for (const entry of result.timeline) {
      const revisions = entry.revision
        .split(',')
        .map((revision) => shortRevision(revision))
        .join(', ')
      lines.push(
        `| +${entry.offsetSeconds.toFixed(1)} s | ${entry.syncStatus} | ${revisions ? `\`${revisions}\`` : '—'} | ${entry.health} | ${entry.operationPhase || '—'} |`,
      )
    }
    lines.push('')
  }
  const broken = [
    ...result.degradedResources.map((resource) => ({ ...resource, state: resource.health })),
    ...result.failedSyncResources.map((resource) => ({ ...resource, state: resource.status })),
  ]
  if (broken.length > 0) {
    lines.push(
      '#### Resources',
      '',
      '| kind | namespace/name | state | message |',
      '|---|---|---|---|',
    )
    for (const resource of broken) {
      const kind = resource.group ? `${resource.group}/${resource.kind}` : resource.kind
      lines.push(
        `| ${kind} | ${markdownText(resource.namespace)}/${markdownText(resource.name)} | ${resource.state} | ${markdownText(resource.message)} |`,
      )
    }
    lines.push('')
  }
  for (const condition of result.conditions) {
    lines.push(`> **${markdownText(condition.type)}**: ${markdownText(condition.message)}`, '')
  }
  return lines.join('\n')
}

/** Keeps server-supplied text from breaking a table row or injecting markup. */
function markdownText(text: string): string {
  return text.replace(/[|\\`*_<>[\]]/g, (character) => `\\${character}`).replace(/\s*\n\s*/g, ' ')
}
