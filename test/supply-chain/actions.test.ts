import { mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest'
import { run as attestImage } from '../../actions/attest-image/src/main'
import { parseInputs as parseSignInputs } from '../../actions/sign-image/src/inputs'
import { run as signImage } from '../../actions/sign-image/src/main'
import { run as verifyImage } from '../../actions/verify-image/src/main'
import { type LoopbackRegistry, startLoopbackRegistry } from '../support/loopback-registry'
import { type KeyPairFiles, pushUniqueImage, writeKeyPair } from '../support/signing-fixtures'
import { readOutputs, stepFiles } from '../support/step-files'

// The three actions run as the runner runs them: INPUT_* variables, output and summary files.
let registry: LoopbackRegistry
let keys: KeyPairFiles
let workspace: string
const saved = { ...process.env }

beforeAll(async () => {
  registry = await startLoopbackRegistry()
  keys = writeKeyPair()
  workspace = mkdtempSync(join(tmpdir(), 'golden-path-sign-action-'))
})

afterAll(async () => {
  await registry?.stop()
  for (const path of [keys?.dir, workspace])
    if (path) rmSync(path, { recursive: true, force: true })
})

beforeEach(() => {
  process.exitCode = 0
  const { output, summary } = stepFiles(workspace)
  for (const name of Object.keys(process.env))
    if (name.startsWith('INPUT_')) delete process.env[name]
  Object.assign(process.env, {
    GITHUB_WORKSPACE: workspace,
    GITHUB_OUTPUT: output,
    GITHUB_STEP_SUMMARY: summary,
    'INPUT_TLS-VERIFY': 'false',
    GITHUB_REPOSITORY: 'example-org/payments',
    GITHUB_SHA: 'b'.repeat(40),
    GITHUB_REF: 'refs/heads/main',
    GITHUB_WORKFLOW_REF: 'example-org/payments/.github/workflows/release.yml@refs/heads/main',
  })
})

afterEach(() => {
  process.env = { ...saved }
  process.exitCode = 0
})

const pem = (path: string) => readFileSync(path, 'utf8')

describe('sign-image, attest-image and verify-image actions', () => {
  it('sign and attest with a key from a secret, then verify-image passes with the public key', async () => {
    const image = pushUniqueImage(registry.host, 'actions/payments')
    Object.assign(process.env, {
      INPUT_IMAGE: image,
      INPUT_KEY: pem(keys.encryptedKey),
      'INPUT_KEY-PASSWORD': keys.password,
    })
    await signImage()
    expect(process.exitCode).toBe(0)
    expect(readOutputs(join(workspace, 'output'))['stored-via']).toBe('fallback-tag')
    Object.assign(process.env, {
      INPUT_TYPE: 'slsaprovenance1',
      'INPUT_BUILDER-ID':
        'https://github.com/example-org/golden-path/.github/workflows/deliver.yml@refs/tags/v1',
      'INPUT_WORKFLOW-INPUTS': 'environment=dev\nimage-name=example-org/payments',
    })
    await attestImage()
    expect(process.exitCode).toBe(0)
    expect(readOutputs(join(workspace, 'output'))['builder-id']).toBe(
      process.env['INPUT_BUILDER-ID'],
    )
    for (const name of ['INPUT_KEY', 'INPUT_KEY-PASSWORD', 'INPUT_TYPE', 'INPUT_BUILDER-ID'])
      delete process.env[name]
    Object.assign(process.env, {
      'INPUT_PUBLIC-KEY': pem(keys.publicKey),
      'INPUT_REQUIRE-ATTESTATIONS': 'slsaprovenance1',
      'INPUT_SOURCE-REPOSITORY': 'example-org/payments',
      'INPUT_BUILDER-ID-REGEXP': '/deliver\\.yml@refs/tags/v1$',
    })
    await verifyImage()
    expect(process.exitCode).toBe(0)
    const outputs = readOutputs(join(workspace, 'output'))
    expect(outputs.verified).toBe('true')
    expect(JSON.parse(outputs.result!).attestations[0]).toMatchObject({
      type: 'slsaprovenance1',
      verified: true,
    })
    expect(readFileSync(join(workspace, 'summary.md'), 'utf8')).not.toContain(keys.password)
  })

  it('verify-image fails the step for an unsigned digest and says why', async () => {
    const image = pushUniqueImage(registry.host, 'actions/unsigned')
    Object.assign(process.env, { INPUT_IMAGE: image, 'INPUT_PUBLIC-KEY': pem(keys.publicKey) })
    await verifyImage()
    expect(process.exitCode).toBe(1)
    expect(readOutputs(join(workspace, 'output')).verified).toBe('false')
  })

  it('names the input when neither a key nor keyless is given', () => {
    process.env.INPUT_IMAGE = `${registry.host}/a@sha256:${'c'.repeat(64)}`
    expect(() => parseSignInputs(process.env)).toThrow(
      /give exactly one of input 'key' PEM or input 'keyless'/,
    )
    process.env.INPUT_IMAGE = `${registry.host}/a:latest`
    process.env.INPUT_KEYLESS = 'true'
    expect(() => parseSignInputs(process.env)).toThrow(/input 'image'.*pin the image by digest/)
  })
})
