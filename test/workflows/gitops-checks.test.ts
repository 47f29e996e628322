// biome-ignore-all lint/suspicious/noTemplateCurlyInString: GitHub expressions here are literal workflow text
import { spawnSync } from 'node:child_process'
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { deliveryRecord, digests, GitOpsFixture, image } from '../gitops-review/gitops-fixture'
import { git } from '../support/git-project'
import { stepFiles } from '../support/step-files'
import { repositoryRoot } from './workflow-files'
import { parseStepOutputs, runWorkflowStep, workflowStep } from './workflow-step'

const file = 'gitops-checks.yml'

/**
 * Runs one of golden-path's action steps of gitops-checks.yml the way the runner does:
 * its `with:` values (expressions replaced from `values`) as INPUT_* variables, the
 * action's committed dist as the program, the checkout as the working directory.
 */
function runActionStep(step: string, values: Record<string, string>, cwd: string, dir: string) {
  const found = workflowStep(file, 'review', step)
  const action = /\/golden-path\/actions\/([\w-]+)@/.exec(found.uses ?? '')?.[1]
  if (!action) throw new Error(`${step} is not a golden-path action`)
  const { output, summary } = stepFiles(dir)
  const env: Record<string, string> = {
    PATH: process.env.PATH ?? '',
    HOME: process.env.HOME ?? '',
    GITHUB_WORKSPACE: cwd,
    GITHUB_OUTPUT: output,
    GITHUB_STEP_SUMMARY: summary,
    RUNNER_TEMP: dir,
  }
  for (const [name, value] of Object.entries(found.with ?? {})) {
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
    [join(repositoryRoot, `actions/${action}/dist/index.js`)],
    { cwd, env, encoding: 'utf8', timeout: 120_000 },
  )
  return {
    status: result.status,
    stdout: result.stdout,
    outputs: parseStepOutputs(readFileSync(output, 'utf8')),
    summary: readFileSync(summary, 'utf8'),
  }
}

describe('gitops-checks.yml on a GitOps pull request (real git, kubectl, the actions’ dist)', () => {
  let repo: GitOpsFixture
  let origin: string
  let checkout: string
  let stepDir: string

  beforeEach(() => {
    repo = new GitOpsFixture()
    origin = join(repo.root, 'origin.git')
    checkout = join(repo.root, 'checkout')
    stepDir = join(repo.root, 'step')
    spawnSync('mkdir', ['-p', stepDir])
  })
  afterEach(() => repo.remove())

  /** The pull request: stage moves to the digest that dev has verified; pushed to a bare origin. */
  function pullRequest({ records }: { records: boolean }) {
    if (records) {
      repo.note(
        repo.base,
        JSON.stringify(
          deliveryRecord({
            environment: 'dev',
            digest: digests.next,
            outcome: 'healthy',
            commit: repo.base,
          }),
        ),
      )
    }
    repo.pin('stage', digests.next)
    const head = repo.commit('deploy(stage): payments')
    git(repo.root, ['clone', '--quiet', '--bare', repo.dir, origin])
    if (records)
      git(repo.dir, ['push', '--quiet', origin, 'refs/notes/golden-path:refs/notes/golden-path'])
    // What actions/checkout leaves: a clone of origin, no notes fetched.
    git(repo.root, ['clone', '--quiet', origin, checkout])
    return head
  }

  const fetchRecords = () =>
    runWorkflowStep(file, 'review', 'fetch the delivery records', {
      dir: stepDir,
      cwd: checkout,
      env: { NOTES_REF: 'refs/notes/golden-path', GITHUB_TOKEN: 'a-token' },
    })

  it('fetches the delivery records that actions/checkout leaves behind', () => {
    pullRequest({ records: true })
    const result = fetchRecords()
    expect(result.status).toBe(0)
    expect(result.stdout).toContain('delivery records: 1 note(s) under refs/notes/golden-path')
    expect(result.stdout).not.toContain('a-token')
  })

  it('goes on with a notice when the repository has no records', () => {
    pullRequest({ records: false })
    const result = fetchRecords()
    expect(result.status).toBe(0)
    expect(result.stdout).toContain(
      '::notice title=no delivery records::refs/notes/golden-path is not in this repository',
    )
  })

  it('renders base and head, then validates only the touched overlay with SARIF and annotations', () => {
    pullRequest({ records: true })
    expect(fetchRecords().status).toBe(0)
    const values = {
      'github.event.pull_request.base.sha': repo.base,
      'inputs.overlays': '',
      'inputs.environments': 'dev,stage,prod',
      'inputs.notes-ref': 'refs/notes/golden-path',
    }
    const review = runActionStep('render base and head', values, checkout, stepDir)
    expect(review.status, review.stdout).toBe(0)
    expect(review.outputs.overlays).toBe('overlays/stage')
    expect(review.outputs.touched).toBe('1')
    expect(JSON.parse(review.outputs['image-changes'])).toEqual([
      expect.objectContaining({
        overlay: 'overlays/stage',
        environment: 'stage',
        repository: image,
        newDigest: digests.next,
        previousEnvironment: expect.objectContaining({ status: 'verified', environment: 'dev' }),
      }),
    ])
    expect(review.summary).toContain('## GitOps change: 1 of 3 overlay(s) touched')
    expect(review.summary).toContain('✅ delivered to dev and verified healthy')

    const validate = runActionStep(
      'validate the touched overlays',
      {
        'steps.review.outputs.overlays': review.outputs.overlays,
        'inputs.kubernetes-version': '1.35',
        'inputs.policy': 'golden-path',
        'runner.temp': stepDir,
      },
      checkout,
      stepDir,
    )
    // The fixture's Deployment sets no resources or security context: the policy pack fails it.
    expect(validate.status).toBe(1)
    // Annotations land on the source line; only the touched overlay (namespace payments-stage) is checked.
    expect(validate.stdout).toMatch(
      /::error title=[\w-]+ \(Deployment\/payments-stage\/payments\),file=base\/deployment\.yaml,line=\d+/,
    )
    expect(validate.stdout).not.toMatch(/payments-(dev|prod)/)
    const sarif = JSON.parse(readFileSync(validate.outputs['sarif-file'], 'utf8'))
    expect(sarif.version).toBe('2.1.0')
    expect(sarif.runs[0].results.length).toBeGreaterThan(0)
  }, 180_000)

  it('uploads SARIF only when asked, and only when validation wrote it', () => {
    const upload = workflowStep(file, 'review', 'upload the findings to code scanning')
    expect(upload.if).toBe(
      "${{ always() && inputs.upload-sarif && steps.validate.outputs.sarif-file != '' }}",
    )
    expect(upload.with).toEqual({
      sarif_file: '${{ steps.validate.outputs.sarif-file }}',
      category: 'golden-path-gitops-checks',
    })
    expect(workflowStep(file, 'review', 'validate the touched overlays').if).toBe(
      "${{ steps.review.outputs.overlays != '' }}",
    )
  })
})
