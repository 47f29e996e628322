import { ActionInputs } from '../../lib/action-input'
import {
  parseVerifySettings,
  type RawVerifySettings,
  type VerifySettings,
} from '../../lib/argocd/verify-settings'

/** The action's inputs as action.yml declares them, in kebab-case: the CLI's flags, named alike. */
export type Inputs = RawVerifySettings

export const inputLabel = (name: string) => `input '${name}'`

export function readInputs(env: NodeJS.ProcessEnv = process.env): Inputs {
  const inputs = new ActionInputs(env)
  const text = (name: string) => inputs.optional(name)
  return {
    server: text('server'),
    app: text('app'),
    revision: text('revision'),
    token: text('token'),
    'app-namespace': text('app-namespace'),
    project: text('project'),
    refresh: text('refresh'),
    sync: inputs.boolean('sync', false),
    // Image references never contain commas, so commas separate them as well as newlines.
    images: inputs.list('images', { commas: true }),
    timeout: text('timeout'),
    insecure: inputs.boolean('insecure', false),
    'ca-file': text('ca-file'),
    watch: text('watch'),
    'poll-interval': text('poll-interval'),
    'request-timeout': text('request-timeout'),
    'degraded-grace': text('degraded-grace'),
  }
}

/**
 * Reads and checks the inputs once. The token falls back to ARGOCD_AUTH_TOKEN
 * like the CLI; an empty revision means the revision Argo CD targets now.
 */
export function readSettings(env: NodeJS.ProcessEnv = process.env): VerifySettings {
  return parseVerifySettings(readInputs(env), inputLabel, env.ARGOCD_AUTH_TOKEN, {
    revisionRequired: false,
  })
}
