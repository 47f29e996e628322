import { spawnSync } from 'node:child_process'
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { PassThrough } from 'node:stream'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import type { CliIO } from '../../cli/src/command'
import { main } from '../../cli/src/main'
import { expectValidRecord } from '../records/record-fixtures'
import { freeLoopbackPort as freePort } from '../support/free-port'
import { standinBaseImages } from '../support/standin-images'

const fixtureManifests = new URL('./fixtures/manifests', import.meta.url).pathname
const repositoryRoot = new URL('../..', import.meta.url).pathname

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

  it('delivers locally: test, build, scan, push, validate, bump, with a visible notice that Argo CD was not verified', async () => {
    // A product repository: a tiny service on the stand-in distroless base, and this repository's manifests.
    const runtimeImage = (await standinBaseImages()).runtime
    writeFileSync(join(dir, 'svc/server.js'), "console.log('ok')\n")
    writeFileSync(
      join(dir, 'svc/Dockerfile'),
      // biome-ignore lint/suspicious/noTemplateCurlyInString: a Dockerfile ARG reference
      'ARG RUNTIME_IMAGE\nFROM ${RUNTIME_IMAGE}\nWORKDIR /app\nCOPY server.js ./\nUSER 65532:65532\nCMD ["server.js"]\n',
    )
    for (const args of [
      ['init', '--quiet'],
      ['add', '.'],
      ['-c', 'user.name=t', '-c', 'user.email=t@t', 'commit', '--quiet', '-m', 'product'],
    ]) {
      spawnSync('git', args, { cwd: dir })
    }
    const registry = `127.0.0.1:${await freePort()}`
    const cli = captureIO(dir)
    const code = await main(
      [
        'deliver',
        '--local',
        '--service',
        'svc',
        '--build-arg',
        `RUNTIME_IMAGE=${runtimeImage}`,
        '--registry',
        registry,
        '--state-dir',
        join(dir, 'state'),
        '--seed-manifests',
        join(repositoryRoot, 'manifests'),
      ],
      cli.io,
    )
    const text = cli.stdout()
    expect(text).not.toContain('FAIL')
    expect(code).toBe(0)
    const gitops = join(dir, 'state', 'gitops.git')
    expect(text).toContain(`registry  ${registry} (started for this run;`)
    expect(text).toContain(
      `gitops    ${gitops} branch main, overlay manifests/overlays/dev (seeded from manifests/)`,
    )
    expect(text).toMatch(/^ok {4}test {5}npm ci && npm test passed/m)
    const digest = /^ok {4}push {5}pushed \S+@(sha256:[0-9a-f]{64})/m.exec(text)?.[1]
    expect(digest).toBeDefined()
    expect(text).toMatch(/^ok {4}scan {5}\d+ hardening checks passed/m)
    expect(text).toMatch(/^ok {4}validate manifests\/overlays\/dev: \d+ resources, 0 errors/m)
    expect(text).toContain('NOTICE: verify was skipped: no --argocd-server given')
    expect(text.trim().endsWith('delivered')).toBe(true)
    // The bump landed in the GitOps repository, pinning the digest the registry holds.
    const overlay = spawnSync(
      'git',
      ['--git-dir', gitops, 'show', 'main:manifests/overlays/dev/kustomization.yaml'],
      { encoding: 'utf8' },
    ).stdout
    expect(overlay).toContain(`newName: ${registry}/example-org/golden-path-reference-service`)
    expect(overlay).toContain(digest)
    // The delivery record: a git note on the bump commit, healthy but not verified (no Argo CD).
    const bumped = spawnSync('git', ['--git-dir', gitops, 'rev-parse', 'main'], {
      encoding: 'utf8',
    })
    const note = spawnSync(
      'git',
      [
        '--git-dir',
        gitops,
        'notes',
        '--ref',
        'refs/notes/golden-path',
        'show',
        bumped.stdout.trim(),
      ],
      { encoding: 'utf8' },
    ).stdout
    const record = JSON.parse(note)
    expectValidRecord(record)
    expect(record).toMatchObject({
      environment: 'dev',
      trigger: 'delivery',
      outcome: 'healthy',
      verified: false,
    })
    expect(record.image.digest).toBe(digest)
    expect(text).toMatch(/^record {4}healthy on [0-9a-f]{12} \(refs\/notes\/golden-path\)$/m)
    // The registry was stopped at the end of the run; its storage holds the pushed manifest.
    await expect(fetch(`http://${registry}/v2/`)).rejects.toThrow()
    expect(
      existsSync(
        join(
          dir,
          'state',
          'registry',
          'data',
          'docker',
          'registry',
          'v2',
          'repositories',
          'example-org',
          'golden-path-reference-service',
        ),
      ),
    ).toBe(true)
  }, 240_000)

  it('refuses an npm script package.json does not define before anything runs, with exit 2', async () => {
    const cli = captureIO(dir)
    const code = await main(
      [
        'deliver',
        '--local',
        '--service',
        'svc',
        '--test-script',
        'lint',
        '--state-dir',
        join(dir, 'state'),
      ],
      cli.io,
    )
    expect(code).toBe(2)
    expect(cli.stderr()).toBe(
      "golden-path deliver: 'svc/package.json' has no script 'lint' (scripts: test); pass --test-script NAME or --test-command CMD\n",
    )
    expect(existsSync(join(dir, 'state'))).toBe(false)
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
        '--test-command',
        'echo "1 test failed" >&2; exit 3',
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
    expect(result.report.steps[0].detail).toBe(
      'echo "1 test failed" >&2; exit 3 exited 3: 1 test failed',
    )
    expect(result.report.steps.at(-1)).toMatchObject({ name: 'verify', status: 'not-run' })
  })

  it('refuses Argo CD flags that cannot work before anything is built', async () => {
    const cli = captureIO(dir, {})
    const code = await main(
      [
        'deliver',
        '--local',
        '--argocd-server',
        'https://argocd.example.com',
        '--state-dir',
        join(dir, 'state'),
      ],
      cli.io,
    )
    expect(code).toBe(2)
    expect(cli.stderr()).toBe(
      'golden-path deliver: missing --argocd-app: the Argo CD application name\n',
    )
    expect(existsSync(join(dir, 'state'))).toBe(false)
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
