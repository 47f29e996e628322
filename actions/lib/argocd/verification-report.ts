import { shortRevision } from './revision'
import type { VerificationResult } from './verification-result'

/** The human-readable report of a verification, as `golden-path verify` prints it. */
export function renderVerificationText(result: VerificationResult): string {
  const lines: string[] = []
  const mark = result.verified ? 'verified' : `NOT verified (${result.outcome})`
  lines.push(
    `${result.app}: ${mark} after ${result.durationSeconds.toFixed(1)} s: ${result.message}`,
  )
  if (result.syncStatus !== null) {
    const revisions = result.syncedRevisions.map(shortRevision).join(', ') || '(none)'
    lines.push(
      `  expected ${result.expectedRevision ? shortRevision(result.expectedRevision) : 'its target revision'}; Argo CD: ${result.syncStatus} at ${revisions}, health ${result.health ?? 'Unknown'}`,
    )
  }
  if (result.operation && !result.verified) {
    lines.push(
      `  operation: ${result.operation.phase}${result.operation.message ? `: ${result.operation.message}` : ''}`,
    )
  }
  for (const condition of result.conditions)
    lines.push(`  condition ${condition.type}: ${condition.message}`)
  if (result.degradedResources.length > 0) {
    lines.push('  unhealthy resources:')
    for (const resource of result.degradedResources) {
      lines.push(
        `    ${resourceName(resource)}: ${resource.health}${resource.message ? `: ${resource.message}` : ''}`,
      )
    }
  }
  if (result.failedSyncResources.length > 0) {
    lines.push('  resources the sync could not apply:')
    for (const resource of result.failedSyncResources) {
      lines.push(
        `    ${resourceName(resource)}: ${resource.status}${resource.message ? `: ${resource.message}` : ''}`,
      )
    }
  }
  if (result.images.missing.length > 0)
    lines.push(`  images not deployed: ${result.images.missing.join(', ')}`)
  if (result.timeline.length > 0) {
    lines.push(`  timeline (${result.watch}):`)
    for (const entry of result.timeline) {
      lines.push(`    ${timelineLine(entry)}`)
    }
  }
  return `${lines.join('\n')}\n`
}

export function timelineLine(entry: VerificationResult['timeline'][number]): string {
  const offset = `+${entry.offsetSeconds.toFixed(1)}s`.padStart(8)
  const operation = entry.operationPhase ? `, operation ${entry.operationPhase}` : ''
  const revision = entry.revision
    .split(',')
    .map((revision) => shortRevision(revision))
    .join(',')
  return `${offset}  ${entry.syncStatus} at ${revision || '(none)'}, ${entry.health}${operation}`
}

function resourceName(resource: {
  group: string
  kind: string
  namespace: string
  name: string
}): string {
  const kind = resource.group ? `${resource.group}/${resource.kind}` : resource.kind
  return `${kind} ${resource.namespace ? `${resource.namespace}/` : ''}${resource.name}`
}
