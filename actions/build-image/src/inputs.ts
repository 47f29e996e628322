import { ActionInputs } from '../../lib/action-input'
import type { BuildEngine, BuildSecret } from '../../lib/build/build-plan'
import { parseBuildSecret } from '../../lib/build/build-secret'

/** The build-image inputs, keyed as in action.yml. */
export interface Inputs {
  context: string
  file: string
  image: string
  tags: string[]
  engine: BuildEngine | 'auto'
  'build-args': string[]
  secrets: BuildSecret[]
  /** id=value lines; each value is written to a file and mounted as a build secret. */
  'build-secrets': string
  target?: string
  platforms?: string
  'cache-from': string[]
  'cache-to': string[]
  'no-cache': boolean
  labels: string[]
  output?: string
  push: boolean
  'tls-verify': boolean
  /** Warnings about deprecated input names that were used. */
  deprecations: string[]
}

export function parseInputs(env: NodeJS.ProcessEnv = process.env): Inputs {
  const inputs = new ActionInputs(env)
  const deprecations: string[] = []
  const platforms = inputs.renamed('platforms', 'platform', deprecations)
  return {
    context: inputs.optional('context') ?? '.',
    file: inputs.optional('file') ?? 'Dockerfile',
    image: inputs.required('image', 'ghcr.io/example-org/app'),
    tags: inputs.list('tags', { commas: true }),
    engine: inputs.oneOf('engine', ['auto', 'docker', 'buildah'], 'auto'),
    'build-args': inputs.list('build-args', { commas: false }),
    secrets: inputs
      .list('secrets', { commas: false })
      .map((spec) => parseBuildSecret(spec, "input 'secrets' line")),
    target: inputs.optional('target'),
    platforms: platforms?.replace(/,\s*$/, '').trim(),
    'build-secrets': env['INPUT_BUILD-SECRETS'] ?? '',
    'cache-from': inputs.list('cache-from', { commas: false }),
    'cache-to': inputs.list('cache-to', { commas: false }),
    'no-cache': inputs.boolean('no-cache', false),
    labels: inputs.list('labels', { commas: false }),
    output: inputs.optional('output'),
    push: inputs.boolean('push', false),
    'tls-verify': inputs.boolean('tls-verify', true),
    deprecations,
  }
}
