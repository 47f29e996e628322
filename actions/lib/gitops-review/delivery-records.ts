import type { CommandRunner, Logger } from '../ports'

/**
 * What a review needs from a delivery record: the JSON document a delivery writes
 * as a git note on the GitOps commit it delivered (notes ref refs/notes/golden-path,
 * documented in docs/records.md). Only these fields are read, and a note that is
 * not such a record is skipped, never an error: records are evidence, not input.
 */
export interface DeliveryRecordEvidence {
  environment: string
  imageName?: string
  digest: string
  /** healthy, failed, rolled-back, or whatever a newer writer records. */
  outcome: string
  trigger?: string
  healthyAt?: string
  finishedAt?: string
  /** The GitOps commit the note is attached to. */
  gitopsCommit: string
}

/** How the previous environment's records speak for a digest. */
export type DeliveryVerdict =
  | { status: 'verified'; environment: string; record: DeliveryRecordEvidence }
  | { status: 'failed'; environment: string; record: DeliveryRecordEvidence }
  | { status: 'unverified'; environment: string; record: DeliveryRecordEvidence }
  | { status: 'not-delivered'; environment: string }
  | { status: 'first-environment' }
  | { status: 'unknown-environment' }
  | { status: 'no-records' }

const digestPattern = /^sha256:[0-9a-f]{64}$/

function isRecord(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value)
}

const text = (value: unknown): string | undefined =>
  typeof value === 'string' && value !== '' ? value : undefined

/** The JSON values in a note: one document, an array of them, or several appended ones. */
function noteDocuments(note: string): unknown[] {
  const whole = note.trim()
  if (whole === '') return []
  try {
    const value: unknown = JSON.parse(whole)
    return Array.isArray(value) ? value : [value]
  } catch {
    // `git notes append` joins documents with a blank line; NDJSON puts one per line.
    const parts = whole.includes('\n\n') ? whole.split(/\n\s*\n/) : whole.split('\n')
    return parts.flatMap((part) => {
      try {
        return [JSON.parse(part) as unknown]
      } catch {
        return []
      }
    })
  }
}

/** The records in one note, read defensively. */
export function recordsInNote(note: string, annotatedCommit: string): DeliveryRecordEvidence[] {
  const records: DeliveryRecordEvidence[] = []
  for (const document of noteDocuments(note)) {
    if (!isRecord(document)) continue
    if (document.kind !== undefined && document.kind !== 'DeliveryRecord') continue
    const image = isRecord(document.image) ? document.image : {}
    const gitops = isRecord(document.gitops) ? document.gitops : {}
    const environment = text(document.environment)
    const digest = text(image.digest)
    if (!environment || !digest || !digestPattern.test(digest)) continue
    records.push({
      environment,
      imageName: text(image.name),
      digest,
      outcome: text(document.outcome) ?? 'unknown',
      trigger: text(document.trigger),
      healthyAt: text(document.healthyAt),
      finishedAt: text(document.finishedAt),
      gitopsCommit: text(gitops.commit) ?? annotatedCommit,
    })
  }
  return records
}

/**
 * Every delivery record under `notesRef` in the repository at `repositoryDir`, or
 * undefined when the repository has no such notes ref (nothing was recorded, or
 * the ref was not fetched).
 */
export async function readDeliveryRecords(
  git: CommandRunner,
  repositoryDir: string,
  notesRef: string,
  logger: Logger,
): Promise<DeliveryRecordEvidence[] | undefined> {
  const ref = notesRef.startsWith('refs/') ? notesRef : `refs/notes/${notesRef}`
  const exists = await git.run('git', ['rev-parse', '--verify', '--quiet', `${ref}^{commit}`], {
    cwd: repositoryDir,
  })
  if (exists.exitCode !== 0) return undefined
  const listed = await git.run('git', ['notes', '--ref', ref, 'list'], { cwd: repositoryDir })
  if (listed.exitCode !== 0) {
    logger.warning(`cannot list the notes under ${ref}: ${listed.stderr.trim()}`)
    return undefined
  }
  const notes = listed.stdout
    .split('\n')
    .map((line) => line.trim().split(/\s+/))
    .filter((fields): fields is [string, string] => fields.length === 2)
  if (notes.length === 0) return []
  // One git process for every note: `cat-file --batch` answers "<id> blob <bytes>\n<content>\n".
  const batch = await git.run('git', ['cat-file', '--batch'], {
    cwd: repositoryDir,
    input: `${notes.map(([blob]) => blob).join('\n')}\n`,
  })
  if (batch.exitCode !== 0) {
    logger.warning(`cannot read the notes under ${ref}: ${batch.stderr.trim()}`)
    return undefined
  }
  const bytes = Buffer.from(batch.stdout, 'utf8')
  const records: DeliveryRecordEvidence[] = []
  let offset = 0
  for (const [, commit] of notes) {
    const headerEnd = bytes.indexOf(0x0a, offset)
    if (headerEnd < 0) break
    const header = bytes.subarray(offset, headerEnd).toString('utf8').split(' ')
    offset = headerEnd + 1
    if (header[1] !== 'blob') continue
    const size = Number(header[2])
    const content = bytes.subarray(offset, offset + size).toString('utf8')
    offset += size + 1
    records.push(...recordsInNote(content, commit))
  }
  logger.debug(
    `read ${records.length} delivery record(s) from ${notes.length} note(s) under ${ref}`,
  )
  return records
}

/**
 * Whether `digest` was delivered to the environment before `environment` in the
 * promotion order, and how that delivery ended. The latest record of that digest
 * there decides (by finishedAt, else healthyAt): a later rollback outweighs an
 * earlier healthy delivery.
 */
export function previousEnvironmentVerdict(
  records: readonly DeliveryRecordEvidence[] | undefined,
  digest: string,
  environment: string | undefined,
  promotionOrder: readonly string[],
): DeliveryVerdict {
  if (records === undefined) return { status: 'no-records' }
  if (environment === undefined) return { status: 'unknown-environment' }
  const index = promotionOrder.indexOf(environment)
  if (index < 0) return { status: 'unknown-environment' }
  if (index === 0) return { status: 'first-environment' }
  const previous = promotionOrder[index - 1]!
  const matching = records
    .filter((record) => record.environment === previous && record.digest === digest)
    .sort((a, b) =>
      (b.finishedAt ?? b.healthyAt ?? '').localeCompare(a.finishedAt ?? a.healthyAt ?? ''),
    )
  const latest = matching[0]
  if (!latest) return { status: 'not-delivered', environment: previous }
  if (latest.outcome === 'healthy')
    return { status: 'verified', environment: previous, record: latest }
  if (latest.outcome === 'failed' || latest.outcome === 'rolled-back')
    return { status: 'failed', environment: previous, record: latest }
  return { status: 'unverified', environment: previous, record: latest }
}
