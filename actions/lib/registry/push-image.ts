import { mkdtemp, readFile, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { ExitCode, UsageError } from '../errors'
import { OciLayoutError, readLayoutImage } from '../oci/oci-layout'
import type { Clock, CommandRunner, Logger } from '../ports'
import { CommandNotFoundError } from '../ports'
import {
  loginHint,
  type RegistryCredential,
  registryOf,
  resolveRegistryCredential,
  writeAuthFile,
} from './credentials'
import { isValidTag, parseImageReference } from './image-reference'
import { RegistryClient, repositoryPath } from './registry-client'
import {
  RegistryAuthError,
  RegistryProtocolError,
  RegistryUnreachableError,
} from './registry-errors'
import type { HttpClient } from './registry-http'

export interface PushRequest {
  /** OCI layout written by the build (and scanned). */
  ociLayout: string
  /** Repository without tag: the first destination. */
  image: string
  /** Further repositories (other registries or names) that get the same bytes. */
  additionalImages?: string[]
  /** Tags to push; empty means the tag stored in the layout. */
  tags: string[]
  tlsVerify: boolean
  /** Explicit credentials for the first destination's registry (--username/--password-stdin). */
  username?: string
  password?: string
  /** Tries per tag before giving up (retryable errors only). */
  attempts: number
  /** Wait before the first retry; doubled for each further one. */
  retryDelayMs: number
  /** Environment the auth files are found through; default process.env. */
  env?: NodeJS.ProcessEnv
  /** Home directory for ~/.docker/config.json; default os.homedir(). */
  homeDir?: string
}

/** What happened at one destination repository. */
export interface DestinationResult {
  image: string
  registry: string
  /** pushed: every tag serves the digest; failed: it did not; skipped: not tried after a failure. */
  result: 'pushed' | 'failed' | 'skipped'
  digest?: string
  references: string[]
  /** Where the credential came from (never the secret), or absent when none was used. */
  credentialSource?: string
  error?: string
}

export interface PushResult {
  digest: string
  /** image@digest for the first destination: the reference that pins exactly the pushed bytes. */
  imageRef: string
  /** Every image:tag pushed, over all destinations. */
  references: string[]
  /** Total skopeo runs, retries included. */
  attempts: number
  destinations: DestinationResult[]
}

export interface PushPorts {
  runner: CommandRunner
  logger: Logger
  clock: Clock
  http?: HttpClient
}

/**
 * The push did not complete at every destination; the message says which did
 * not, and `result` lists each destination's outcome.
 */
export class RegistryPushError extends Error {
  readonly exitCode = ExitCode.Failed
  constructor(
    message: string,
    readonly result?: PushResult,
  ) {
    super(message)
    this.name = 'RegistryPushError'
  }
}

/** The registry host of a repository, as container tools resolve it (docker.io by default). */
export const registryHost = registryOf

// Failures another try can fix: the server or the network hiccuped.
const retryable =
  /connection refused|connection reset|broken pipe|unexpected EOF|\bEOF\b|i\/o timeout|timeout|timed out|too many requests|\b429\b|\b50[0-4]\b|internal server error|bad gateway|service unavailable|gateway time-?out/i
const plainHttp = /server gave HTTP response to HTTPS client/i
const httpsToHttp =
  /http: server gave|malformed HTTP response|tls: first record does not look like a TLS handshake/i
const unauthorized = /unauthorized|authentication required|\b401\b/i

function lastLine(text: string): string {
  return text.trim().split('\n').filter(Boolean).pop()?.trim() ?? 'no output'
}

/** Says what to do about a failure that is not retried. */
/** A registry tool's last line, with the fix where the cause is a known one. */
export function explainRegistryFailure(line: string): string {
  if (plainHttp.test(line)) {
    return `${line} (the registry speaks plain HTTP: pass --tls-verify false, tls-verify: false in the action)`
  }
  if (/certificate signed by unknown authority|x509:/i.test(line)) {
    return `${line} (the registry's certificate is not trusted here: add its CA to the system trust store, or pass --tls-verify false for a test registry)`
  }
  return line
}

function explain(failure: string, registry: string): string {
  if (plainHttp.test(failure) || httpsToHttp.test(failure)) {
    return `registry ${registry} answers plain HTTP, not HTTPS: serve it with TLS, or pass --tls-verify false (tls-verify: false) for a registry on a trusted network`
  }
  if (unauthorized.test(failure)) {
    return `registry ${registry} refused the push (unauthorized): ${loginHint(registry)}`
  }
  if (/denied|forbidden|\b403\b/i.test(failure)) {
    return `registry ${registry} denied the push: the credential may not write to this repository (${failure})`
  }
  return failure
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

interface Destination {
  image: string
  registry: string
  credential?: RegistryCredential
  authFile?: string
  outcome: DestinationResult
}

/**
 * Pushes the exact bytes of an OCI layout (an image or a multi-platform index
 * with all its manifests) to one or more repositories with skopeo. Digests are
 * preserved (no recompression), so every destination serves the digest that was
 * built and scanned; each registry's answer is checked against it. Every
 * destination is checked for access before any bytes move; only retryable
 * failures (5xx, resets, timeouts) are retried. Anything less than every tag at
 * every destination is an error, never a success.
 */
export async function pushImage(request: PushRequest, ports: PushPorts): Promise<PushResult> {
  const images = [...new Set([request.image, ...(request.additionalImages ?? [])])]
  // One set of tags for every destination; a tag may be written as any destination's image:tag.
  const requested = request.tags.map((entry) => {
    if (isValidTag(entry)) return entry
    const owner = images.find((image) => entry.startsWith(`${image}:`))
    return tagOf(entry, owner ?? request.image)
  })
  let layoutImage: Awaited<ReturnType<typeof readLayoutImage>>
  try {
    layoutImage = await readLayoutImage(request.ociLayout)
  } catch (error) {
    if (error instanceof OciLayoutError) throw new UsageError(error.message)
    throw error
  }
  // Without tags, the tag the build stored inside the layout is pushed.
  const tags = [
    ...new Set(
      requested.length > 0
        ? requested
        : layoutImage.referenceName
          ? [layoutImage.referenceName]
          : [],
    ),
  ]
  if (tags.length === 0) throw new UsageError('nothing to push: give at least one tag')
  const env = request.env ?? process.env
  const work = await mkdtemp(join(tmpdir(), 'golden-path-push-'))
  const destinations: Destination[] = []
  const result: PushResult = {
    digest: layoutImage.digest,
    imageRef: `${request.image}@${layoutImage.digest}`,
    references: [],
    attempts: 0,
    destinations: [],
  }
  const fail = (destination: Destination, message: string): never => {
    destination.outcome.result = 'failed'
    destination.outcome.error = message
    const done = destinations.filter((entry) => entry.outcome.result === 'pushed')
    const already = done.length ? ` (pushed: ${done.map((entry) => entry.image).join(', ')})` : ''
    const others = destinations.filter((entry) => entry.outcome.result === 'skipped')
    const notTried = others.length
      ? ` (not pushed: ${others.map((entry) => entry.image).join(', ')})`
      : ''
    throw new RegistryPushError(`${message}${already}${notTried}`, result)
  }
  try {
    for (const [index, image] of images.entries()) {
      const registry = registryOf(image)
      const explicit =
        index === 0 || registryOf(request.image) === registry
          ? { username: request.username, password: request.password }
          : undefined
      const credential = await resolveRegistryCredential(image, {
        env,
        runner: ports.runner,
        logger: ports.logger,
        homeDir: request.homeDir,
        explicit,
      })
      const outcome: DestinationResult = {
        image,
        registry,
        result: 'skipped',
        references: [],
        ...(credential ? { credentialSource: credential.source } : {}),
      }
      result.destinations.push(outcome)
      destinations.push({ image, registry, credential, outcome })
    }
    // Every destination must accept the credential before any of them gets bytes.
    for (const destination of destinations) {
      const client = new RegistryClient(destination.registry, destination.credential, {
        tlsVerify: request.tlsVerify,
        http: ports.http,
      })
      try {
        await client.checkAccess(repositoryPath(destination.image, destination.registry))
      } catch (error) {
        if (error instanceof RegistryAuthError || error instanceof RegistryProtocolError) {
          fail(destination, error.message)
        }
        // Unreachable now may be reachable in a moment: the push below retries.
        if (!(error instanceof RegistryUnreachableError)) throw error
        ports.logger.debug(error.message)
      }
      if (destination.credential) {
        destination.authFile = join(work, `auth-${destinations.indexOf(destination)}.json`)
        await writeAuthFile(destination.authFile, destination.registry, destination.credential)
      }
    }
    const source = `oci:${request.ociLayout}${layoutImage.referenceName ? `:${layoutImage.referenceName}` : ''}`
    for (const destination of destinations) {
      for (const tag of tags) {
        const target = `${destination.image}:${tag}`
        const digestFile = join(work, `digest-${result.attempts}`)
        const args = [
          'copy',
          '--all',
          '--preserve-digests',
          `--dest-tls-verify=${request.tlsVerify}`,
          '--digestfile',
          digestFile,
          ...(destination.authFile ? ['--dest-authfile', destination.authFile] : []),
          source,
          `docker://${target}`,
        ]
        let failure = ''
        let done = false
        let tries = 0
        for (let attempt = 1; attempt <= request.attempts; attempt++) {
          result.attempts++
          tries++
          if (attempt > 1) {
            const delay = request.retryDelayMs * 2 ** (attempt - 2)
            ports.logger.warning(`push of ${target} failed (${failure}); retrying in ${delay} ms`)
            await ports.clock.sleep(delay)
          }
          ports.logger.info(`skopeo copy ${source} docker://${target}`)
          const run = await ports.runner.run('skopeo', args).catch((error: unknown) => {
            if (error instanceof CommandNotFoundError) {
              throw new UsageError('skopeo is not installed; run: apt-get install -y skopeo')
            }
            throw error
          })
          if (run.exitCode === 0) {
            done = true
            break
          }
          failure = lastLine(run.stderr)
          if (!retryable.test(failure) || plainHttp.test(failure) || unauthorized.test(failure))
            break
        }
        if (!done) {
          fail(
            destination,
            `push of ${target} failed after ${tries} attempt(s): ${explain(failure, destination.registry)}`,
          )
        }
        const stored = (await readFile(digestFile, 'utf8').catch(() => '')).trim()
        if (stored !== layoutImage.digest) {
          fail(
            destination,
            `registry reported digest ${stored || '(none)'} for ${target}, but the layout holds ${layoutImage.digest}`,
          )
        }
        destination.outcome.references.push(target)
        result.references.push(target)
      }
      destination.outcome.result = 'pushed'
      destination.outcome.digest = layoutImage.digest
    }
    return result
  } finally {
    await rm(work, { recursive: true, force: true })
  }
}
