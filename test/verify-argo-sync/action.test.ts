import { spawn } from 'node:child_process'
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import Ajv from 'ajv'
import { load } from 'js-yaml'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { verifyDefaults } from '../../actions/lib/argocd/verify-settings'
import { readInputs, readSettings } from '../../actions/verify-argo-sync/src/inputs'
import { newImage, newRevision } from '../support/argocd-fixtures'
import { degradedFrames, rolloutFrames, type Scenario, scenario } from '../support/argocd-scenarios'
import { ArgoCdSimulator } from '../support/argocd-simulator'
import { bundleNode } from '../support/node-runtime'
import { readOutputs, stepFiles } from '../support/step-files'

const root = new URL('../..', import.meta.url).pathname
const actionDir = join(root, 'actions/verify-argo-sync')
const token = 'eyJhbGciOiJIUzI1NiJ9.ci-deployer-token'

interface ActionYaml {
  inputs: Record<string, { default?: string; required?: boolean }>
  outputs: Record<string, unknown>
  runs: { using: string; main: string }
}
const actionYaml = load(readFileSync(join(actionDir, 'action.yml'), 'utf8')) as ActionYaml

function withInputs(inputs: Record<string, string>): void {
  for (const key of Object.keys(process.env)) if (key.startsWith('INPUT_')) delete process.env[key]
  // The runner passes every declared input, with its default when the workflow gives none.
  for (const [name, spec] of Object.entries(actionYaml.inputs)) {
    process.env[`INPUT_${name.toUpperCase()}`] = spec.default ?? ''
  }
  for (const [name, value] of Object.entries(inputs))
    process.env[`INPUT_${name.toUpperCase()}`] = value
}

describe('verify-argo-sync action.yml', () => {
  it('is valid action metadata for node24 and declares the contract outputs', () => {
    const schema = JSON.parse(
      readFileSync(join(root, 'data/schemastore/github-action.json'), 'utf8'),
    )
    const ajv = new Ajv({ strict: false, allErrors: true })
    const validate = ajv.compile(schema)
    expect(validate(actionYaml), JSON.stringify(validate.errors)).toBe(true)
    expect(actionYaml.runs).toEqual({ using: 'node24', main: 'dist/index.js' })
    expect(Object.keys(actionYaml.outputs)).toEqual([
      'verified',
      'synced-revision',
      'health',
      'sync-status',
      'duration-seconds',
      'result',
    ])
  })

  it('declares exactly the inputs the code reads, with the code defaults', () => {
    withInputs({})
    expect(Object.keys(actionYaml.inputs).sort()).toEqual(Object.keys(readInputs()).sort())
    const defaults = Object.fromEntries(
      Object.entries(actionYaml.inputs).map(([name, spec]) => [name, spec.default]),
    )
    expect(defaults).toMatchObject({
      sync: 'false',
      insecure: 'false',
      timeout: String(verifyDefaults.timeoutSeconds),
      watch: verifyDefaults.watch,
      'poll-interval': String(verifyDefaults.pollIntervalSeconds),
      'request-timeout': String(verifyDefaults.requestTimeoutSeconds),
      'degraded-grace': String(verifyDefaults.degradedGraceSeconds),
    })
  })
})

describe('verify-argo-sync inputs', () => {
  const saved = { ...process.env }
  afterEach(() => {
    process.env = { ...saved }
  })
  const required = { server: 'argocd.example.com', app: 'web', revision: newRevision, token }

  it('parses a full set of inputs into settings', () => {
    withInputs({
      ...required,
      'app-namespace': 'team-a',
      project: 'payments',
      refresh: 'hard',
      sync: 'true',
      images: `${newImage}\nghcr.io/example-org/sidecar:1.0, ghcr.io/example-org/other:2`,
      timeout: '600',
      watch: 'sse',
    })
    expect(readSettings(process.env)).toMatchObject({
      server: 'https://argocd.example.com',
      app: 'web',
      revision: { value: newRevision, abbreviated: false },
      token,
      appNamespace: 'team-a',
      project: 'payments',
      refresh: 'hard',
      sync: true,
      images: [newImage, 'ghcr.io/example-org/sidecar:1.0', 'ghcr.io/example-org/other:2'],
      timeoutSeconds: 600,
      watch: 'sse',
      insecure: false,
    })
  })

  it('reads an empty revision as the revision Argo CD targets now', () => {
    withInputs({ ...required, revision: '' })
    expect(readSettings(process.env).revision).toBeUndefined()
  })

  it('takes the token from ARGOCD_AUTH_TOKEN when the input is empty', () => {
    withInputs({ ...required, token: '' })
    expect(readSettings({ ...process.env, ARGOCD_AUTH_TOKEN: 'from-env-token' }).token).toBe(
      'from-env-token',
    )
  })

  it.each([
    [{ server: '' }, "missing input 'server': the Argo CD server URL"],
    [{ revision: 'v1.2.3' }, "invalid input 'revision' 'v1.2.3': expected a commit SHA"],
    [{ token: '' }, "missing input 'token': pass the Argo CD API token or set ARGOCD_AUTH_TOKEN"],
    [{ sync: 'yes' }, "input 'sync' is 'yes': expected true or false"],
    [{ insecure: 'on' }, "input 'insecure' is 'on': expected true or false"],
    [{ refresh: 'always' }, "invalid input 'refresh' 'always': expected one of normal, hard"],
    [{ timeout: '-1' }, "invalid input 'timeout' '-1': expected a number of seconds"],
    [
      { watch: 'websocket' },
      "invalid input 'watch' 'websocket': expected one of ndjson, sse, poll",
    ],
  ])('rejects %o with a message naming the input', (override, message) => {
    withInputs({ ...required, ...override })
    expect(() => readSettings(process.env)).toThrow(message)
  })
})

