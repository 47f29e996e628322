import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { PassThrough } from 'node:stream'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import type { CliIO } from '../../cli/src/command'
import { main } from '../../cli/src/main'
import { freePort } from './free-port'

const fixtureManifests = new URL('./fixtures/manifests', import.meta.url).pathname

function captureIO(cwd: string, env: NodeJS.ProcessEnv = process.env) {
  const out: string[] = []
  const err: string[] = []
  const stdout = new PassThrough()
  const stderr = new PassThrough()
  stdout.on('data', (chunk: Buffer) => out.push(chunk.toString()))
  stderr.on('data', (chunk: Buffer) => err.push(chunk.toString()))
  const io: CliIO = { stdout, stderr, stdin: new PassThrough(), env, cwd }
  return { io, stdout: () => out.join(''), stderr: () => err.join('') }
}

describe('golden-path deliver', () => {
  let dir: string
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'golden-path-deliver-'))
    mkdirSync(join(dir, 'svc'))
    const manifest = {
      name: 'svc',
      version: '1.0.0',
      private: true,
      scripts: { test: 'node -e ""' },
    }
    writeFileSync(join(dir, 'svc/package.json'), JSON.stringify(manifest))
    const lock = {
      name: 'svc',
      version: '1.0.0',
      lockfileVersion: 3,
      requires: true,
      packages: { '': { name: 'svc', version: '1.0.0' } },
    }
    writeFileSync(join(dir, 'svc/package-lock.json'), JSON.stringify(lock))
  })
  afterEach(() => rmSync(dir, { recursive: true, force: true }))

  it('refuses to run without --local, in one line, with exit 2', async () => {
    const cli = captureIO(dir)
    expect(await main(['deliver'], cli.io)).toBe(2)
    expect(cli.stderr()).toBe(
      'golden-path deliver: only --local is supported here; in CI call the reusable workflow .github/workflows/deliver.yml\n',
    )
  })

  it('delivers locally with a visible notice that Argo CD was not verified', async () => {
    const registry = `127.0.0.1:${await freePort()}`
    const cli = captureIO(dir)
    const code = await main(
      [
        'deliver',
        '--local',
        '--service',
        'svc',
        '--registry',
        registry,
        '--state-dir',
        join(dir, 'state'),
        '--seed-manifests',
        fixtureManifests,
      ],
      cli.io,
    )
    expect(cli.stderr()).not.toContain('golden-path deliver:')
    expect(code).toBe(0)
    const text = cli.stdout()
    expect(text).toContain(`registry  ${registry} (started for this run;`)
    expect(text).toContain(
      `gitops    ${join(dir, 'state', 'gitops.git')} branch main, overlay manifests/overlays/dev (seeded from manifests/)`,
    )
    expect(text).toMatch(/^ok {4}test {5}npm ci and npm run test passed/m)
    expect(text).toContain('NOTICE: verify was skipped: no --argocd-server given')
    expect(text.trim().endsWith('delivered')).toBe(true)
    expect(existsSync(join(dir, 'state', 'registry', 'config.yml'))).toBe(true)
    // The registry was stopped at the end of the run.
    await expect(fetch(`http://${registry}/v2/`)).rejects.toThrow()
  })

  it('reports a failing step as JSON with exit 1', async () => {
    const registry = `127.0.0.1:${await freePort()}`
    const cli = captureIO(dir)
    const code = await main(
      [
        'deliver',
        '--local',
        '--service',
        'svc',
        '--test-script',
        'lint',
        '--registry',
        registry,
        '--state-dir',
        join(dir, 'state'),
        '--seed-manifests',
        fixtureManifests,
        '--output',
        'json',
      ],
      cli.io,
    )
    expect(code).toBe(1)
    const result = JSON.parse(cli.stdout())
    expect(result.report.ok).toBe(false)
    expect(result.report.steps[0]).toMatchObject({ name: 'test', status: 'failed' })
    expect(result.report.steps[0].detail).toContain("has no script 'lint' (scripts: test)")
    expect(result.report.steps.at(-1)).toMatchObject({ name: 'verify', status: 'not-run' })
  })

  it('fails set-up in one line with exit 2 when the registry address is not loopback', async () => {
    const cli = captureIO(dir)
    const code = await main(
      [
        'deliver',
        '--local',
        '--registry',
        'registry.example.com:5000',
        '--state-dir',
        join(dir, 'state'),
      ],
      cli.io,
    )
    expect(code).toBe(2)
    expect(cli.stderr()).toBe(
      "golden-path deliver: registry address 'registry.example.com:5000' must be a loopback host:port, e.g. 127.0.0.1:5050\n",
    )
  })
})
