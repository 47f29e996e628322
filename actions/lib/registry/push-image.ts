import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { ExitCode, UsageError } from '../errors'
import { OciLayoutError, readLayoutImage } from '../oci/oci-layout'
import type { Clock, CommandRunner, Logger } from '../ports'
import { CommandNotFoundError } from '../ports'
import { isValidTag, parseImageReference } from './image-reference'

export interface PushRequest {
  /** OCI layout written by the build (and scanned). */
  ociLayout: string
  /** Repository without tag. */
  image: string
  /** Tags to push; empty means the tag stored in the layout. */
  tags: string[]
  tlsVerify: boolean
  username?: string
  password?: string
  /** Tries per tag before giving up. */
  attempts: number
  /** Wait before the first retry; doubled for each further one. */
  retryDelayMs: number
}

export interface PushResult {
  digest: string
  /** image@digest: the reference that pins exactly the pushed bytes. */
  imageRef: string
  references: string[]
  /** Total skopeo runs, retries included. */
  attempts: number
}

export interface PushPorts {
  runner: CommandRunner
  logger: Logger
  clock: Clock
}

/** The push did not complete; the message says what was and was not pushed. */
export class RegistryPushError extends Error {
  /** The push ran and the registry did not take it: an operation that failed, not a usage error. */
  readonly exitCode = ExitCode.Failed
  constructor(message: string) {
    super(message)
    this.name = 'RegistryPushError'
  }
}

/** skopeo's last line, with the fix where the cause is a known one. */
export function explainRegistryFailure(line: string): string {
  if (/server gave HTTP response to HTTPS client/i.test(line)) {
    return `${line} (the registry speaks plain HTTP: pass --tls-verify false, tls-verify: false in the action)`
  }
  if (/certificate signed by unknown authority|x509:/i.test(line)) {
    return `${line} (the registry's certificate is not trusted here: add its CA to the system trust store, or pass --tls-verify false for a test registry)`
  }
  return line
}

/** The registry host of a repository, as container tools resolve it (docker.io by default). */
export function registryHost(repository: string): string {
  const first = repository.split('/')[0]!
  const isHost =
    repository.includes('/') &&
    (first.includes('.') || first.includes(':') || first === 'localhost')
  return isHost ? first : 'docker.io'
}

// Errors that another try cannot fix: credentials, permissions, a bad name.
const permanent =
  /unauthorized|authentication required|denied|forbidden|invalid reference|name unknown|manifest invalid|HTTP response to HTTPS client|x509:/i

function lastLine(text: string): string {
  return text.trim().split('\n').filter(Boolean).pop()?.trim() ?? 'no output'
}

/**
 * A tag to push, given either alone ("main") or as a full reference to the same
 * repository ("ghcr.io/org/app:main", as build-image's `tags` output lists them).
 */
export function tagOf(entry: string, repository: string): string {
  if (isValidTag(entry)) return entry
  const reference = parseImageReference(entry, 'tag')
  if (reference.repository !== repository || !reference.tag || reference.digest) {
    throw new UsageError(`invalid tag '${entry}': give a tag, or ${repository}:<tag>`)
  }
  return reference.tag
}

/**
 * Pushes the exact bytes of an OCI layout to a registry with skopeo, tag by tag.
 * Digests are preserved (no recompression), so the digest pushed is the digest
 * that was built and scanned; the registry's answer is checked against it.
 * Failures are retried with backoff; a push that does not finish for every tag
 * is an error, never a success.
 */
export async function pushImage(request: PushRequest, ports: PushPorts): Promise<PushResult> {
  const requested = request.tags.map((entry) => tagOf(entry, request.image))
  let image: Awaited<ReturnType<typeof readLayoutImage>>
  try {
    image = await readLayoutImage(request.ociLayout)
  } catch (error) {
    if (error instanceof OciLayoutError) throw new UsageError(error.message)
    throw error
  }
  // Without tags, the tag the build stored inside the layout is pushed.
  const tags = [
    ...new Set(requested.length > 0 ? requested : image.referenceName ? [image.referenceName] : []),
  ]
  if (tags.length === 0) throw new UsageError('nothing to push: give at least one tag')
  const work = await mkdtemp(join(tmpdir(), 'golden-path-push-'))
  try {
    const credentials: string[] = []
    if (request.username || request.password) {
      if (!request.username || !request.password) {
        throw new UsageError('give both a username and a password, or neither')
      }
      // An auth file keeps the password out of the process list.
      const authFile = join(work, 'auth.json')
      const auth = Buffer.from(`${request.username}:${request.password}`).toString('base64')
      await writeFile(
        authFile,
        JSON.stringify({ auths: { [registryHost(request.image)]: { auth } } }),
        {
          mode: 0o600,
        },
      )
      credentials.push('--authfile', authFile)
    }
    const source = `oci:${request.ociLayout}${image.referenceName ? `:${image.referenceName}` : ''}`
    const pushed: string[] = []
    let attempts = 0
    for (const tag of tags) {
      const destination = `${request.image}:${tag}`
      const digestFile = join(work, `digest-${pushed.length}`)
      const args = [
        'copy',
        '--all',
        '--preserve-digests',
        `--dest-tls-verify=${request.tlsVerify}`,
        '--digestfile',
        digestFile,
        ...credentials,
        source,
        `docker://${destination}`,
      ]
      let failure = ''
      let done = false
      let tries = 0
      for (let attempt = 1; attempt <= request.attempts && !done; attempt++) {
        attempts++
        tries++
        if (attempt > 1) {
          const delay = request.retryDelayMs * 2 ** (attempt - 2)
          ports.logger.warning(
            `push of ${destination} failed (${failure}); retrying in ${delay} ms`,
          )
          await ports.clock.sleep(delay)
        }
        ports.logger.info(`skopeo copy ${source} docker://${destination}`)
        const result = await ports.runner.run('skopeo', args).catch((error: unknown) => {
          if (error instanceof CommandNotFoundError) {
            throw new UsageError('skopeo is not installed; run: apt-get install -y skopeo')
          }
          throw error
        })
        if (result.exitCode === 0) {
          done = true
          break
        }
        failure = explainRegistryFailure(lastLine(result.stderr))
        if (permanent.test(failure)) break
      }
      if (!done) {
        const already = pushed.length ? ` (already pushed: ${pushed.join(', ')})` : ''
        throw new RegistryPushError(
          `push of ${destination} failed after ${tries} attempt(s): ${failure}${already}`,
        )
      }
      const stored = (await readFile(digestFile, 'utf8').catch(() => '')).trim()
      if (stored !== image.digest) {
        throw new RegistryPushError(
          `registry reported digest ${stored || '(none)'} for ${destination}, but the layout holds ${image.digest}`,
        )
      }
      pushed.push(destination)
    }
    return {
      digest: image.digest,
      imageRef: `${request.image}@${image.digest}`,
      references: pushed,
      attempts,
    }
  } finally {
    await rm(work, { recursive: true, force: true })
  }
}
