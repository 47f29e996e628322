// biome-ignore-all lint/suspicious/noTemplateCurlyInString: GitHub expressions here are literal workflow text
import { spawnSync } from 'node:child_process'
import { cpSync, mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest'
import { freeLoopbackPort } from '../support/free-port'
import { commitFiles, git } from '../support/git-project'
import { type LoopbackRegistry, startLoopbackRegistry } from '../support/loopback-registry'
import { stepFiles } from '../support/step-files'
import { repositoryRoot, workflowFiles } from './workflow-files'
import { runWorkflowStep, workflowStep } from './workflow-step'

const overlay = (image: string, tag: string) =>
  `resources:\n  - deployment.yaml\nimages:\n  - name: ${image}\n    newTag: "${tag}"\n`
const deployment = (image: string) =>
  `apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: payments\nspec:\n  selector:\n    matchLabels: {app: payments}\n  template:\n    metadata:\n      labels: {app: payments}\n    spec:\n      containers:\n        - name: payments\n          image: ${image}\n`

/** A bare GitOps repository with overlays/dev, tagged v1 at the first commit, and its commits. */
function gitopsRepository(dir: string, image = 'ghcr.io/acme/payments') {
  const work = join(dir, 'gitops-work')
  const first = commitFiles(
    work,
    {
      'overlays/dev/kustomization.yaml': overlay(image, '1.0.0'),
      'overlays/dev/deployment.yaml': deployment(image),
    },
    'first',
  )
  git(work, ['tag', 'v1'])
  const second = commitFiles(
    work,
    { 'overlays/dev/kustomization.yaml': overlay(image, '2.0.0') },
    'second',
  )
  const bare = join(dir, 'gitops.git')
  git(dir, ['clone', '--quiet', '--bare', work, bare])
  return { bare, first, second }
}

describe('pr-checks.yml: which overlays are checked, and where', () => {
  let dir: string
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'golden-path-pr-overlays-'))
  })
  afterEach(() => rmSync(dir, { recursive: true, force: true }))

  const choose = (env: Record<string, string>, cwd?: string) =>
    runWorkflowStep('pr-checks.yml', 'manifests', 'choose the overlays to check', {
      dir,
      cwd,
      env: {
        OVERLAYS: '',
        GITOPS_REPOSITORY: '',
        GITOPS_REF: '',
        GITOPS_TOKEN: '',
        SERVER_URL: 'https://github.com',
        ...env,
      },
    })

  it.each([
    ['empty', ''],
    ['blank lines and commas only', ' \n , \n'],
  ])('overlays %s skips the manifest checks with a notice, validating nothing', (_case, value) => {
    const result = choose({ OVERLAYS: value })
    expect(result.status).toBe(0)
    expect(result.stdout).toContain(
      '::notice title=manifest checks skipped::the overlays input is empty: no manifests were validated',
    )
    expect(result.outputs).toEqual({ check: 'false' })
  })

  it('the validate and diff steps run only when the chosen overlays say so', () => {
    expect(
      workflowStep('pr-checks.yml', 'manifests', 'validate the rendered overlays'),
    ).toMatchObject({
      if: "${{ steps.overlays.outputs.check == 'true' }}",
      with: { kustomize: '${{ steps.overlays.outputs.kustomize }}' },
    })
    expect(
      workflowStep('pr-checks.yml', 'manifests', 'rendered-manifest diff against the base branch')
        .if,
    ).toBe("${{ steps.overlays.outputs.diff == 'true' }}")
  })

  it('overlays of this repository are validated and diffed', () => {
    const product = join(dir, 'product')
    cpSync(join(repositoryRoot, 'manifests'), join(product, 'manifests'), { recursive: true })
    const result = choose(
      { OVERLAYS: 'manifests/overlays/dev\n  manifests/overlays/prod/  \n' },
      product,
    )
    expect(result.status).toBe(0)
    expect(result.outputs).toEqual({
      check: 'true',
      diff: 'true',
      kustomize: './manifests/overlays/dev\n./manifests/overlays/prod',
    })
  })

  it('an overlay missing from this repository fails with the inputs that fix it', () => {
    const result = choose({ OVERLAYS: 'manifests/overlays/dev' }, dir)
    expect(result.status).toBe(1)
    expect(result.stdout.trim()).toBe(
      "::error title=overlay not found::manifests/overlays/dev is not a directory in this repository; name the GitOps repository with gitops-repository, list its overlays in overlays, or set overlays: '' to skip the manifest checks",
    )
  })

  it.each([
    ['its default branch', '', '2.0.0'],
    ['a branch', 'main', '2.0.0'],
    ['a tag', 'v1', '1.0.0'],
    ['a commit', 'first', '1.0.0'],
  ])('overlays of gitops-repository are read at %s, and not diffed', (_case, ref, tag) => {
    const { bare, first } = gitopsRepository(dir)
    const result = choose({
      OVERLAYS: 'overlays/dev',
      GITOPS_REPOSITORY: bare,
      GITOPS_REF: ref === 'first' ? first : ref,
    })
    expect(result.status, result.stdout + result.stderr).toBe(0)
    const checkout = join(dir, 'runner-temp/gitops')
    expect(result.outputs).toEqual({
      check: 'true',
      diff: 'false',
      kustomize: `${checkout}/overlays/dev`,
    })
    expect(readFileSync(join(checkout, 'overlays/dev/kustomization.yaml'), 'utf8')).toContain(
      `newTag: "${tag}"`,
    )
  })

  it('a gitops-ref that does not exist fails naming the inputs to check', () => {
    const { bare } = gitopsRepository(dir)
    const result = choose({ OVERLAYS: 'overlays/dev', GITOPS_REPOSITORY: bare, GITOPS_REF: 'nope' })
    expect(result.status).toBe(1)
    expect(result.stdout).toContain(
      `::error::cannot fetch nope of ${bare}; check gitops-repository, gitops-ref and the gitops-token secret`,
    )
  })

  it('an overlay missing from gitops-repository names that repository', () => {
    const { bare } = gitopsRepository(dir)
    const result = choose({ OVERLAYS: 'overlays/prod', GITOPS_REPOSITORY: bare })
    expect(result.status).toBe(1)
    expect(result.stdout).toContain(`overlays/prod is not a directory in ${bare};`)
  })

  it('declares the GitOps inputs and reads gitops-repository with the gitops-token secret', () => {
    const step = workflowStep('pr-checks.yml', 'manifests', 'choose the overlays to check')
    expect(step.env).toMatchObject({
      GITOPS_REPOSITORY: '${{ inputs.gitops-repository }}',
      GITOPS_REF: '${{ inputs.gitops-ref }}',
      GITOPS_TOKEN: '${{ secrets.gitops-token }}',
    })
  })
})

