import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import { nullLogger, spawnRunner, systemClock } from '../../actions/lib/ports'
import {
  buildDeliveryRecord,
  markRolledBack,
  recordNotesRef,
} from '../../actions/lib/records/delivery-record'
import { GitNotesRecordStore } from '../../actions/lib/records/git-notes-records'
import { GitHttpServer } from '../bump/git-http-server'
import { runCli } from '../support/cli-io'
import { commitFiles, git, gitEnv } from '../support/git-project'
import { digestOf, expectValidRecord, hex40 } from './record-fixtures'

const dirs: string[] = []
afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true })
})

function bareRepository(): { bare: string; commits: string[] } {
  const root = mkdtempSync(join(tmpdir(), 'golden-path-notes-'))
  dirs.push(root)
  const work = join(root, 'work')
  const commits: string[] = []
  for (let i = 0; i < 3; i++)
    commits.push(commitFiles(work, { [`f${i}.yaml`]: `n: ${i}\n` }, `c${i}`))
  const bare = join(root, 'gitops.git')
  git(root, ['clone', '--quiet', '--bare', work, bare])
  return { bare, commits }
}

const ports = {
  runner: spawnRunner,
  clock: systemClock,
  logger: nullLogger,
  random: Math.random,
  env: gitEnv(),
}

function recordOn(commit: string, n: number) {
  return buildDeliveryRecord({
    environment: 'dev',
    app: 'payments',
    trigger: 'delivery',
    source: {
      repository: 'https://github.com/acme/payments',
      commit: hex40(n),
      committedAt: '2026-11-02T11:00:00+01:00',
    },
    image: { name: 'ghcr.io/acme/payments', digest: digestOf(n) },
    gitops: { repository: 'gitops', path: 'overlays/dev', commit },
    startedAt: Date.parse('2026-11-02T10:05:00Z') + n * 1000,
    finishedAt: Date.parse('2026-11-02T10:09:00Z') + n * 1000,
    outcome: 'healthy',
    verified: true,
  })
}

describe('delivery records as git notes', () => {
  it('stores the record on the GitOps commit under refs/notes/golden-path without moving the branch', async () => {
    const { bare, commits } = bareRepository()
    const head = git(bare, ['rev-parse', 'refs/heads/main'])
    const record = recordOn(commits[2]!, 1)
    expectValidRecord(record)
    expect(record.source.committedAt).toBe('2026-11-02T10:00:00Z')
    await new GitNotesRecordStore(bare, ports).write(record)
    expect(git(bare, ['rev-parse', 'refs/heads/main'])).toBe(head)
    const note = git(bare, ['notes', '--ref', recordNotesRef, 'show', commits[2]!])
    expect(JSON.parse(note)).toEqual(record)
    const read = await new GitNotesRecordStore(bare, ports).readAll()
    expect(read).toEqual([{ commit: commits[2], record }])
  })

  it('keeps every record when many writers push notes of different commits at once', async () => {
    const { bare } = bareRepository()
    const writers = 8
    const records = Array.from({ length: writers }, (_, i) => recordOn(hex40(0xabc000 + i), i))
    const results = await Promise.all(
      records.map((record) =>
        new GitNotesRecordStore(bare, ports, { maxAttempts: 30 }).write(record),
      ),
    )
    expect(results.every((result) => result.written)).toBe(true)
    // At least one writer lost a race and retried on the newer ref.
    expect(results.some((result) => result.attempts > 1)).toBe(true)
    const read = await new GitNotesRecordStore(bare, ports).readAll()
    expect(read).toHaveLength(writers)
    for (const record of records) {
      const stored = read.find((note) => note.commit === record.gitops.commit)
      expect(stored?.record).toEqual(record)
      expectValidRecord(stored?.record)
    }
  }, 60_000)

  it('reads the records of a checkout from its origin, as bump pushes there, and a file:// URL alike', async () => {
    const { bare, commits } = bareRepository()
    await new GitNotesRecordStore(bare, ports).write(recordOn(commits[0]!, 7))
    const checkout = join(bare, '..', 'checkout')
    // A plain clone fetches no notes: the records are read from where it was cloned from.
    git(join(bare, '..'), ['clone', '--quiet', bare, checkout])
    expect(await new GitNotesRecordStore(checkout, ports).readAll()).toHaveLength(1)
    await new GitNotesRecordStore(checkout, ports).write(recordOn(commits[1]!, 8))
    expect(git(bare, ['notes', '--ref', recordNotesRef, 'list']).split('\n')).toHaveLength(2)
    expect(await new GitNotesRecordStore(`file://${bare}`, ports).readAll()).toHaveLength(2)
  })

  it('updates a failed record to rolled-back from the latest ref', async () => {
    const { bare, commits } = bareRepository()
    const store = new GitNotesRecordStore(bare, ports)
    const failed = buildDeliveryRecord({
      ...recordOn(commits[1]!, 2),
      source: { repository: 'r', commit: hex40(2), committedAt: '2026-11-02T10:00:00Z' },
      startedAt: 0,
      finishedAt: 1000,
      outcome: 'failed',
      verified: true,
      failure: { step: 'verify', message: 'Degraded: web CrashLoopBackOff' },
      trigger: 'delivery',
    } as never)
    expectValidRecord(failed)
    await store.write(failed)
    const rolled = await store.update(commits[1]!, (current) =>
      current
        ? markRolledBack(current, { commit: commits[2]!, restoredDigest: digestOf(1) })
        : undefined,
    )
    expect(rolled.written).toBe(true)
    const [note] = await store.readAll()
    expectValidRecord(note?.record)
    expect(note?.record).toMatchObject({
      outcome: 'rolled-back',
      failure: { step: 'verify', message: 'Degraded: web CrashLoopBackOff' },
      rollback: { commit: commits[2], restoredDigest: digestOf(1) },
    })
  })

  it('says which repository cannot be read, in one line', async () => {
    const missing = join(tmpdir(), `golden-path-no-such-${process.pid}.git`)
    await expect(new GitNotesRecordStore(`file://${missing}`, ports).readAll()).rejects.toThrow(
      /cannot read refs\/notes\/golden-path of file:\/\//,
    )
  })

  it('writes and reads records over smart HTTP with a token, which no message ever shows', async () => {
    const { bare, commits } = bareRepository()
    const server = new GitHttpServer(join(bare, '..'), 'notes-token')
    await server.start()
    try {
      const url = `${server.url}/gitops.git`
      await new GitNotesRecordStore(url, ports, { token: 'notes-token' }).write(
        recordOn(commits[0]!, 3),
      )
      expect(git(bare, ['notes', '--ref', recordNotesRef, 'list'])).toContain(commits[0])
      const run = await runCli(
        [
          'dora',
          '--repo',
          url,
          '--token',
          'notes-token',
          '--since',
          '2026-11-01',
          '--until',
          '2026-11-08',
          '--output',
          'json',
        ],
        process.cwd(),
        gitEnv(),
      )
      expect(run.code).toBe(0)
      expect(JSON.parse(run.stdout)).toMatchObject([{ environment: 'dev', deployments: 1 }])
      const denied = await runCli(
        ['dora', '--repo', url, '--token', 'wrong-token'],
        process.cwd(),
        gitEnv(),
      )
      expect(denied.code).toBe(2)
      expect(denied.stderr.trim().split('\n')).toHaveLength(1)
      expect(denied.stderr).toContain('cannot read refs/notes/golden-path')
      expect(denied.stderr).not.toContain('wrong-token')
      expect(server.authorizations.length).toBeGreaterThan(0)
    } finally {
      await server.stop()
    }
  }, 60_000)
})
