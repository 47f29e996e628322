import type { DeliveryVerdict } from './delivery-records'
import { imageReferenceParts, pinOf } from './image-reference-parts'
import {
  type GitOpsReview,
  type ImageChangeReview,
  type OverlayReview,
  touchedOverlays,
} from './review-change'

/** Lines of one overlay's diff shown in the summary; the rest is counted. */
const maxDiffLines = 400
/** GitHub keeps 1 MiB of a step's summary; diffs stop well before that. */
const summaryBudget = 800_000

const short = (commit: string) => commit.slice(0, 7)

/** A digest a reader can compare at a glance: the algorithm and 12 hex digits. */
function shortPin(reference: string): string {
  const pin = pinOf(imageReferenceParts(reference))
  return pin.replace(/(sha256:[0-9a-f]{12})[0-9a-f]{52}/, '$1…')
}

function pins(references: readonly string[]): string {
  return references.length === 0
    ? '(none)'
    : references.map((reference) => `\`${shortPin(reference)}\``).join(', ')
}

/** What the previous environment's delivery records say about a new digest, in one cell. */
export function describeVerdict(verdict: DeliveryVerdict | undefined, notesRef: string): string {
  if (!verdict) return '—'
  switch (verdict.status) {
    case 'verified':
      return `✅ delivered to ${verdict.environment} and verified healthy${verdict.record.healthyAt ? ` at ${verdict.record.healthyAt}` : ''} (GitOps commit \`${short(verdict.record.gitopsCommit)}\`)`
    case 'failed':
      return `❌ delivered to ${verdict.environment} and ${verdict.record.outcome} (GitOps commit \`${short(verdict.record.gitopsCommit)}\`)`
    case 'unverified':
      return `⚠️ delivered to ${verdict.environment}, not verified healthy (outcome: ${verdict.record.outcome}, GitOps commit \`${short(verdict.record.gitopsCommit)}\`)`
    case 'not-delivered':
      return `⚠️ no delivery of this digest to ${verdict.environment} is recorded`
    case 'first-environment':
      return 'first environment: nothing before it'
    case 'unknown-environment':
      return 'no environment before it: the overlay path names none of the promotion order'
    case 'no-records':
      return `no delivery records (${notesRef} not found)`
  }
}

function statusCell(overlay: OverlayReview): string {
  if (overlay.renderError) return `❌ does not render: ${overlay.renderError}`
  if (overlay.status === 'changed' && overlay.diff)
    return `changed (+${overlay.diff.added} −${overlay.diff.removed})`
  return overlay.status
}

/** A code fence longer than any run of backticks in the text it encloses. */
function fenceFor(text: string): string {
  const longest = Math.max(0, ...[...text.matchAll(/`+/g)].map((match) => match[0].length))
  return '`'.repeat(Math.max(3, longest + 1))
}

function diffBlock(overlay: OverlayReview): string[] {
  const diff = overlay.diff
  if (!diff) return []
  if (diff.tooLarge)
    return [
      `The rendered output changed in about ${diff.removed + diff.added} lines: too large to show here.`,
      '',
    ]
  const lines = diff.text.replace(/\n$/, '').split('\n')
  const shown = lines.slice(0, maxDiffLines)
  const more = lines.length - shown.length
  const body = shown.join('\n')
  const fence = fenceFor(body)
  return [
    `<details><summary>rendered diff: +${diff.added} −${diff.removed}</summary>`,
    '',
    `${fence}diff`,
    body,
    fence,
    ...(more > 0 ? ['', `… ${more} more lines`] : []),
    '',
    '</details>',
    '',
  ]
}

/** The job summary of a GitOps pull request review, as Markdown. */
export function reviewSummaryMarkdown(review: GitOpsReview, notesRef: string): string {
  const touched = touchedOverlays(review)
  const removed = review.overlays.filter((overlay) => overlay.status === 'removed')
  const out: string[] = [
    `## GitOps change: ${touched.length} of ${review.overlays.length} overlay(s) touched`,
    '',
    review.base
      ? `Rendered \`${short(review.base)}\` (base) and \`${short(review.head)}\` (head); ${review.changedFiles.length} file(s) changed.`
      : `Rendered \`${short(review.head)}\`; without a base commit every overlay counts as new.`,
    '',
  ]
  if (review.overlays.length === 0) {
    out.push('No kustomization directory found: nothing to render or validate.', '')
    return `${out.join('\n')}\n`
  }
  out.push(
    '| overlay | environment | rendered change | images re-pinned |',
    '| --- | --- | --- | --- |',
  )
  for (const overlay of review.overlays) {
    out.push(
      `| \`${overlay.path}\` | ${overlay.environment ?? '—'} | ${statusCell(overlay)} | ${overlay.images.length || '—'} |`,
    )
  }
  out.push('')
  const changes = review.overlays.flatMap((overlay) =>
    overlay.images.map((image) => ({ overlay, image })),
  )
  if (changes.length > 0) {
    out.push(
      '### Image changes',
      '',
      '| overlay | image | old → new | previous environment |',
      '| --- | --- | --- | --- |',
    )
    for (const { overlay, image } of changes) {
      out.push(
        `| \`${overlay.path}\` | \`${image.repository}\` | ${pins(image.old)} → ${pins(image.new)} | ${imageVerdict(image, notesRef)} |`,
      )
    }
    out.push('')
  }
  let used = out.join('\n').length
  for (const overlay of [...touched, ...removed]) {
    const block = [
      `### \`${overlay.path}\`${overlay.environment ? ` (${overlay.environment})` : ''}: ${overlay.status}`,
      '',
      ...(overlay.baseRenderError
        ? [`The base did not render: ${overlay.baseRenderError}`, '']
        : []),
      ...diffBlock(overlay),
    ]
    const text = block.join('\n')
    if (used + text.length > summaryBudget) {
      out.push(
        `… the diffs of the remaining overlays are left out (the summary has a size limit).`,
        '',
      )
      break
    }
    out.push(...block)
    used += text.length
  }
  return `${out.join('\n')}\n`
}

function imageVerdict(image: ImageChangeReview, notesRef: string): string {
  if (image.new.length === 0) return 'image removed'
  if (!image.newDigest) return 'not pinned by digest: nothing to match against delivery records'
  return describeVerdict(image.previousEnvironment, notesRef)
}
