import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import Ajv from 'ajv'
import { describe, expect, it } from 'vitest'
import { parse } from 'yaml'
import { gateDefaults } from '../../actions/lib/slo/gate'
import { readInputs, readSettings } from '../../actions/slo-gate/src/inputs'

const root = new URL('../..', import.meta.url).pathname
const actionYaml = parse(readFileSync(join(root, 'actions/slo-gate/action.yml'), 'utf8'))

/** The environment the runner gives the action: every declared input, defaults filled in. */
function runnerEnv(inputs: Record<string, string>): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { GITHUB_WORKSPACE: root }
  for (const [name, spec] of Object.entries(
    actionYaml.inputs as Record<string, { default?: string }>,
  )) {
    env[`INPUT_${name.toUpperCase()}`] = inputs[name] ?? spec.default ?? ''
  }
  return env
}

describe('slo-gate action', () => {
  it('is valid action metadata for node24 with the ok and result outputs', () => {
    const schema = JSON.parse(
      readFileSync(join(root, 'data/schemastore/github-action.json'), 'utf8'),
    )
    const validate = new Ajv({ strict: false, allErrors: true }).compile(schema)
    expect(validate(actionYaml), JSON.stringify(validate.errors)).toBe(true)
    expect(actionYaml.runs).toEqual({ using: 'node24', main: 'dist/index.js' })
    expect(Object.keys(actionYaml.outputs)).toEqual(['ok', 'result'])
  })

  it("declares every input the CLI has as a flag, with the CLI's defaults", () => {
    const env = runnerEnv({ prometheus: 'http://prometheus:9090', spec: 'service/slo.yaml' })
    expect(Object.keys(readInputs(env)).sort()).toEqual(Object.keys(actionYaml.inputs).sort())
    const settings = readSettings(env)
    expect(settings.gate.window).toBe(gateDefaults.window)
    expect(settings.gate.maxBurnRate).toBe(gateDefaults.maxBurnRate)
    expect(settings.gate.period).toBe(gateDefaults.period)
    expect(settings.gate.intervalMs).toBe(gateDefaults.intervalMs)
    expect(settings.gate.allowNoData).toBe(false)
    expect(settings.gate.bakeMs).toBeUndefined()
    expect(settings.gate.minBudgetRemaining).toBeUndefined()
    expect(settings.requestTimeoutMs).toBe(10_000)
    expect(settings.specFile).toBe('service/slo.yaml')
  })

  it('reads the spec from the workspace and the token from PROMETHEUS_TOKEN when the input is empty', () => {
    const env = {
      ...runnerEnv({ prometheus: 'http://prometheus:9090', spec: 'service/slo.yaml' }),
      PROMETHEUS_TOKEN: 'env-token-123',
    }
    const settings = readSettings(env)
    expect(settings.target.authorization).toBe('Bearer env-token-123')
    expect(settings.gate.spec.service).toBe('reference-service')
  })

  it.each([
    [{ spec: 'service/slo.yaml' }, "missing input 'prometheus' URL"],
    [
      { prometheus: 'http://p:9090', spec: 'service/slo.yaml', bake: 'ten minutes' },
      "invalid input 'bake' 'ten minutes'",
    ],
    [
      { prometheus: 'http://p:9090', spec: 'service/slo.yaml', 'allow-no-data': 'yes' },
      "input 'allow-no-data' is 'yes': expected true or false",
    ],
  ])('names the input that is wrong: %j', (inputs, message) => {
    expect(() => readSettings(runnerEnv(inputs as Record<string, string>))).toThrow(message)
  })
})
