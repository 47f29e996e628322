// biome-ignore-all lint/suspicious/noTemplateCurlyInString: GitHub expressions here are literal workflow text
import { spawnSync } from 'node:child_process'
import { createHash } from 'node:crypto'
import {
  chmodSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { parse } from 'yaml'
import { stepFiles } from '../support/step-files'
import { repositoryRoot, workflowFiles } from './workflow-files'

// biome-ignore lint/suspicious/noExplicitAny: parsed workflow YAML
const workflow = (name: string): any => workflowFiles().find((file) => file.name === name)!.document
// biome-ignore lint/suspicious/noExplicitAny: parsed action YAML
const action = (name: string): any =>
  parse(readFileSync(join(repositoryRoot, 'actions', name, 'action.yml'), 'utf8'))

/** Runs a `run:` script the way the runner does (bash -eo pipefail) with the runner's files. */
function runScript(script: string, env: Record<string, string>, dir: string) {
  const { output } = stepFiles(dir)
  const githubEnv = join(dir, 'env')
  const githubPath = join(dir, 'path')
  writeFileSync(githubEnv, '')
  writeFileSync(githubPath, '')
  mkdirSync(join(dir, 'runner-temp'), { recursive: true })
  const result = spawnSync(
    '/bin/bash',
    ['--noprofile', '--norc', '-eo', 'pipefail', '-c', script],
    {
      encoding: 'utf8',
      env: {
        PATH: process.env.PATH,
        HOME: dir,
        RUNNER_TEMP: join(dir, 'runner-temp'),
        GITHUB_OUTPUT: output,
        GITHUB_ENV: githubEnv,
        GITHUB_PATH: githubPath,
        ...env,
      },
    },
  )
  return {
    status: result.status,
    stdout: result.stdout,
    stderr: result.stderr,
    output: readFileSync(output, 'utf8'),
    env: readFileSync(githubEnv, 'utf8'),
    path: readFileSync(githubPath, 'utf8'),
  }
}

describe('registry, platform, secret, cache and SARIF inputs of the reusable workflows', () => {
  it.each([
    [
      'deliver.yml',
      [
        'registry-login',
        'registry-username',
        'aws-role-arn',
        'aws-region',
        'gcp-workload-identity-provider',
        'gcp-service-account',
        'azure-client-id',
        'azure-tenant-id',
        'azure-subscription-id',
        'additional-images',
        'platforms',
        'build-args',
        'cache',
        'upload-sarif',
        'trivy-version',
        'trivy-sha256',
        'trivy-db-repository',
      ],
    ],
    [
      'pr-checks.yml',
      [
        'platforms',
        'build-args',
        'cache',
        'upload-sarif',
        'trivy-version',
        'trivy-sha256',
        'trivy-db-repository',
      ],
    ],
  ])('%s declares the inputs and the build-secrets secret', (file, inputs) => {
    const call = workflow(file).on.workflow_call
    expect(Object.keys(call.inputs)).toEqual(expect.arrayContaining(inputs))
    expect(Object.keys(call.secrets)).toContain('build-secrets')
    expect(call.inputs['registry-login']?.default ?? 'github').toBe('github')
    expect(call.inputs['upload-sarif'].default).toBe('auto')
  })

  it.each(['deliver.yml', 'pr-checks.yml'])(
    '%s passes platforms, build-args, build-secrets and cache to the build, and the SARIF on',
    (file) => {
      const image = workflow(file).jobs.image
      const build = image.steps.find((step: { id?: string }) => step.id === 'build')
      expect(build.with).toMatchObject({
        platform: '${{ inputs.platforms }}',
        'build-args': '${{ inputs.build-args }}',
        'build-secrets': '${{ secrets.build-secrets }}',
        'cache-from': '${{ steps.cache.outputs.from }}',
      })
      const trivy = image.steps.find((step: { uses?: string }) =>
        step.uses?.includes('/actions/setup-trivy@'),
      )
      expect(trivy.with).toEqual({
        version: '${{ inputs.trivy-version }}',
        sha256: '${{ inputs.trivy-sha256 }}',
        'db-repository': '${{ inputs.trivy-db-repository }}',
      })
      // No unpinned apt install of Trivy remains.
      expect(JSON.stringify(workflow(file))).not.toContain('apt-get install -y -qq "trivy')
    },
  )

  it.each([
    // image logs in to the cloud registries; attest signs keyless.
    ['deliver.yml', ['attest', 'image']],
    ['pr-checks.yml', []],
  ])('%s grants id-token: write only to the jobs that log in or sign (%s)', (file, only) => {
    const jobs = workflow(file).jobs as Record<string, { permissions?: Record<string, string> }>
    const withIdToken = Object.entries(jobs)
      .filter(([, job]) => job.permissions?.['id-token'] === 'write')
      .map(([name]) => name)
    expect(withIdToken.sort()).toEqual(only)
    expect(workflow(file).permissions?.['id-token']).toBeUndefined()
  })

  it.each(['deliver.yml', 'pr-checks.yml'])(
    '%s grants security-events: write only to upload-sarif, one category per tool',
    (file) => {
      const jobs = workflow(file).jobs as Record<
        string,
        {
          permissions?: Record<string, string>
          steps?: { uses?: string; with?: Record<string, string> }[]
        }
      >
      const writers = Object.entries(jobs)
        .filter(([, job]) => job.permissions?.['security-events'] === 'write')
        .map(([name]) => name)
      expect(writers).toEqual(['upload-sarif'])
      const uploads = jobs['upload-sarif']!.steps!.filter((step) =>
        step.uses?.startsWith('github/codeql-action/upload-sarif@'),
      )
      expect(uploads.map((step) => step.with?.category)).toEqual([
        'golden-path-scan',
        'golden-path-validate',
      ])
      expect(String((jobs['upload-sarif'] as { if?: string }).if)).toContain(
        "github.event.repository.visibility == 'public'",
      )
    },
  )

  it('deliver.yml hands additional-images to the push and no password to cloud logins', () => {
    const push = workflow('deliver.yml').jobs.image.steps.find(
      (step: { id?: string }) => step.id === 'push',
    )
    expect(push.with['additional-images']).toBe('${{ inputs.additional-images }}')
    expect(push.with.password).toContain("inputs.registry-login == 'github'")
    expect(push.with.password).toContain("inputs.registry-login == 'password'")
    const login = workflow('deliver.yml').jobs.image.steps.find((step: { uses?: string }) =>
      step.uses?.includes('/actions/registry-login@'),
    )
    expect(login.if).toBe('${{ !inputs.local }}')
    expect(login.with.method).toBe('${{ inputs.registry-login }}')
  })

  it.each(['registry-login', 'setup-trivy', 'sarif-artifact'])(
    'the composite action %s pins every vendor action to a full commit SHA with its version',
    (name) => {
      const text = readFileSync(join(repositoryRoot, 'actions', name, 'action.yml'), 'utf8')
      const uses = [...text.matchAll(/uses:\s*(\S+)(.*)/g)]
      expect(uses.length).toBeGreaterThan(0)
      for (const [, reference, rest] of uses) {
        expect(reference).toMatch(/^[\w.-]+\/[\w./-]+@[0-9a-f]{40}$/)
        expect(rest).toMatch(/#\s*v\d+\.\d+\.\d+/)
      }
    },
  )

  it('registry-login uses the vendors’ official actions for aws, gcp and azure', () => {
    const steps = action('registry-login').runs.steps as { if?: string; uses?: string }[]
    const by = (method: string) =>
      steps
        .filter((step) => step.uses && step.if?.includes(`'${method}'`))
        .map((step) => step.uses!.split('@')[0])
    expect(by('aws')).toEqual([
      'aws-actions/configure-aws-credentials',
      'aws-actions/amazon-ecr-login',
    ])
    expect(by('gcp')).toEqual(['google-github-actions/auth'])
    expect(by('azure')).toEqual(['azure/login'])
  })
})

describe('step scripts of the registry wiring', () => {
  let dir: string
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'golden-path-wiring-'))
  })
  afterEach(() => rmSync(dir, { recursive: true, force: true }))

  const loginCheck = () =>
    (action('registry-login').runs.steps as { name: string; run?: string }[]).find(
      (step) => step.name === 'check the login inputs',
    )!.run!

  it.each([
    [{ METHOD: 'github' }, 0, ''],
    [
      { METHOD: 'aws', AWS_REGION_INPUT: 'eu-west-1' },
      2,
      '::error title=registry-login::registry-login aws needs aws-role-arn',
    ],
    [
      {
        METHOD: 'gcp',
        GCP_PROVIDER: 'projects/1/locations/global/workloadIdentityPools/p/providers/r',
      },
      2,
      'registry-login gcp needs gcp-service-account',
    ],
    [
      { METHOD: 'azure', AZURE_CLIENT_ID_INPUT: 'c', AZURE_TENANT_ID_INPUT: 't' },
      2,
      'needs azure-subscription-id',
    ],
    [{ METHOD: 'ecr' }, 2, "registry-login 'ecr' is not one of github, password, aws, gcp, azure"],
  ])('registry-login checks its inputs: %j', (env, status, message) => {
    const result = runScript(loginCheck(), { REGISTRY: 'r.example', ...env }, dir)
    expect(result.status).toBe(status)
    expect(result.stdout).toContain(message)
  })

  it.each([
    ['', '', ''],
    ['gha', 'type=gha,scope=golden-path', 'type=gha,scope=golden-path,mode=max'],
    [
      'ghcr.io/example-org/app-cache',
      'type=registry,ref=ghcr.io/example-org/app-cache',
      'type=registry,ref=ghcr.io/example-org/app-cache,mode=max',
    ],
  ])('the cache input %j becomes buildx cache settings', (cache, from, to) => {
    const step = workflow('deliver.yml').jobs.image.steps.find(
      (candidate: { id?: string }) => candidate.id === 'cache',
    )
    const result = runScript(step.run, { CACHE: cache }, dir)
    expect(result.status).toBe(0)
    expect(result.output).toBe(`from=${from}\nto=${to}\n`)
  })

  /** A fake curl on PATH that serves a given file for the release URL, as GitHub would. */
  function fakeCurl(served: string): string {
    const bin = join(dir, 'bin')
    mkdirSync(bin, { recursive: true })
    writeFileSync(
      join(bin, 'curl'),
      `#!/bin/sh
out=""
while [ $# -gt 0 ]; do case "$1" in -o) out="$2"; shift 2 ;; *) url="$1"; shift ;; esac; done
echo "$url" > "${dir}/requested-url"
cp "${served}" "$out"
`,
    )
    chmodSync(join(bin, 'curl'), 0o755)
    return `${bin}:${process.env.PATH}`
  }

  function trivyArchive(): { path: string; sha256: string } {
    const staging = join(dir, 'staging')
    mkdirSync(staging)
    writeFileSync(join(staging, 'trivy'), '#!/bin/sh\necho "Version: 0.69.3"\n', { mode: 0o755 })
    const path = join(dir, 'trivy.tar.gz')
    spawnSync('tar', ['-czf', path, '-C', staging, 'trivy'])
    return { path, sha256: createHash('sha256').update(readFileSync(path)).digest('hex') }
  }

  const installScript = () =>
    (action('setup-trivy').runs.steps as { id?: string; run?: string }[]).find(
      (step) => step.id === 'install',
    )!.run!

  it('setup-trivy installs the pinned release after checking its SHA-256, and points at a DB mirror', () => {
    const archive = trivyArchive()
    const result = runScript(
      installScript(),
      {
        PATH: fakeCurl(archive.path),
        TRIVY_VERSION: '0.69.3',
        TRIVY_SHA256: archive.sha256,
        DB_REPOSITORY: 'registry.example.org/mirror/trivy-db:2',
      },
      dir,
    )
    expect(result.status, result.stderr).toBe(0)
    expect(readFileSync(join(dir, 'requested-url'), 'utf8').trim()).toBe(
      'https://github.com/aquasecurity/trivy/releases/download/v0.69.3/trivy_0.69.3_Linux-64bit.tar.gz',
    )
    expect(existsSync(join(dir, 'runner-temp/trivy-bin/trivy'))).toBe(true)
    expect(result.path.trim()).toBe(join(dir, 'runner-temp/trivy-bin'))
    expect(result.env).toContain('TRIVY_DB_REPOSITORY=registry.example.org/mirror/trivy-db:2')
    expect(result.output).toMatch(/^day=\d{4}-\d{2}-\d{2}$/m)
  })

  it('setup-trivy refuses an archive whose SHA-256 differs, before extracting anything', () => {
    const archive = trivyArchive()
    const result = runScript(
      installScript(),
      {
        PATH: fakeCurl(archive.path),
        TRIVY_VERSION: '0.69.3',
        TRIVY_SHA256: '0'.repeat(64),
        DB_REPOSITORY: '',
      },
      dir,
    )
    expect(result.status).not.toBe(0)
    expect(result.stdout + result.stderr).toMatch(/FAILED/)
    expect(existsSync(join(dir, 'runner-temp/trivy-bin/trivy'))).toBe(false)
    expect(result.path).toBe('')
  })
})
