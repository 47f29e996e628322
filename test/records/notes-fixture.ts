import { execFileSync } from 'node:child_process'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { DeliveryRecord } from '../../actions/lib/records/delivery-record'
import { gitEnv } from '../support/git-project'

/** A bare repository whose refs/notes/golden-path holds `records`, written with git itself. */
export function repositoryWithRecords(records: readonly DeliveryRecord[]): {
  bare: string
  cleanup: () => void
} {
  const root = mkdtempSync(join(tmpdir(), 'golden-path-dora-'))
  const bare = join(root, 'gitops.git')
  execFileSync('git', ['init', '--quiet', '--bare', bare], { env: gitEnv() })
  // One fast-import stream: a notes commit whose tree maps each commit id (a path named by
  // the id, as git notes stores them) to its record; the annotated commits need not exist.
  const lines: string[] = [
    'commit refs/notes/golden-path',
    'committer t <t@example.org> 1700000000 +0000',
    'data 5',
    'notes',
  ]
  for (const record of records) {
    const text = `${JSON.stringify(record)}\n`
    lines.push(
      `M 100644 inline ${record.gitops.commit}`,
      `data ${Buffer.byteLength(text)}`,
      text.slice(0, -1),
    )
  }
  execFileSync('git', ['-C', bare, 'fast-import', '--quiet'], {
    input: `${lines.join('\n')}\n`,
    env: gitEnv(),
  })
  return { bare, cleanup: () => rmSync(root, { recursive: true, force: true }) }
}