describe('the verify-argo-sync action, run as the runner runs it', () => {
  let dir: string
  let simulator: ArgoCdSimulator | undefined
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'golden-path-verify-action-'))
  })
  afterEach(async () => {
    await simulator?.close()
    simulator = undefined
    rmSync(dir, { recursive: true, force: true })
  })

  async function runAction(scene: Scenario, inputs: Record<string, string>) {
    const bundle = join(actionDir, 'dist/index.js')
    if (!existsSync(bundle))
      throw new Error("the action is not built: run 'node scripts/build.mjs verify-argo-sync'")
    simulator = await ArgoCdSimulator.start({ scenario: scene, token })
    const { output: outputFile, summary: summaryFile } = stepFiles(dir)
    const env: NodeJS.ProcessEnv = {
      PATH: process.env.PATH,
      GITHUB_OUTPUT: outputFile,
      GITHUB_STEP_SUMMARY: summaryFile,
    }
    for (const [name, spec] of Object.entries(actionYaml.inputs))
      env[`INPUT_${name.toUpperCase()}`] = spec.default ?? ''
    const given = {
      server: simulator.url,
      app: 'web',
      revision: newRevision,
      token,
      'poll-interval': '0.05',
      'degraded-grace': '0.2',
      ...inputs,
    }
    for (const [name, value] of Object.entries(given)) env[`INPUT_${name.toUpperCase()}`] = value
    const child = spawn(bundleNode, [bundle], { env })
    let stdout = ''
    child.stdout.on('data', (chunk) => {
      stdout += chunk
    })
    const code = await new Promise<number | null>((resolve) => child.on('exit', resolve))
    return {
      code,
      stdout,
      outputs: readOutputs(outputFile),
      summary: readFileSync(summaryFile, 'utf8'),
    }
  }

  it('sets the outputs, masks the token and writes a summary with a timeline when verified', async () => {
    const { code, stdout, outputs, summary } = await runAction(
      scenario('rollout', rolloutFrames(40)),
      {
        images: newImage,
      },
    )
    expect(code).toBe(0)
    expect(stdout).toContain(`::add-mask::${token}`)
    expect(outputs).toMatchObject({
      verified: 'true',
      'synced-revision': newRevision,
      health: 'Healthy',
      'sync-status': 'Synced',
    })
    expect(Number(outputs['duration-seconds'])).toBeGreaterThan(0)
    const result = JSON.parse(outputs.result)
    expect(result.verified).toBe(true)
    expect(result.durationSeconds).toBe(Number(outputs['duration-seconds']))
    expect(summary).toContain('### Argo CD: `web` ✅ verified')
    expect(summary).toContain('#### Timeline')
    expect(summary).toMatch(/\| \+\d+\.\d s \| Synced \| `9b8c7d6e5f4a` \| Healthy \| Succeeded \|/)
  })

  it('fails the step and lists the broken resources when the rollout is Degraded', async () => {
    const { code, stdout, outputs, summary } = await runAction(
      scenario('degraded', degradedFrames(40)),
      {},
    )
    expect(code).toBe(1)
    expect(stdout).toContain('::error::verify-argo-sync: degraded: Degraded at 9b8c7d6e5f4a')
    expect(outputs).toMatchObject({ verified: 'false', health: 'Degraded' })
    expect(summary).toContain('❌ not verified (degraded)')
    expect(summary).toContain(
      '| Pod | web-prod/web-6c9d8f7b5-x2x8q | Degraded | back-off 40s restarting failed container=app',
    )
  })

  it('fails the step with one line naming the input when an input is wrong', async () => {
    const { code, stdout } = await runAction(scenario('rollout', rolloutFrames(40)), {
      timeout: 'soon',
    })
    expect(code).toBe(1)
    expect(stdout).toContain(
      "::error::verify-argo-sync: invalid input 'timeout' 'soon': expected a number of seconds",
    )
  })
})
