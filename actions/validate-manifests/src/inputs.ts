import { UsageError } from '../../lib/errors'
import type { Severity } from '../../lib/manifests/report'
import {
  defaultKubernetesVersion,
  type KubernetesVersion,
  parseKubernetesVersion,
} from '../../lib/manifests/schema-bundle'

/** The action's inputs, keyed as in action.yml. */
export interface Inputs {
  paths: string[]
  'kubernetes-version': KubernetesVersion
  strict: boolean
  crd: string[]
  kustomize: string[]
  'allow-remote': boolean
  policy: string
  'fail-on': Severity
  'ignore-missing-schemas': boolean
  skip: string[]
  'schema-location': string[]
  'sarif-file': string
}

/** What the runner passes: `INPUT_<NAME>` with the name upper-cased (dashes kept). */
function raw(env: NodeJS.ProcessEnv, name: string): string {
  return (env[`INPUT_${name.replace(/ /g, '_').toUpperCase()}`] ?? '').trim()
}

function list(env: NodeJS.ProcessEnv, name: string): string[] {
  return raw(env, name)
    .split(/[\n,]/)
    .map((value) => value.trim())
    .filter(Boolean)
}

function boolean(env: NodeJS.ProcessEnv, name: string, fallback: boolean): boolean {
  const value = raw(env, name)
  if (value === '') return fallback
  if (value === 'true') return true
  if (value === 'false') return false
  throw new UsageError(`invalid input '${name}': '${value}' (expected true or false)`)
}

function choice<T extends string>(
  env: NodeJS.ProcessEnv,
  name: string,
  allowed: readonly T[],
  fallback: T,
): T {
  const value = raw(env, name)
  if (value === '') return fallback
  if ((allowed as readonly string[]).includes(value)) return value as T
  throw new UsageError(
    `invalid input '${name}': '${value}' (expected one of ${allowed.join(', ')})`,
  )
}

/** Parses the inputs once; every error names the input and what it accepts. */
export function parseInputs(env: NodeJS.ProcessEnv = process.env): Inputs {
  const version = raw(env, 'kubernetes-version')
  const kustomize = list(env, 'kustomize')
  const paths = list(env, 'paths')
  // The default '.' means "the repository" only when no overlay is named: a step that renders
  // overlays validates what they render, not every YAML file of the checkout.
  const defaulted = paths.length === 0 || (paths.length === 1 && paths[0] === '.')
  return {
    paths: defaulted ? (kustomize.length > 0 ? [] : ['.']) : paths,
    'kubernetes-version':
      version === ''
        ? defaultKubernetesVersion
        : parseKubernetesVersion(version, "input 'kubernetes-version'"),
    strict: boolean(env, 'strict', true),
    crd: list(env, 'crd'),
    kustomize,
    'allow-remote': boolean(env, 'allow-remote', false),
    policy: raw(env, 'policy') || 'golden-path',
    'fail-on': choice<Severity>(env, 'fail-on', ['error', 'warning'], 'error'),
    'ignore-missing-schemas': boolean(env, 'ignore-missing-schemas', false),
    skip: list(env, 'skip'),
    // Templates contain no commas, but URLs may: one per line only.
    'schema-location': raw(env, 'schema-location')
      .split('\n')
      .map((value) => value.trim())
      .filter(Boolean),
    'sarif-file': raw(env, 'sarif-file') || 'golden-path-validate.sarif',
  }
}
