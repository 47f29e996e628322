import { UsageError } from '../errors'
import type { BuildSecret } from './build-plan'

/**
 * Parses a secret in the form docker and buildah take on their command lines:
 * `id=NAME,src=PATH` (also `source=`) or `id=NAME,env=VARIABLE`.
 */
export function parseBuildSecret(spec: string, what: string): BuildSecret {
  const fields = Object.fromEntries(
    spec.split(',').map((part) => {
      const equals = part.indexOf('=')
      return equals === -1 ? [part, ''] : [part.slice(0, equals), part.slice(equals + 1)]
    }),
  ) as Record<string, string>
  const id = fields.id
  const src = fields.src ?? fields.source
  const env = fields.env
  if (
    !id ||
    !/^[A-Za-z0-9_.-]+$/.test(id) ||
    (src === undefined) === (env === undefined) ||
    src === '' ||
    env === ''
  ) {
    throw new UsageError(
      `invalid ${what} '${spec}': expected id=NAME,src=PATH or id=NAME,env=VARIABLE`,
    )
  }
  return src !== undefined ? { id, src } : { id, env: env! }
}
