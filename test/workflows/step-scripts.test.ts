import { spawnSync } from 'node:child_process'
import { cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { stepFiles } from '../support/step-files'
import { repositoryRoot, workflowFiles } from './workflow-files'

const workflow = (name: string) => workflowFiles().find((file) => file.name === name)!.document

/** The `run:` script of a named step, run by bash the way a runner does, with the runner's files. */
function runStep(
  job: string,
  step: string,
  env: Record<string, string>,
  dir: string,
  { file = 'deliver.yml', cwd }: { file?: string; cwd?: string } = {},
) {
  const found = workflow(file).jobs[job].steps.find(
    (candidate: { name?: string }) => candidate.name === step,
  )
  if (!found?.run) throw new Error(`no run step '${step}' in job '${job}'`)
  mkdirSync(join(dir, 'runner-temp'), { recursive: true })
  const { output, summary } = stepFiles(dir)
  const result = spawnSync(
    '/bin/bash',
    ['--noprofile', '--norc', '-eo', 'pipefail', '-c', found.run],
    {
      cwd,
      encoding: 'utf8',
      env: {
        PATH: process.env.PATH,
        RUNNER_TEMP: join(dir, 'runner-temp'),
        GITHUB_OUTPUT: output,
        GITHUB_STEP_SUMMARY: summary,
        ...env,
      },
    },
  )
  return {
    status: result.status,
    stdout: result.stdout,
    output: readFileSync(output, 'utf8'),
    summary: readFileSync(summary, 'utf8'),
  }
}

describe('deliver.yml step scripts', () => {
  let dir: string
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'golden-path-steps-'))
  })
  afterEach(() => rmSync(dir, { recursive: true, force: true }))

  it.each([
    [
      'local mode without a server: a notice and a summary line',
      { LOCAL: 'true', MODE: 'commit', PR_URL: '' },
      0,
      '::notice title=verify skipped::local mode without argocd-server: nothing checked that Argo CD applied the new commit',
      'Argo CD verification skipped (local mode, no argocd-server given)',
    ],
    [
      'pr mode: verification waits for the merge',
      { LOCAL: 'false', MODE: 'pr', PR_URL: 'https://github.com/o/r/pull/7' },
      0,
      '::notice title=verify skipped::the bump was opened as pull request https://github.com/o/r/pull/7',
      'Argo CD verification waits for pull request https://github.com/o/r/pull/7',
    ],
    [
      'a hosted run without a server: an error',
      { LOCAL: 'false', MODE: 'commit', PR_URL: '' },
      1,
      '::error::argocd-server is required outside local mode',
      '',
    ],
  ])('verify (skipped) says why: %s', (_case, env, status, stdout, summary) => {
    const result = runStep('verify-skipped', 'say why nothing was verified', env, dir)
    expect(result.status).toBe(status)
    expect(result.stdout).toContain(stdout)
    expect(result.summary).toContain(summary)
  })

  it('hands push-image the bare tags of the references build-image reports', () => {
    const result = runStep(
      'image',
      'tags to push',
      {
        REFERENCES:
          '127.0.0.1:5050/example-org/app:main\nghcr.io/example-org/app:sha-1a2b3c4\nghcr.io/example-org/app:1.2.3',
      },
      dir,
    )
    expect(result.status).toBe(0)
    expect(result.output).toBe(
      'tags<<golden-path-tags\nmain\nsha-1a2b3c4\n1.2.3\ngolden-path-tags\n',
    )
  })

  it.each([
    [
      'every job passed or was skipped',
      { test: 'skipped', 'test-local': 'success', verify: 'skipped' },
      0,
    ],
    ['a job failed', { test: 'skipped', 'test-local': 'success', image: 'failure' }, 1],
    ['a job was cancelled', { 'test-local': 'success', bump: 'cancelled' }, 1],
  ])(
    'the summary fails the delivery only when a job failed or was cancelled: %s',
    (_case, results, status) => {
      const needs = Object.fromEntries(
        Object.entries(results).map(([job, result]) => [job, { result, outputs: {} }]),
      )
      const result = runStep(
        'summary',
        'delivery summary',
        {
          ENVIRONMENT: 'dev',
          RESULTS: JSON.stringify(needs),
          IMAGE_REF: '',
          GITOPS_COMMIT: '',
          PR_URL: '',
          SYNCED: '',
        },
        dir,
      )
      expect(result.status).toBe(status)
      expect(result.summary).toContain('## golden-path delivery to dev')
      for (const [job, outcome] of Object.entries(results))
        expect(result.summary).toContain(`| ${job} | ${outcome} |`)
    },
  )

  it.each([
    ['a hosted runner fails', 'false', 1, '::error::Trivy is not installed', ''],
    [
      'local mode runs the hardening checks only, and says so',
      'true',
      0,
      '::notice title=CVE scan skipped::Trivy is not installed on this machine',
      'skip-cve=true\n',
    ],
  ])('without Trivy on PATH, %s', (_case, local, status, stdout, output) => {
    // An empty directory as PATH: no trivy, whatever this machine has installed.
    const result = runStep('image', 'find the CVE scanner', { LOCAL: local, PATH: dir }, dir)
    expect(result.status).toBe(status)
    expect(result.stdout).toContain(stdout)
    expect(result.output).toBe(output)
  })
})

