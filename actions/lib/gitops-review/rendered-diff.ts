import { unifiedDiff } from '../writeback/unified-diff'

/** The unified diff is quadratic in the changed middle; beyond this many cells it is summarised. */
const maxDiffCells = 4_000_000

export interface RenderedDiff {
  /** Unified diff text, or empty when too large to compute (see `tooLarge`). */
  text: string
  added: number
  removed: number
  tooLarge: boolean
}

/** A bounded unified diff of two renderings of one overlay. */
export function renderedDiff(path: string, before: string, after: string): RenderedDiff {
  const a = before.split('\n')
  const b = after.split('\n')
  let prefix = 0
  while (prefix < a.length && prefix < b.length && a[prefix] === b[prefix]) prefix++
  let suffix = 0
  while (
    suffix < a.length - prefix &&
    suffix < b.length - prefix &&
    a[a.length - 1 - suffix] === b[b.length - 1 - suffix]
  )
    suffix++
  const middleA = a.length - prefix - suffix
  const middleB = b.length - prefix - suffix
  if (middleA * middleB > maxDiffCells) {
    return { text: '', added: middleB, removed: middleA, tooLarge: true }
  }
  const text = unifiedDiff(path, before, after)
  let added = 0
  let removed = 0
  for (const line of text.split('\n')) {
    if (line.startsWith('+') && !line.startsWith('+++ ')) added++
    else if (line.startsWith('-') && !line.startsWith('--- ')) removed++
  }
  return { text, added, removed, tooLarge: false }
}
