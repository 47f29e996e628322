import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { CommandRunner } from '../../actions/lib/ports'
import { nullLogger } from '../../actions/lib/ports'
import { defaultRequiredLabels } from '../../actions/lib/scan/hardening-checks'
import { type ScanRequest, scanImage } from '../../actions/lib/scan/scan-image'
import { runCli } from '../support/cli-io'
import { buildFixtureLayout } from '../support/oci-fixtures'

const fixtures = join(import.meta.dirname, 'fixtures/trivy')
let workspace: string

beforeAll(() => {
  workspace = mkdtempSync(join(tmpdir(), 'golden-path-scan-cli-'))
  for (const name of ['debian-buster', 'alpine-310', 'distroless-base']) {
    copyFileSync(join(fixtures, `${name}.json`), join(workspace, `${name}.json`))
  }
  buildFixtureLayout(
    {
      files: [{ path: 'app/server', content: '#!/x\n', mode: 0o755 }],
      user: '65532',
      entrypoint: ['/app/server'],
      labels: {
        'org.opencontainers.image.source': 'https://github.com/example-org/app',
        'org.opencontainers.image.revision': 'abc1234',
        'org.opencontainers.image.created': '2026-11-30T00:00:00Z',
      },
    },
    join(workspace, 'oci'),
  )
})
afterAll(() => rmSync(workspace, { recursive: true, force: true }))

