import { PassThrough } from 'node:stream'
import { afterEach, describe, expect, it } from 'vitest'
import { median, percentile90 } from '../../actions/lib/records/dora-metrics'
import type { CliIO } from '../../cli/src/command'
import { createDoraCommand } from '../../cli/src/commands/dora'
import { runCli } from '../support/cli-io'
import { repositoryWithRecords } from './notes-fixture'
import { expectValidRecord, type RecordSketch, sketchRecord } from './record-fixtures'

const cleanups: (() => void)[] = []
afterEach(() => {
  for (const cleanup of cleanups.splice(0)) cleanup()
})

/**
 * prod, window [2026-11-01, 2026-11-08), by hand:
 * deployments 1,2,3,5,6,7 = 6 (4 is a rollback); failed 3 (rolled back) and 7 = 2;
 * healthy deployments 1,2,5,6 = 4 → 4/7 a day; lead times 1h, 2h, 4h, 11h → median
 * (2h+4h)/2 = 3h, p90 the ⌈3.6⌉ = 4th = 11h; 3 recovered by rollback 4 after 30 min,
 * 7 never (9 is healthy only after until) → unrecovered 1.
 */
const history: RecordSketch[] = [
  {
    n: 1,
    committedAt: '2026-11-01T08:00:00Z',
    startedAt: '2026-11-01T09:00:00Z',
    healthyAt: '2026-11-01T10:00:00Z',
  },
  {
    n: 2,
    committedAt: '2026-11-02T00:00:00Z',
    startedAt: '2026-11-02T01:00:00Z',
    healthyAt: '2026-11-02T04:00:00Z',
  },
  {
    n: 3,
    outcome: 'rolled-back',
    committedAt: '2026-11-03T00:00:00Z',
    startedAt: '2026-11-03T01:00:00Z',
    finishedAt: '2026-11-03T02:00:00Z',
  },
  {
    n: 4,
    trigger: 'rollback',
    startedAt: '2026-11-03T02:10:00Z',
    healthyAt: '2026-11-03T02:30:00Z',
  },
  {
    n: 5,
    trigger: 'promotion',
    committedAt: '2026-11-04T00:00:00Z',
    startedAt: '2026-11-04T10:00:00Z',
    healthyAt: '2026-11-04T11:00:00Z',
  },
  {
    n: 6,
    committedAt: '2026-11-05T00:00:00Z',
    startedAt: '2026-11-05T00:30:00Z',
    healthyAt: '2026-11-05T01:00:00Z',
  },
  {
    n: 7,
    outcome: 'failed',
    committedAt: '2026-11-07T00:00:00Z',
    startedAt: '2026-11-07T20:00:00Z',
    finishedAt: '2026-11-07T21:00:00Z',
  },
  // Outside the window: before since, and at until (the window is half-open).
  { n: 8, startedAt: '2026-10-20T00:00:00Z', healthyAt: '2026-10-20T01:00:00Z' },
  { n: 9, startedAt: '2026-11-08T00:00:00Z', healthyAt: '2026-11-08T01:00:00Z' },
  // Another environment: its own report, never mixed into prod's.
  {
    n: 10,
    environment: 'staging',
    committedAt: '2026-11-02T00:00:00Z',
    startedAt: '2026-11-02T00:00:00Z',
    healthyAt: '2026-11-02T00:20:00Z',
  },
  {
    n: 11,
    environment: 'staging',
    outcome: 'failed',
    startedAt: '2026-11-02T06:00:00Z',
    finishedAt: '2026-11-02T06:10:00Z',
  },
]

function fixture(sketches: RecordSketch[] = history) {
  const records = sketches.map(sketchRecord)
  for (const record of records) expectValidRecord(record)
  const repo = repositoryWithRecords(records)
  cleanups.push(repo.cleanup)
  return repo.bare
}

async function dora(args: string[], now = '2026-11-08T00:00:00Z') {
  const command = createDoraCommand({ now: () => Date.parse(now), sleep: async () => {} })
  const out: string[] = []
  const err: string[] = []
  const stdout = new PassThrough().on('data', (chunk: Buffer) => out.push(chunk.toString()))
  const stderr = new PassThrough().on('data', (chunk: Buffer) => err.push(chunk.toString()))
  const io: CliIO = {
    stdout,
    stderr,
    stdin: new PassThrough(),
    env: process.env,
    cwd: process.cwd(),
  }
  const code = await command.run(args, io)
  return { code, stdout: out.join(''), stderr: err.join('') }
}

