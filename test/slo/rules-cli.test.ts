import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { parse } from 'yaml'
import { runCli } from '../support/cli-io'

const repoRoot = new URL('../..', import.meta.url).pathname
const fixture = join(repoRoot, 'test', 'slo', 'fixtures', 'events.yaml')

describe('golden-path slo rules', () => {
  let work: string
  beforeAll(() => {
    work = mkdtempSync(join(tmpdir(), 'golden-path-slo-rules-'))
  })
  afterAll(() => rmSync(work, { recursive: true, force: true }))

  it('writes a PrometheusRule by default, named after the service', async () => {
    const result = await runCli(['slo', 'rules', '--spec', fixture], work)
    expect(result.code, result.stderr).toBe(0)
    const document = parse(result.stdout)
    expect(document).toMatchObject({
      apiVersion: 'monitoring.coreos.com/v1',
      kind: 'PrometheusRule',
      metadata: { name: 'payments-slo', labels: { 'app.kubernetes.io/component': 'slo' } },
    })
    expect(document.spec.groups.map((group: { name: string }) => group.name)).toEqual([
      'sloth-slo-sli-recordings-payments-requests-availability',
      'sloth-slo-meta-recordings-payments-requests-availability',
      'sloth-slo-alerts-payments-requests-availability',
    ])
  })

  it('writes a plain rule file with --format rules into --output-file, leaving no temporary file', async () => {
    const result = await runCli(
      ['slo', 'rules', '--spec', fixture, '--format', 'rules', '--output-file', 'rules.yaml'],
      work,
    )
    expect(result.code, result.stderr).toBe(0)
    expect(result.stdout).toBe('')
    const document = parse(readFileSync(join(work, 'rules.yaml'), 'utf8'))
    expect(Object.keys(document)).toEqual(['groups'])
    const records = document.groups[0].rules.map((rule: { record: string }) => rule.record)
    expect(records).toEqual([
      'slo:sli_error:ratio_rate5m',
      'slo:sli_error:ratio_rate30m',
      'slo:sli_error:ratio_rate1h',
      'slo:sli_error:ratio_rate2h',
      'slo:sli_error:ratio_rate6h',
      'slo:sli_error:ratio_rate1d',
      'slo:sli_error:ratio_rate3d',
      'slo:sli_error:ratio_rate30d',
    ])
    expect(readdirSync(work).filter((name) => name.startsWith('.'))).toEqual([])
  })

  it('names the namespace and a custom name, and counts a 28-day period in weeks as Prometheus prints it', async () => {
    const result = await runCli(
      [
        'slo',
        'rules',
        '--spec',
        fixture,
        '--name',
        'payments-slos',
        '--namespace',
        'payments',
        '--period',
        '28d',
      ],
      work,
    )
    const document = parse(result.stdout)
    expect(document.metadata).toMatchObject({ name: 'payments-slos', namespace: 'payments' })
    const periodRule = document.spec.groups[0].rules.at(-1)
    expect(periodRule.record).toBe('slo:sli_error:ratio_rate4w')
    expect(document.spec.groups[1].rules[2].expr).toBe('vector(28)')
  })

  it('leaves an existing output file untouched when the spec is malformed', async () => {
    const target = join(work, 'kept.yaml')
    await runCli(['slo', 'rules', '--spec', fixture, '--output-file', target], work)
    const before = readFileSync(target, 'utf8')
    const result = await runCli(
      [
        'slo',
        'rules',
        '--spec',
        join(repoRoot, 'test/slo/fixtures/malformed.yaml'),
        '--output-file',
        target,
      ],
      work,
    )
    expect(result.code).toBe(2)
    expect(readFileSync(target, 'utf8')).toBe(before)
  })
})
