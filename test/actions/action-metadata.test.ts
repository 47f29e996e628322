import { existsSync, readdirSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import Ajv from 'ajv'
import { describe, expect, it } from 'vitest'
import { parse } from 'yaml'

const root = join(import.meta.dirname, '../..')
const schema = JSON.parse(readFileSync(join(root, 'data/schemastore/github-action.json'), 'utf8'))
const validate = new Ajv({ strict: false, allErrors: true }).compile(schema)

// The names the reusable workflows are written against.
const contracts: Record<string, { inputs: string[]; outputs: string[] }> = {
  'build-image': {
    inputs: [
      'context',
      'file',
      'image',
      'tags',
      'engine',
      'build-args',
      'secrets',
      'target',
      'platforms',
      // Deprecated, still read until the next major release.
      'platform',
      'cache-from',
      'cache-to',
      'output',
      'push',
    ],
    outputs: ['digest', 'image-ref', 'tags', 'oci-layout', 'metadata'],
  },
  'scan-image': {
    inputs: [
      'oci',
      'image',
      'trivy-report',
      'report-at',
      'fail-on',
      'ignore-unfixed',
      'ignore-file',
      'sarif-file',
      // Deprecated, still read until the next major release.
      'sarif',
    ],
    outputs: ['passed', 'failing', 'sarif-file', 'result'],
  },
  'push-image': {
    inputs: ['oci', 'image', 'tags', 'tls-verify', 'username', 'password'],
    outputs: ['digest', 'image-ref'],
  },
  'sign-image': {
    inputs: ['image', 'keyless', 'key', 'key-password', 'username', 'password'],
    outputs: ['referrer', 'stored-via'],
  },
  'attest-image': {
    inputs: [
      'image',
      'type',
      'keyless',
      'key',
      'key-password',
      'base-images',
      'builder-id',
      'workflow-inputs',
      'sbom-output',
    ],
    outputs: ['referrer', 'predicate-type', 'builder-id'],
  },
  'verify-image': {
    inputs: [
      'image',
      'public-key',
      'certificate-identity-regexp',
      'certificate-oidc-issuer',
      'require-attestations',
      'source-repository',
      'builder-id-regexp',
      'username',
      'password',
    ],
    outputs: ['verified', 'result'],
  },
}

describe.each(Object.keys(contracts))('actions/%s/action.yml', (action) => {
  const metadata = parse(readFileSync(join(root, 'actions', action, 'action.yml'), 'utf8'))

  it('is valid action metadata that runs dist/index.js on node24', () => {
    expect(validate(metadata), JSON.stringify(validate.errors)).toBe(true)
    expect(metadata.runs).toEqual({ using: 'node24', main: 'dist/index.js' })
  })

  it('declares every input and output the workflows rely on', () => {
    expect(Object.keys(metadata.inputs)).toEqual(expect.arrayContaining(contracts[action]!.inputs))
    expect(Object.keys(metadata.outputs)).toEqual(
      expect.arrayContaining(contracts[action]!.outputs),
    )
  })
})

describe('every action', () => {
  const actions = readdirSync(join(root, 'actions'), { withFileTypes: true })
    .filter(
      (entry) => entry.isDirectory() && existsSync(join(root, 'actions', entry.name, 'action.yml')),
    )
    .map((entry) => entry.name)
  const metadataOf = (action: string) =>
    parse(readFileSync(join(root, 'actions', action, 'action.yml'), 'utf8'))

  it.each(actions)('%s has branding for the Marketplace (an icon and a colour)', (action) => {
    expect(metadataOf(action).branding).toEqual({
      icon: expect.stringMatching(/^[a-z0-9-]+$/),
      color: expect.stringMatching(/^(white|black|yellow|blue|green|orange|red|purple|gray-dark)$/),
    })
  })

  it.each(actions)('%s names a SARIF path sarif-file and a platform list platforms', (action) => {
    const { inputs = {}, outputs = {} } = metadataOf(action)
    for (const [name, spec] of Object.entries<{ description: string }>({ ...inputs, ...outputs })) {
      if (/sarif/i.test(name) && name !== 'sarif-file')
        expect(spec.description, `${action} ${name}`).toMatch(/^Deprecated, use sarif-file\./)
      if (/^platform$/.test(name))
        expect(spec.description, `${action} ${name}`).toMatch(/^Deprecated, use platforms\./)
    }
  })
})
