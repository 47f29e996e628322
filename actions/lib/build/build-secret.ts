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

/** Secret values written to files for one build, removed afterwards. */
export interface SecretFiles {
  secrets: BuildSecret[]
  /** The values, for masking in logs. */
  values: string[]
  remove(): Promise<void>
}

/**
 * Turns `id=value` lines (a workflow secret such as `NPM_TOKEN=...`) into one
 * file per secret (mode 0600, in a fresh directory under `parent`), so the
 * engine mounts each with --secret id=…,src=… for RUN --mount=type=secret: the
 * value never enters a layer, a build arg or a command line. A malformed line
 * is reported by number only: it may hold a secret.
 */
export async function writeSecretFiles(lines: string, parent: string): Promise<SecretFiles> {
  const { chmod, mkdtemp, rm, writeFile } = await import('node:fs/promises')
  const { join } = await import('node:path')
  const entries: [string, string][] = []
  const seen = new Set<string>()
  for (const [index, raw] of lines.split(/\r?\n/).entries()) {
    if (raw.trim() === '') continue
    const equals = raw.indexOf('=')
    const id = equals > 0 ? raw.slice(0, equals).trim() : ''
    if (!/^[A-Za-z0-9_.-]+$/.test(id)) {
      throw new UsageError(
        `build-secrets line ${index + 1}: expected id=value with an id of letters, digits, '_', '.', '-'`,
      )
    }
    if (seen.has(id)) throw new UsageError(`build-secrets: id '${id}' is given twice`)
    seen.add(id)
    entries.push([id, raw.slice(equals + 1)])
  }
  const dir = await mkdtemp(join(parent, 'golden-path-secrets-'))
  await chmod(dir, 0o700)
  const remove = () => rm(dir, { recursive: true, force: true })
  try {
    const secrets: BuildSecret[] = []
    for (const [id, value] of entries) {
      const src = join(dir, id)
      await writeFile(src, value, { mode: 0o600 })
      secrets.push({ id, src })
    }
    return { secrets, values: entries.map(([, value]) => value).filter(Boolean), remove }
  } catch (error) {
    await remove()
    throw error
  }
}