describe('golden-path dora', () => {
  it('computes the four keys of one environment as hand-computed', async () => {
    const bare = fixture()
    const run = await dora([
      '--repo',
      bare,
      '--environment',
      'prod',
      '--since',
      '2026-11-01',
      '--until',
      '2026-11-08',
      '--output',
      'json',
    ])
    expect(run.code).toBe(0)
    expect(JSON.parse(run.stdout)).toEqual([
      {
        environment: 'prod',
        since: '2026-11-01T00:00:00Z',
        until: '2026-11-08T00:00:00Z',
        deployments: 6,
        failed: 2,
        changeFailureRate: 2 / 6,
        deploymentsPerDay: 4 / 7,
        leadTimeSeconds: { median: 3 * 3600, p90: 11 * 3600 },
        recoveryTimeSeconds: { median: 30 * 60 },
        unrecovered: 1,
        levels: {
          deploymentFrequency: 'high',
          leadTime: 'elite',
          changeFailureRate: 'low',
          recoveryTime: 'elite',
        },
      },
    ])
  })

  it('reports every environment on its own by default, over the 30 days up to now', async () => {
    const bare = fixture()
    const run = await dora(['--repo', bare, '--output', 'json'], '2026-11-07T23:00:00Z')
    const reports = JSON.parse(run.stdout)
    expect(reports.map((report: { environment: string }) => report.environment)).toEqual([
      'prod',
      'staging',
    ])
    expect(reports[0]).toMatchObject({
      since: '2026-10-08T23:00:00Z',
      until: '2026-11-07T23:00:00Z',
      deployments: 7,
      failed: 2,
    })
    // staging: one healthy (lead 20 min, odd count: the middle value) and one failure never recovered.
    expect(reports[1]).toMatchObject({
      deployments: 2,
      failed: 1,
      changeFailureRate: 0.5,
      leadTimeSeconds: { median: 1200, p90: 1200 },
      recoveryTimeSeconds: { median: null },
      unrecovered: 1,
    })
  })

  it('gives zeros and null medians for a window without records', async () => {
    const bare = fixture()
    const run = await dora([
      '--repo',
      bare,
      '--environment',
      'prod',
      '--since',
      '2025-01-01',
      '--until',
      '2025-01-08',
      '--output',
      'json',
    ])
    expect(JSON.parse(run.stdout)).toEqual([
      expect.objectContaining({
        deployments: 0,
        failed: 0,
        changeFailureRate: null,
        deploymentsPerDay: 0,
        leadTimeSeconds: { median: null, p90: null },
        recoveryTimeSeconds: { median: null },
        unrecovered: 0,
      }),
    ])
  })

  it('renders a markdown table and mermaid xychart of deployments, failures and lead time', async () => {
    const bare = fixture()
    const run = await dora([
      '--repo',
      bare,
      '--environment',
      'prod',
      '--since',
      '7d',
      '--output',
      'markdown',
    ])
    expect(run.stdout).toContain('| Change failure rate | 33.3% (2 of 6) | low |')
    expect(run.stdout).toContain('| Lead time for changes | median 3h, p90 11h | elite |')
    expect(run.stdout).toContain('```mermaid\nxychart-beta')
    expect(run.stdout).toContain(
      'x-axis ["11-01", "11-02", "11-03", "11-04", "11-05", "11-06", "11-07"]',
    )
    expect(run.stdout).toContain('bar [1, 1, 0, 1, 1, 0, 0]')
    expect(run.stdout).toContain('line [0, 0, 1, 0, 0, 0, 1]')
    expect(run.stdout).toContain('line [2, 4, 0, 11, 1, 0, 0]')
  })

  it('prints a readable text report', async () => {
    const bare = fixture()
    const run = await dora(['--repo', bare, '--environment', 'prod', '--since', '7d'])
    expect(run.stdout).toMatch(/Deployment frequency\s+0.57\/day \(6 deployments\)\s+high/)
    expect(run.stdout).toMatch(/Change failure rate\s+33.3% \(2 of 6\)\s+low/)
    expect(run.stdout).toMatch(
      /Failed deployment recovery time\s+median 30m, 1 unrecovered\s+elite/,
    )
  })

  it('takes the median of an even count as the mean of the two middle values, p90 by nearest rank', () => {
    expect(median([1, 2, 3, 4])).toBe(2.5)
    expect(median([5, 1].sort())).toBe(3)
    expect(median([7])).toBe(7)
    expect(percentile90([1, 2, 3, 4, 5, 6, 7, 8, 9, 10])).toBe(9)
    expect(percentile90([1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11])).toBe(10)
    expect(percentile90([])).toBeNull()
  })

  it('rejects bad flags with one line and exit 2', async () => {
    const bare = fixture([])
    for (const [args, message] of [
      [['--environment', 'prod'], /--repo is required/],
      [['--repo', bare, '--since', 'yesterday'], /invalid --since 'yesterday'/],
      [
        ['--repo', bare, '--since', '2026-11-08', '--until', '2026-11-01'],
        /--since must be before --until/,
      ],
      [['--repo', bare, '--output', 'xml'], /invalid --output 'xml'/],
      [
        ['--repo', '/nonexistent/gitops.git'],
        /cannot read refs\/notes\/golden-path|not a git repository/,
      ],
    ] as const) {
      const run = await runCli(['dora', ...args], process.cwd())
      expect(run.code).toBe(2)
      expect(run.stderr.trim().split('\n')).toHaveLength(1)
      expect(run.stderr).toMatch(message)
    }
  })
})
