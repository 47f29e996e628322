import { ActionInputs } from '../../lib/action-input'
import {
  parseGateSettings,
  type RawGateSettings,
  type ResolvedGateSettings,
} from '../../lib/slo/gate-settings'

/** The action's inputs as action.yml declares them, in kebab-case: the CLI's flags, named alike. */
export type Inputs = RawGateSettings

export const inputLabel = (name: string) => `input '${name}'`

export function readInputs(env: NodeJS.ProcessEnv = process.env): Inputs {
  const inputs = new ActionInputs(env)
  const text = (name: string) => inputs.optional(name)
  return {
    prometheus: text('prometheus'),
    spec: text('spec'),
    slo: text('slo'),
    window: text('window'),
    'max-burn-rate': text('max-burn-rate'),
    'min-budget-remaining': text('min-budget-remaining'),
    bake: text('bake'),
    interval: text('interval'),
    'allow-no-data': inputs.boolean('allow-no-data', false),
    token: text('token'),
    period: text('period'),
    'request-timeout': text('request-timeout'),
  }
}

/** Reads and checks the inputs once; the spec path is relative to the workspace. */
export function readSettings(env: NodeJS.ProcessEnv = process.env): ResolvedGateSettings {
  return parseGateSettings(
    readInputs(env),
    inputLabel,
    env.GITHUB_WORKSPACE ?? process.cwd(),
    env.PROMETHEUS_TOKEN,
  )
}
