import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { type DeliveryStep, runDelivery } from '../../actions/lib/delivery/delivery-pipeline'
import { planTestCommand, testStep } from '../../actions/lib/delivery/test-step'
import { verifySkippedStep } from '../../actions/lib/delivery/verify-skipped-step'
import { nullLogger, spawnRunner, systemClock } from '../../actions/lib/ports'

const ports = { clock: systemClock, logger: nullLogger }

function step(name: DeliveryStep['name'], run: DeliveryStep['run']): DeliveryStep {
  return { name, run }
}

describe('delivery pipeline', () => {
  it('hands state from step to step and reports each one', async () => {
    const report = await runDelivery(
      [
        step('push', async (state) => {
          state.digest = `sha256:${'a'.repeat(64)}`
          return { status: 'passed', detail: 'pushed' }
        }),
        step('bump', async (state) => {
          state.gitopsCommit = state.digest?.replace('sha256:', '').slice(0, 40)
          return { status: 'passed', detail: 'bumped' }
        }),
        verifySkippedStep(),
      ],
      { image: '127.0.0.1:5050/x' },
      ports,
    )
    expect(report.ok).toBe(true)
    expect(report.state.gitopsCommit).toBe('a'.repeat(40))
    expect(report.steps.map((entry) => [entry.name, entry.status])).toEqual([
      ['push', 'passed'],
      ['bump', 'passed'],
      ['verify', 'skipped'],
    ])
    expect(report.steps[2].detail).toBe(
      `no --argocd-server given: nothing checked that Argo CD applied GitOps commit ${'a'.repeat(12)}`,
    )
  })

  it('stops at the first failure, thrown or returned, and marks the rest not run', async () => {
    let ranAfterFailure = false
    const report = await runDelivery(
      [
        step('test', async () => ({ status: 'passed', detail: 'fine' })),
        step('build', async () => {
          throw new Error('Dockerfile not found:\n  service/Dockerfile')
        }),
        step('scan', async () => {
          ranAfterFailure = true
          return { status: 'passed', detail: '' }
        }),
      ],
      { image: 'x' },
      ports,
    )
    expect(report.ok).toBe(false)
    expect(ranAfterFailure).toBe(false)
    expect(report.steps.map((entry) => [entry.name, entry.status, entry.detail])).toEqual([
      ['test', 'passed', 'fine'],
      ['build', 'failed', 'Dockerfile not found: service/Dockerfile'],
      ['scan', 'not-run', 'an earlier step failed'],
    ])
  })
})

describe('test step (real npm)', () => {
  let dir: string
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'golden-path-test-step-'))
  })
  afterEach(() => rmSync(dir, { recursive: true, force: true }))

  function service(scripts: Record<string, string>) {
    mkdirSync(join(dir, 'svc'))
    const manifest = { name: 'svc', version: '1.0.0', private: true, scripts }
    writeFileSync(join(dir, 'svc/package.json'), JSON.stringify(manifest))
    const lock = {
      name: 'svc',
      version: '1.0.0',
      lockfileVersion: 3,
      requires: true,
      packages: { '': { name: 'svc', version: '1.0.0' } },
    }
    writeFileSync(join(dir, 'svc/package-lock.json'), JSON.stringify(lock))
    return join(dir, 'svc')
  }

  it.each([
    [
      'passes when the script passes',
      { test: 'node -e "process.exit(0)"' },
      'passed',
      'npm ci && npm test passed',
    ],
    [
      'fails with the script output when it fails',
      { test: 'node -e "console.error(\'2 tests failed\');process.exit(3)"' },
      'failed',
      '2 tests failed',
    ],
  ] as const)('%s', async (_case, scripts, status, detail) => {
    const servicePath = service(scripts)
    const test = planTestCommand({ servicePath, displayPath: 'svc' })
    const outcome = await testStep({ servicePath, test, runner: spawnRunner }).run({ image: 'x' })
    expect(outcome.status).toBe(status)
    expect(outcome.detail).toContain(detail)
  })

  it('refuses, before anything runs, an npm script package.json does not define', () => {
    const servicePath = service({ build: 'tsc' })
    expect(() => planTestCommand({ servicePath, displayPath: 'svc' })).toThrow(
      "'svc/package.json' has no script 'test' (scripts: build); pass --test-script NAME or --test-command CMD",
    )
  })

  it('runs an explicit test command with sh -c in the service directory', async () => {
    const servicePath = service({})
    const test = planTestCommand({
      servicePath,
      displayPath: 'svc',
      explicit: 'test -f package.json && echo "$PWD" > ran-here',
    })
    const outcome = await testStep({ servicePath, test, runner: spawnRunner }).run({ image: 'x' })
    expect(outcome).toEqual({
      status: 'passed',
      detail: 'test -f package.json && echo "$PWD" > ran-here passed',
    })
    expect(readFileSync(join(servicePath, 'ran-here'), 'utf8').trim()).toBe(servicePath)
  })

  it('names --test-command when nothing says how to test the service', () => {
    mkdirSync(join(dir, 'empty'))
    expect(() =>
      planTestCommand({ servicePath: join(dir, 'empty'), displayPath: 'empty' }),
    ).toThrow(
      /^cannot tell how to test 'empty': none of package\.json, go\.mod, .*; pass --test-command CMD/,
    )
  })
})