describe('golden-path scan', () => {
  it('fails the gate (exit 1) on a CRITICAL finding and lists it first', async () => {
    const run = await runCli(['scan', '--trivy-report', 'debian-buster.json'], workspace)
    expect(run.code).toBe(1)
    const lines = run.stdout.split('\n')
    expect(lines[0]).toBe(`scan FAILED (1 failing): ${join(workspace, 'debian-buster.json')}`)
    expect(lines[2]).toBe('Vulnerabilities failing the gate:')
    expect(lines[3]).toContain(
      'CRITICAL CVE-2019-18224  libidn2-0 2.0.5-1 (fixed in 2.0.5-1+deb10u1)',
    )
    expect(run.stdout).toContain('Vulnerabilities listed (below the fail-on severity):')
    expect(run.stdout).toContain('LOW      CVE-2019-18276  bash 5.0-4 (no fix yet)')
  })

  it('passes (exit 0) when only findings below fail-on remain', async () => {
    const run = await runCli(
      ['scan', '--trivy-report', 'alpine-310.json', '--fail-on', 'HIGH'],
      workspace,
    )
    expect(run.code).toBe(0)
    expect(run.stdout).toMatch(/^scan PASSED/)
  })

  it('prints the result as JSON with --output json', async () => {
    const run = await runCli(
      [
        'scan',
        '--trivy-report',
        'distroless-base.json',
        '--fail-on',
        'MEDIUM',
        '--ignore-unfixed',
        '--output',
        'json',
      ],
      workspace,
    )
    expect(run.code).toBe(0)
    const result = JSON.parse(run.stdout)
    expect(result).toMatchObject({ passed: true, failing: 0, cveSource: 'trivy-report' })
    expect(result.cve.unfixedDropped).toBe(2)
    expect(result.cve.reported.map((v: { id: string }) => v.id)).toEqual([
      'CVE-2019-1563',
      'CVE-2019-1563',
    ])
  })

  it('applies the default ignore file and warns about expired entries', async () => {
    mkdirSync(join(workspace, 'project/.golden-path'), { recursive: true })
    copyFileSync(join(fixtures, 'debian-buster.json'), join(workspace, 'project/report.json'))
    writeFileSync(
      join(workspace, 'project/.golden-path/scan-ignore.yaml'),
      `vulnerabilities:
  - id: CVE-2019-18224
    package: libidn2-0
    expires: 2999-12-31
    reason: IDN conversion is never reached by the service
  - id: CVE-2019-18276
    expires: 2020-01-01
    reason: bash is not in the runtime image
`,
    )
    const run = await runCli(
      ['scan', '--trivy-report', 'report.json', '--fail-on', 'HIGH'],
      join(workspace, 'project'),
    )
    expect(run.code).toBe(0)
    expect(run.stdout).toContain(
      'CVE-2019-18224 libidn2-0 until 2999-12-31: IDN conversion is never reached',
    )
    expect(run.stdout).toContain('CVE-2019-18276 expired 2020-01-01')
    expect(run.stderr).toBe(
      'warning: ignore entry CVE-2019-18276 expired on 2020-01-01 and no longer applies\n',
    )
  })

  it.each([
    [['--trivy-report', 'missing.json'], /Trivy report .*missing.json not found/],
    [
      ['--trivy-report', 'debian-buster.json', '--ignore-file', 'nope.yaml'],
      /ignore file .*nope.yaml not found/,
    ],
    [
      ['--trivy-report', 'debian-buster.json', '--fail-on', 'SEVERE'],
      /invalid --fail-on 'SEVERE': expected one of LOW, MEDIUM, HIGH, CRITICAL/,
    ],
    [[], /nothing to scan/],
    [['--oci', 'no-such-dir'], /OCI layout directory .*no-such-dir not found/],
  ])('exits 2 with one line for bad input %j', async (args, message) => {
    const run = await runCli(['scan', ...args], workspace)
    expect(run.code).toBe(2)
    expect(run.stderr).toMatch(message)
    expect(run.stderr.trim().split('\n')).toHaveLength(1)
    expect(run.stdout).toBe('')
  })

  it('exits 2 for a malformed report, never passing it', async () => {
    writeFileSync(
      join(workspace, 'broken.json'),
      '{"SchemaVersion": 2, "Results": [{"Target": 1}]}',
    )
    const run = await runCli(['scan', '--trivy-report', 'broken.json'], workspace)
    expect(run.code).toBe(2)
    expect(run.stderr).toBe(
      `golden-path scan: Trivy report ${join(workspace, 'broken.json')} is malformed: Results[0].Target is missing\n`,
    )
  })

  it('exits 2 when an ignore entry has no expiry', async () => {
    writeFileSync(
      join(workspace, 'forever.yaml'),
      'vulnerabilities:\n  - id: CVE-2019-18224\n    reason: trust me\n',
    )
    const run = await runCli(
      ['scan', '--trivy-report', 'debian-buster.json', '--ignore-file', 'forever.yaml'],
      workspace,
    )
    expect(run.code).toBe(2)
    expect(run.stderr).toContain("(CVE-2019-18224) has no 'expires' date")
  })

  it('writes SARIF that respects --report-at', async () => {
    const run = await runCli(
      [
        'scan',
        '--trivy-report',
        'debian-buster.json',
        '--report-at',
        'HIGH',
        '--sarif',
        'out.sarif',
      ],
      workspace,
    )
    expect(run.code).toBe(1)
    const sarif = JSON.parse(readFileSync(join(workspace, 'out.sarif'), 'utf8'))
    expect(sarif.version).toBe('2.1.0')
    expect(sarif.runs[0].results.map((r: { ruleId: string }) => r.ruleId)).toEqual([
      'CVE-2019-18224',
    ])
  })

  it('runs the hardening checks on a layout and says Trivy is missing when it is', async () => {
    const hardeningOnly = await runCli(['scan', '--oci', 'oci', '--skip-cve'], workspace)
    expect(hardeningOnly.code).toBe(0)
    expect(hardeningOnly.stdout).toContain('✓ runs as a non-root user')
    expect(hardeningOnly.stdout).toContain('CVE scan skipped.')
    const withTrivy = await runCli(['scan', '--oci', 'oci'], workspace)
    expect(withTrivy.code).toBe(2)
    expect(withTrivy.stderr).toContain('trivy is not installed')
  })

  it('combines hardening checks on the layout with a report made elsewhere about that image', async () => {
    // The recorded report, as Trivy would write it for this layout: its ImageID is the config digest.
    const index = JSON.parse(readFileSync(join(workspace, 'oci/index.json'), 'utf8'))
    const manifest = JSON.parse(
      readFileSync(join(workspace, 'oci/blobs/sha256', index.manifests[0].digest.slice(7)), 'utf8'),
    )
    const report = JSON.parse(readFileSync(join(workspace, 'debian-buster.json'), 'utf8'))
    report.ArtifactName = 'oci'
    report.Metadata.ImageID = manifest.config.digest
    report.Metadata.RepoTags = []
    writeFileSync(join(workspace, 'this-image.json'), JSON.stringify(report))
    const run = await runCli(
      ['scan', '--oci', 'oci', '--trivy-report', 'this-image.json', '--output', 'json'],
      workspace,
    )
    expect(run.code, run.stderr).toBe(1)
    const result = JSON.parse(run.stdout)
    expect(result.digest).toMatch(/^sha256:[a-f0-9]{64}$/)
    expect(result.hardening.every((check: { passed: boolean }) => check.passed)).toBe(true)
    expect(result.failing).toBe(1)
  })

  it('refuses a report about another image, naming both', async () => {
    const run = await runCli(
      ['scan', '--oci', 'oci', '--trivy-report', 'debian-buster.json', '--output', 'json'],
      workspace,
    )
    expect(run.code).toBe(2)
    expect(run.stdout).toBe('')
    expect(run.stderr.trim().split('\n')).toHaveLength(1)
    expect(run.stderr).toMatch(
      /Trivy report .*debian-buster\.json is about testdata\/fixtures\/images\/debian-buster\.tar\.gz, image ID sha256:c2c03a29[0-9a-f]+, not the image judged: .*oci \(digest sha256:[0-9a-f]{64}, image ID sha256:[0-9a-f]{64}\)/,
    )
  })

  it('matches a report by RepoDigests, as Trivy writes them for an image from a registry', async () => {
    const index = JSON.parse(readFileSync(join(workspace, 'oci/index.json'), 'utf8'))
    const report = JSON.parse(readFileSync(join(workspace, 'alpine-310.json'), 'utf8'))
    report.Metadata.RepoDigests = [`ghcr.io/example-org/app@${index.manifests[0].digest}`]
    writeFileSync(join(workspace, 'by-digest.json'), JSON.stringify(report))
    const run = await runCli(
      ['scan', '--oci', 'oci', '--trivy-report', 'by-digest.json', '--output', 'json'],
      workspace,
    )
    expect([0, 1]).toContain(run.code)
    expect(JSON.parse(run.stdout).cveSource).toBe('trivy-report')
  })
})

