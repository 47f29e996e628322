import { readFile } from 'node:fs/promises'
import { UsageError } from '../errors'
import { CommandNotFoundError, type CommandRunner } from '../ports'
import type { ExplicitCredential } from '../registry/credentials'
import type { PinnedImage } from './pinned-image'

/** The syft release golden-path pins (scripts/setup.sh installs it). */
export const syftModule = 'github.com/anchore/syft/cmd/syft@v1.57.2'

export interface CycloneDxDocument {
  bomFormat: 'CycloneDX'
  specVersion: string
  components?: unknown[]
  [key: string]: unknown
}

export interface SbomSource {
  image: PinnedImage
  /** An OCI layout holding exactly the image (faster than reading it back from the registry). */
  ociLayout?: string
  tlsVerify: boolean
  /**
   * A username and password for syft; without them (or with an identity token) syft's own
   * keychain reads the docker config and its credential helpers.
   */
  credentials?: ExplicitCredential
}

/**
 * A CycloneDX 1.6 JSON SBOM of the image's contents (OS packages, language packages,
 * binaries) made by syft, a maintained generator that reads images without a container
 * engine, from a registry or an OCI layout on disk.
 */
export async function generateSbom(
  source: SbomSource,
  runner: CommandRunner,
  env: NodeJS.ProcessEnv,
): Promise<CycloneDxDocument> {
  const target = source.ociLayout
    ? `oci-dir:${source.ociLayout}`
    : `registry:${source.image.name}@${source.image.digest}`
  const syftEnv: NodeJS.ProcessEnv = {
    ...env,
    SYFT_CHECK_FOR_APP_UPDATE: 'false',
    ...(source.tlsVerify
      ? {}
      : {
          SYFT_REGISTRY_INSECURE_USE_HTTP: 'true',
          SYFT_REGISTRY_INSECURE_SKIP_TLS_VERIFY: 'true',
        }),
    ...(source.credentials?.username && source.credentials.password
      ? {
          SYFT_REGISTRY_AUTH_AUTHORITY: source.image.registry,
          SYFT_REGISTRY_AUTH_USERNAME: source.credentials.username,
          SYFT_REGISTRY_AUTH_PASSWORD: source.credentials.password,
        }
      : {}),
  }
  const result = await runner
    .run('syft', ['scan', target, '--output', 'cyclonedx-json@1.6', '--quiet'], {
      env: syftEnv,
      timeoutMs: 10 * 60_000,
    })
    .catch((error: unknown) => {
      if (error instanceof CommandNotFoundError) {
        throw new UsageError(`syft is not installed; run: go install ${syftModule}`)
      }
      throw error
    })
  if (result.exitCode !== 0) {
    const last = result.stderr.trim().split('\n').filter(Boolean).pop() ?? 'no output'
    throw new UsageError(`syft could not read ${target}: ${last}`)
  }
  return parseCycloneDx(result.stdout, 'syft output')
}

/** A CycloneDX JSON document given by the user (--sbom), checked for what it claims to be. */
export async function readSbomFile(path: string): Promise<CycloneDxDocument> {
  let text: string
  try {
    text = await readFile(path, 'utf8')
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code ?? 'unreadable'
    throw new UsageError(`cannot read --sbom '${path}' (${code})`)
  }
  return parseCycloneDx(text, `--sbom '${path}'`)
}

function parseCycloneDx(text: string, what: string): CycloneDxDocument {
  let document: CycloneDxDocument
  try {
    document = JSON.parse(text) as CycloneDxDocument
  } catch {
    throw new UsageError(`${what} is not JSON`)
  }
  if (document?.bomFormat !== 'CycloneDX' || typeof document.specVersion !== 'string') {
    throw new UsageError(`${what} is not a CycloneDX JSON document (bomFormat CycloneDX)`)
  }
  return document
}
