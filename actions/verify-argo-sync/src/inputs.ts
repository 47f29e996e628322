import * as core from '@actions/core'
import { parseVerifySettings, type VerifySettings } from '../../lib/argocd/verify-settings'
import { UsageError } from '../../lib/errors'

/** The action's inputs as action.yml declares them, in kebab-case. */
export interface Inputs {
  server: string
  app: string
  revision: string
  token: string
  'app-namespace': string
  project: string
  refresh: string
  sync: boolean
  images: string[]
  timeout: string
  insecure: boolean
  'ca-file': string
  watch: string
  'poll-interval': string
  'request-timeout': string
  'degraded-grace': string
}

export const inputLabel = (name: string) => `input '${name}'`

function booleanInput(name: string): boolean {
  const value = core.getInput(name).trim().toLowerCase()
  if (value === '' || value === 'false') return false
  if (value === 'true') return true
  throw new UsageError(
    `invalid ${inputLabel(name)} '${core.getInput(name)}': expected true or false`,
  )
}

/** Image references never contain commas or whitespace, so both separate them. */
function listInput(name: string): string[] {
  return core
    .getInput(name)
    .split(/[\n,]/)
    .map((value) => value.trim())
    .filter((value) => value !== '')
}

export function readInputs(): Inputs {
  const text = (name: string) => core.getInput(name)
  return {
    server: text('server'),
    app: text('app'),
    revision: text('revision'),
    token: text('token'),
    'app-namespace': text('app-namespace'),
    project: text('project'),
    refresh: text('refresh'),
    sync: booleanInput('sync'),
    images: listInput('images'),
    timeout: text('timeout'),
    insecure: booleanInput('insecure'),
    'ca-file': text('ca-file'),
    watch: text('watch'),
    'poll-interval': text('poll-interval'),
    'request-timeout': text('request-timeout'),
    'degraded-grace': text('degraded-grace'),
  }
}

/** Reads and checks the inputs once; the token falls back to ARGOCD_AUTH_TOKEN like the CLI. */
export function readSettings(env: NodeJS.ProcessEnv = process.env): VerifySettings {
  return parseVerifySettings(readInputs(), inputLabel, env.ARGOCD_AUTH_TOKEN, {
    revisionRequired: false,
  })
}
