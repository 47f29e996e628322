import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import Ajv from 'ajv'
import { describe, expect, it } from 'vitest'
import { parse } from 'yaml'
import { parseInputs as doraInputs } from '../../actions/dora-report/src/inputs'
import { parseInputs as recordInputs } from '../../actions/record-delivery/src/inputs'
import { parseInputs as rollbackInputs } from '../../actions/rollback-image/src/inputs'
import { digestOf, hex40 } from './record-fixtures'

const root = join(import.meta.dirname, '../..')
const schema = JSON.parse(readFileSync(join(root, 'data/schemastore/github-action.json'), 'utf8'))
const validate = new Ajv({ strict: false, allErrors: true }).compile(schema)
const metadata = (name: string) =>
  parse(readFileSync(join(root, 'actions', name, 'action.yml'), 'utf8'))

/** INPUT_* variables as the runner sets them, every declared default included. */
function runnerEnv(name: string, given: Record<string, string>): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {}
  for (const [input, spec] of Object.entries(
    metadata(name).inputs as Record<string, { default?: string }>,
  )) {
    env[`INPUT_${input.toUpperCase()}`] = given[input] ?? spec.default ?? ''
  }
  return env
}

describe.each(['record-delivery', 'rollback-image', 'dora-report'])(
  'actions/%s/action.yml',
  (name) => {
    it('is valid action metadata that runs dist/index.js on node24', () => {
      expect(validate(metadata(name)), JSON.stringify(validate.errors)).toBe(true)
      expect(metadata(name).runs).toEqual({ using: 'node24', main: 'dist/index.js' })
    })
  },
)

describe('record and rollback action inputs', () => {
  it('record-delivery: an empty input keeps the recorded value, a given one replaces it', () => {
    const inputs = recordInputs(
      runnerEnv('record-delivery', {
        repository: 'https://user:secret@github.com/acme/gitops.git',
        'gitops-commit': hex40(5),
        outcome: 'failed',
        digest: digestOf(5),
        verified: 'true',
      }),
    )
    expect(inputs['gitops-commit']).toBe(hex40(5))
    expect(inputs['max-attempts']).toBe(10)
    expect(inputs.patch).toMatchObject({
      outcome: 'failed',
      imageDigest: digestOf(5),
      verified: true,
      environment: undefined,
    })
    // Credentials in the URL never reach the record.
    expect(inputs.patch.gitopsRepository).toBe('https://github.com/acme/gitops.git')
  })

  it('record-delivery: refuses a short commit id naming the input', () => {
    expect(() =>
      recordInputs(runnerEnv('record-delivery', { repository: 'r', 'gitops-commit': 'abc123' })),
    ).toThrow("input 'gitops-commit' is 'abc123': expected a full 40-character commit id")
  })

  it('rollback-image: pushes by default on branch main', () => {
    const { request } = rollbackInputs(
      runnerEnv('rollback-image', {
        repository: '/srv/gitops.git',
        path: 'overlays/prod',
        environment: 'prod',
      }),
    )
    expect(request).toMatchObject({
      repo: '/srv/gitops.git',
      branch: 'main',
      push: true,
      maxAttempts: 10,
      toDigest: undefined,
    })
  })

  it('dora-report: defaults to the last 30 days', () => {
    expect(doraInputs(runnerEnv('dora-report', { repository: 'r' }))).toMatchObject({
      since: '30d',
      until: undefined,
    })
  })
})