describe('pr-checks.yml rendered-manifest diff', () => {
  let dir: string
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'golden-path-pr-diff-'))
  })
  afterEach(() => rmSync(dir, { recursive: true, force: true }))

  function git(cwd: string, ...args: string[]): string {
    const result = spawnSync('git', ['-c', 'user.name=t', '-c', 'user.email=t@t', ...args], {
      cwd,
      encoding: 'utf8',
    })
    if (result.status !== 0) throw new Error(result.stderr)
    return result.stdout.trim()
  }

  it('shows per overlay the diff of the rendered manifests against the base commit', () => {
    const repo = join(dir, 'product')
    cpSync(join(repositoryRoot, 'manifests'), join(repo, 'manifests'), { recursive: true })
    git(repo, 'init', '--quiet')
    git(repo, 'add', '.')
    git(repo, 'commit', '--quiet', '-m', 'base')
    const base = git(repo, 'rev-parse', 'HEAD')
    const overlay = join(repo, 'manifests/overlays/dev/kustomization.yaml')
    writeFileSync(
      overlay,
      readFileSync(overlay, 'utf8').replace('newTag: "0.1.0"', 'newTag: "0.2.0"'),
    )
    git(repo, 'commit', '--quiet', '-am', 'head')
    const result = runStep(
      'manifests',
      'rendered-manifest diff against the base branch',
      { OVERLAYS: 'manifests/overlays/dev\nmanifests/overlays/prod\n', BASE_SHA: base },
      dir,
      { file: 'pr-checks.yml', cwd: repo },
    )
    expect(result.status).toBe(0)
    const [, dev, prod] = result.summary.split('### ')
    expect(dev).toContain('`manifests/overlays/dev`')
    expect(dev).toContain('-        image: ghcr.io/example-org/golden-path-reference-service:0.1.0')
    expect(dev).toContain('+        image: ghcr.io/example-org/golden-path-reference-service:0.2.0')
    expect(prod).toContain('`manifests/overlays/prod`\nNo change.')
    // The base worktree is removed again.
    expect(git(repo, 'worktree', 'list').split('\n')).toHaveLength(1)
  })

  it('says there is nothing to diff outside a pull request', () => {
    const result = runStep(
      'manifests',
      'rendered-manifest diff against the base branch',
      { OVERLAYS: 'manifests/overlays/dev', BASE_SHA: '' },
      dir,
      { file: 'pr-checks.yml', cwd: dir },
    )
    expect(result.status).toBe(0)
    expect(result.stdout).toContain('::notice::not a pull request: no base branch to diff against')
  })
})