describe('running Trivy (recorded report: Trivy cannot be installed on this machine)', () => {
  it('invokes trivy image --input on the layout and judges the report it writes', async () => {
    const calls: { command: string; args: readonly string[] }[] = []
    // Plays Trivy's part at the process boundary: writes the recorded report where --output says.
    const recordedTrivy: CommandRunner = {
      async run(command, args) {
        calls.push({ command, args })
        const output = args[args.indexOf('--output') + 1]!
        writeFileSync(output, readFileSync(join(fixtures, 'alpine-310.json')))
        return { exitCode: 0, stdout: '', stderr: '' }
      },
    }
    const request: ScanRequest = {
      oci: join(workspace, 'oci'),
      reportAt: 'LOW',
      failOn: 'MEDIUM',
      ignoreUnfixed: false,
      ignoreFile: join(workspace, 'none.yaml'),
      ignoreFileExplicit: false,
      skipCve: false,
      tlsVerify: true,
      hardening: { sizeBudgetBytes: 1024 * 1024, requiredLabels: defaultRequiredLabels },
    }
    const result = await scanImage(request, {
      runner: recordedTrivy,
      logger: nullLogger,
      clock: { now: () => Date.now(), sleep: async () => {} },
    })
    expect(calls).toHaveLength(1)
    expect(calls[0]!.command).toBe('trivy')
    expect(calls[0]!.args.slice(0, 5)).toEqual([
      'image',
      '--format',
      'json',
      '--output',
      expect.stringMatching(/trivy\.json$/),
    ])
    expect(calls[0]!.args.slice(-2)).toEqual(['--input', join(workspace, 'oci')])
    expect(result).toMatchObject({ passed: false, failing: 4, cveSource: 'trivy' })
  })

  it('treats a Trivy failure as an error, not a clean scan', async () => {
    const failing: CommandRunner = {
      async run() {
        return {
          exitCode: 1,
          stdout: '',
          stderr: 'FATAL\tunable to initialize the scanner: no such image\n',
        }
      },
    }
    await expect(
      scanImage(
        {
          oci: join(workspace, 'oci'),
          reportAt: 'LOW',
          failOn: 'HIGH',
          ignoreUnfixed: false,
          ignoreFile: join(workspace, 'none.yaml'),
          ignoreFileExplicit: false,
          skipCve: false,
          tlsVerify: true,
          hardening: { sizeBudgetBytes: 1024 * 1024, requiredLabels: defaultRequiredLabels },
        },
        {
          runner: failing,
          logger: nullLogger,
          clock: { now: () => Date.now(), sleep: async () => {} },
        },
      ),
    ).rejects.toThrow(/trivy exited with 1: FATAL\tunable to initialize the scanner/)
  })
})