describe('deliver.yml preflight', () => {
  let dir: string
  let registry: LoopbackRegistry
  beforeAll(async () => {
    registry = await startLoopbackRegistry()
  })
  afterAll(async () => {
    await registry?.stop()
  })
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'golden-path-preflight-'))
  })
  afterEach(() => rmSync(dir, { recursive: true, force: true }))

  it('is the first job: nothing is tested, built or pushed before it passes', () => {
    const jobs: Record<string, { needs?: string | string[]; if?: string }> = workflowFiles().find(
      (file) => file.name === 'deliver.yml',
    )!.document.jobs
    expect(jobs.preflight.needs).toBeUndefined()
    expect(jobs.test.needs).toBe('preflight')
    expect(jobs['test-local'].needs).toBe('preflight')
    expect(jobs.image.needs).toContain('preflight')
    expect(jobs.image.if).toContain("needs.preflight.result == 'success'")
  })

  it('in local mode, says exactly what to start when no registry answers', async () => {
    const address = `127.0.0.1:${await freeLoopbackPort()}`
    const result = runWorkflowStep(
      'deliver.yml',
      'preflight',
      'a registry answers on loopback (local mode)',
      { dir, env: { REGISTRY: address } },
    )
    expect(result.status).toBe(1)
    const port = address.split(':')[1]
    expect(result.stdout.trim()).toBe(
      `::error title=no registry::nothing answers at http://${address}/v2/; start one first: REGISTRY_HTTP_ADDR=${address} REGISTRY_STORAGE_FILESYSTEM_ROOTDIRECTORY=$HOME/.cache/golden-path/registry-${port} docker-registry serve /etc/docker/registry/config.yml & (Debian/Ubuntu: apt-get install docker-registry)`,
    )
  })

  it('in local mode, passes when a registry answers', () => {
    const result = runWorkflowStep(
      'deliver.yml',
      'preflight',
      'a registry answers on loopback (local mode)',
      { dir, env: { REGISTRY: registry.host } },
    )
    expect(result.status).toBe(0)
    expect(result.stdout).toContain(`a registry answers at http://${registry.host}/v2/`)
  })

  /** The preflight's bump step, run as the runner runs it: its `with:` as INPUT_* variables. */
  function dryRunBump(values: Record<string, string>) {
    const step = workflowStep('deliver.yml', 'preflight', 'the bump will find its target')
    expect(step.uses).toMatch(/\/golden-path\/actions\/bump-image-tag@/)
    const env: Record<string, string> = {
      PATH: process.env.PATH ?? '',
      HOME: process.env.HOME ?? '',
      GIT_CONFIG_GLOBAL: '/dev/null',
      RUNNER_TEMP: dir,
      GITHUB_OUTPUT: join(dir, 'output'),
      GITHUB_STEP_SUMMARY: join(dir, 'summary.md'),
    }
    stepFiles(dir)
    for (const [name, value] of Object.entries(step.with ?? {})) {
      env[`INPUT_${name.toUpperCase()}`] = String(value).replace(
        /\$\{\{\s*([\w.-]+)\s*\}\}/g,
        (_, expression: string) => {
          if (!(expression in values)) throw new Error(`no value for ${expression}`)
          return values[expression]
        },
      )
    }
    const result = spawnSync(
      process.execPath,
      [join(repositoryRoot, 'actions/bump-image-tag/dist/index.js')],
      { cwd: dir, env, encoding: 'utf8', timeout: 60_000 },
    )
    return { status: result.status, stdout: result.stdout }
  }

  const values = (bare: string, image: string) => ({
    'inputs.registry': image.split('/')[0],
    'inputs.image-name': image.split('/').slice(1).join('/'),
    'steps.gitops.outputs.url': bare,
    'inputs.gitops-branch': 'main',
    'inputs.gitops-path': 'overlays/dev',
    'secrets.gitops-token': '',
  })

  it('finds the overlay entry of the image, and changes nothing in the GitOps repository', () => {
    const { bare, second } = gitopsRepository(dir)
    const result = dryRunBump(values(bare, 'ghcr.io/acme/payments'))
    expect(result.status, result.stdout).toBe(0)
    expect(result.stdout).not.toContain('::error::')
    expect(git(dir, ['--git-dir', bare, 'rev-parse', 'refs/heads/main'])).toBe(second)
  })

  it.each([
    ['an image the overlay does not name', 'ghcr.io/acme/other', 'main', 'not found'],
    ['a GitOps branch that does not exist', 'ghcr.io/acme/payments', 'nope', 'nope'],
  ])('fails on %s, before anything is built', (_case, image, branch, message) => {
    const { bare } = gitopsRepository(dir)
    const result = dryRunBump({ ...values(bare, image), 'inputs.gitops-branch': branch })
    expect(result.status).toBe(1)
    expect(result.stdout).toMatch(new RegExp(`::error::bump-image-tag: .*${message}`))
  })

  it('then says how to fix the target, in the workflow inputs', () => {
    const step = workflowStep('deliver.yml', 'preflight', 'say how to fix the bump target')
    expect(step.if).toBe("${{ failure() && steps.bump.outcome == 'failure' }}")
    const result = runWorkflowStep('deliver.yml', 'preflight', 'say how to fix the bump target', {
      dir,
      env: {
        IMAGE: 'ghcr.io/acme/payments',
        GITOPS_REPOSITORY: 'acme/payments-gitops',
        GITOPS_BRANCH: 'main',
        GITOPS_PATH: 'overlays/dev',
      },
    })
    expect(result.status).toBe(1)
    expect(result.stdout.trim()).toBe(
      '::error title=preflight::the bump cannot land: overlays/dev on branch main of acme/payments-gitops must exist and hold a kustomize images: entry named ghcr.io/acme/payments (or a manifest using it); fix gitops-repository, gitops-branch, gitops-path or image-name/registry, or add the entry. Nothing was built or pushed.',
    )
  })
})