describe('promote.yml digest of the source environment', () => {
  let dir: string
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'golden-path-promote-'))
  })
  afterEach(() => rmSync(dir, { recursive: true, force: true }))

  const image = 'ghcr.io/example-org/golden-path-reference-service'
  const digest = `sha256:${'4e'.repeat(32)}`

  /** A bare GitOps repository whose dev overlay pins `pin`; returns its path and tip. */
  function gitopsRepository(pin: (text: string) => string) {
    const work = join(dir, 'work')
    cpSync(join(repositoryRoot, 'manifests'), join(work, 'manifests'), { recursive: true })
    const overlay = join(work, 'manifests/overlays/dev/kustomization.yaml')
    writeFileSync(overlay, pin(readFileSync(overlay, 'utf8')))
    const run = (cwd: string, ...args: string[]) => {
      const result = spawnSync('git', ['-c', 'user.name=t', '-c', 'user.email=t@t', ...args], {
        cwd,
        encoding: 'utf8',
      })
      if (result.status !== 0) throw new Error(result.stderr)
      return result.stdout.trim()
    }
    run(work, 'init', '--quiet')
    run(work, 'add', '.')
    run(work, 'commit', '--quiet', '-m', 'seed')
    const bare = join(dir, 'gitops.git')
    run(dir, 'clone', '--quiet', '--bare', work, bare)
    return { bare, revision: run(work, 'rev-parse', 'HEAD') }
  }

  function readDigest(bare: string, revision: string) {
    return runStep(
      'source',
      'digest at the verified revision',
      {
        GITOPS_REPOSITORY: bare,
        GITOPS_TOKEN: '',
        REVISION: revision,
        FROM_PATH: 'manifests/overlays/dev',
        IMAGE: image,
        SERVER_URL: 'https://github.com',
      },
      dir,
      { file: 'promote.yml', cwd: dir },
    )
  }

  it('reads the digest the source overlay pins at the verified revision', () => {
    const { bare, revision } = gitopsRepository((text) =>
      text.replace('newTag: "0.1.0"', `digest: ${digest}`),
    )
    const result = readDigest(bare, revision)
    expect(result.stdout).toContain(`promoting ${image}@${digest}, verified at ${revision}`)
    expect(result.status).toBe(0)
    expect(result.output).toBe(`digest=${digest}\n`)
  })

  it('refuses to promote a tag: only a digest is the exact verified image', () => {
    const { bare, revision } = gitopsRepository((text) => text)
    const result = readDigest(bare, revision)
    expect(result.status).toBe(1)
    expect(result.stdout).toContain(
      `::error::expected one digest of ${image} in manifests/overlays/dev at ${revision}, found 0; promote only digest-pinned images`,
    )
    expect(result.output).toBe('')
  })
})

describe("deliver.yml record job: the delivery's outcome", () => {
  let dir: string
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'golden-path-record-facts-'))
    spawnSync('git', ['init', '--quiet', dir])
    spawnSync('git', ['-C', dir, 'commit', '--quiet', '--allow-empty', '-m', 'service change'], {
      env: {
        ...process.env,
        GIT_AUTHOR_NAME: 'a',
        GIT_AUTHOR_EMAIL: 'a@example.com',
        GIT_COMMITTER_NAME: 'a',
        GIT_COMMITTER_EMAIL: 'a@example.com',
      },
    })
  })
  afterEach(() => rmSync(dir, { recursive: true, force: true }))

  it.each([
    ['verify passed, no bake', 'success', 'skipped', 'healthy', undefined],
    ['verify passed, bake passed', 'success', 'success', 'healthy', undefined],
    ['verify passed, bake failed', 'success', 'failure', 'failed', 'slo-bake'],
    ['verify failed', 'failure', 'skipped', 'failed', 'verify'],
  ])('%s: %s/%s → %s', (_, verify, bake, outcome, step) => {
    const result = runStep(
      'record',
      "the delivery's facts",
      {
        GITOPS_REPOSITORY: 'acme/payments-gitops',
        SERVER_URL: 'https://github.com',
        VERIFY_RESULT: verify,
        BAKE_RESULT: bake,
      },
      dir,
      { cwd: dir },
    )
    expect(result.status).toBe(0)
    expect(result.output).toContain(`outcome=${outcome}\n`)
    if (step) expect(result.output).toContain(`failure-step=${step}\n`)
    else expect(result.output).not.toContain('failure-step=')
  })

  it('rolls back a failed bake as it rolls back a failed verify', () => {
    const rollback = workflow('deliver.yml').jobs.rollback
    expect(rollback.needs).toContain('slo-bake')
    expect(rollback.if).toContain("needs.slo-bake.result == 'failure'")
    expect(rollback.if).toContain("needs.verify.result == 'failure'")
  })
})
