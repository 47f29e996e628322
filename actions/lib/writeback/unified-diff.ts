/**
 * A unified diff (3 lines of context) between two versions of a file, for
 * `--dry-run`. Files here are manifests of at most a few thousand lines, so a
 * longest-common-subsequence table over the differing middle is small.
 */
export function unifiedDiff(path: string, before: string, after: string): string {
  if (before === after) return ''
  const a = splitLines(before)
  const b = splitLines(after)
  let prefix = 0
  while (prefix < a.length && prefix < b.length && a[prefix] === b[prefix]) prefix++
  let suffix = 0
  while (
    suffix < a.length - prefix &&
    suffix < b.length - prefix &&
    a[a.length - 1 - suffix] === b[b.length - 1 - suffix]
  ) {
    suffix++
  }
  const midA = a.slice(prefix, a.length - suffix)
  const midB = b.slice(prefix, b.length - suffix)
  const table = Array.from({ length: midA.length + 1 }, () =>
    new Array<number>(midB.length + 1).fill(0),
  )
  for (let i = midA.length - 1; i >= 0; i--) {
    for (let j = midB.length - 1; j >= 0; j--) {
      table[i]![j] =
        midA[i] === midB[j]
          ? table[i + 1]![j + 1]! + 1
          : Math.max(table[i + 1]![j]!, table[i]![j + 1]!)
    }
  }
  type Line = { kind: ' ' | '-' | '+'; text: string; aIndex: number; bIndex: number }
  const lines: Line[] = []
  for (let k = 0; k < prefix; k++) lines.push({ kind: ' ', text: a[k]!, aIndex: k, bIndex: k })
  let i = 0
  let j = 0
  while (i < midA.length || j < midB.length) {
    if (i < midA.length && j < midB.length && midA[i] === midB[j]) {
      lines.push({ kind: ' ', text: midA[i]!, aIndex: prefix + i, bIndex: prefix + j })
      i++
      j++
    } else if (i < midA.length && (j === midB.length || table[i + 1]![j]! >= table[i]![j + 1]!)) {
      lines.push({ kind: '-', text: midA[i]!, aIndex: prefix + i, bIndex: prefix + j })
      i++
    } else {
      lines.push({ kind: '+', text: midB[j]!, aIndex: prefix + i, bIndex: prefix + j })
      j++
    }
  }
  for (let k = 0; k < suffix; k++) {
    lines.push({
      kind: ' ',
      text: a[a.length - suffix + k]!,
      aIndex: a.length - suffix + k,
      bIndex: b.length - suffix + k,
    })
  }
  const context = 3
  const changed = lines
    .map((line, index) => (line.kind === ' ' ? -1 : index))
    .filter((index) => index >= 0)
  const hunks: [number, number][] = []
  for (const index of changed) {
    const start = Math.max(0, index - context)
    const end = Math.min(lines.length - 1, index + context)
    const last = hunks[hunks.length - 1]
    if (last && start <= last[1] + 1) last[1] = end
    else hunks.push([start, end])
  }
  const out = [`--- a/${path}`, `+++ b/${path}`]
  for (const [start, end] of hunks) {
    const slice = lines.slice(start, end + 1)
    const aCount = slice.filter((line) => line.kind !== '+').length
    const bCount = slice.filter((line) => line.kind !== '-').length
    const aStart = aCount === 0 ? slice[0]!.aIndex : slice[0]!.aIndex + 1
    const bStart = bCount === 0 ? slice[0]!.bIndex : slice[0]!.bIndex + 1
    out.push(`@@ -${aStart},${aCount} +${bStart},${bCount} @@`)
    for (const line of slice) out.push(`${line.kind}${line.text.replace(/\r$/, '')}`)
  }
  return `${out.join('\n')}\n`
}

/** Lines without the empty string a final line break would leave after split. */
function splitLines(text: string): string[] {
  const lines = text.split('\n')
  if (lines[lines.length - 1] === '') lines.pop()
  return lines
}
