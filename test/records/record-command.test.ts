import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import { runCli } from '../support/cli-io'
import { git, gitEnv } from '../support/git-project'
import { digestOf, expectValidRecord, hex40 } from './record-fixtures'

const roots: string[] = []
afterEach(() => {
  for (const root of roots.splice(0)) rmSync(root, { recursive: true, force: true })
})

function bare(): string {
  const root = mkdtempSync(join(tmpdir(), 'golden-path-record-cmd-'))
  roots.push(root)
  git(root, ['init', '--quiet', '--bare', 'gitops.git'])
  return join(root, 'gitops.git')
}

const commit = hex40(0xfeed)
const full = [
  '--environment',
  'prod',
  '--app',
  'payments',
  '--trigger',
  'delivery',
  '--outcome',
  'failed',
  '--gitops-path',
  'overlays/prod',
  '--image',
  'ghcr.io/acme/payments',
  '--digest',
  digestOf(5),
  '--source-repository',
  'https://github.com/acme/payments',
  '--source-commit',
  hex40(5),
  '--source-committed-at',
  '2026-11-02T11:00:00+01:00',
  '--started-at',
  '2026-11-02T10:01:00Z',
  '--finished-at',
  '2026-11-02T10:06:00Z',
  '--verified',
  'true',
  '--failure-step',
  'verify',
  '--failure-message',
  'Degraded: payments CrashLoopBackOff',
]

describe('golden-path record', () => {
  it('writes a complete record, then updates only what a later writer gives', async () => {
    const repo = bare()
    const first = await runCli(
      ['record', '--repo', repo, '--gitops-commit', commit, ...full, '--output', 'json'],
      process.cwd(),
      gitEnv(),
    )
    expect(first.stderr).toBe('')
    expect(first.code).toBe(0)
    const written = JSON.parse(first.stdout)
    expectValidRecord(written)
    expect(written).toMatchObject({
      outcome: 'failed',
      source: { committedAt: '2026-11-02T10:00:00Z' },
      failure: { step: 'verify' },
    })
    const second = await runCli(
      [
        'record',
        '--repo',
        repo,
        '--gitops-commit',
        commit,
        '--outcome',
        'healthy',
        '--finished-at',
        '2026-11-02T10:20:00Z',
        '--output',
        'json',
      ],
      process.cwd(),
      gitEnv(),
    )
    const updated = JSON.parse(second.stdout)
    expectValidRecord(updated)
    expect(updated).toMatchObject({
      outcome: 'healthy',
      healthyAt: '2026-11-02T10:20:00Z',
      image: { digest: digestOf(5) },
    })
    expect(updated.failure).toBeUndefined()
    const stored = JSON.parse(
      git(repo, ['notes', '--ref', 'refs/notes/golden-path', 'show', commit]),
    )
    expect(stored).toEqual(updated)
  }, 30_000)

  it('names the fields a new record lacks, exit 2, nothing written', async () => {
    const repo = bare()
    const run = await runCli(
      ['record', '--repo', repo, '--gitops-commit', commit, '--environment', 'prod'],
      process.cwd(),
      gitEnv(),
    )
    expect(run.code).toBe(2)
    expect(run.stderr).toMatch(
      /^golden-path record: no record on 000000000000 to complete: give --trigger, --source-repository/,
    )
    expect(() => git(repo, ['rev-parse', '--verify', 'refs/notes/golden-path'])).toThrow()
  })
})
