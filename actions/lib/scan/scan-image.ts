import { mkdtemp, readFile, rename, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { dirname, join } from 'node:path'
import { UsageError } from '../errors'
import { type LayoutImage, OciLayoutError, readLayoutImages } from '../oci/oci-layout'
import type { Clock, CommandRunner, Logger } from '../ports'
import { registryOf, resolveRegistryCredential, writeAuthFile } from '../registry/credentials'
import { parseImageReference } from '../registry/image-reference'
import { explainRegistryFailure } from '../registry/push-image'
import { RegistryClient, repositoryPath } from '../registry/registry-client'
import { RegistryUnreachableError } from '../registry/registry-errors'
import { type CveGateResult, evaluateCveGate } from './cve-gate'
import { type HardeningCheck, type HardeningPolicy, runHardeningChecks } from './hardening-checks'
import { buildSarif } from './sarif'
import { readIgnoreFile } from './scan-ignore'
import type { Severity } from './severity'
import { assertReportMatches, readTrivyReport, trivyArtifact } from './trivy-report'
import { runTrivy } from './trivy-scanner'
import type { Vulnerability } from './vulnerability'

export interface ScanRequest {
  /** An OCI layout directory (what build-image wrote). */
  oci?: string
  /** An image in a registry; copied to a temporary layout first. */
  image?: string
  /** A Trivy JSON report to judge instead of running Trivy. */
  trivyReport?: string
  reportAt: Severity
  failOn: Severity
  ignoreUnfixed: boolean
  ignoreFile: string
  /** Whether the ignore file was named by the user (then it must exist). */
  ignoreFileExplicit: boolean
  /** Where to write SARIF, if at all. */
  sarif?: string
  /** Run only the hardening checks (no Trivy, no report). */
  skipCve: boolean
  /** TLS verification when copying `image` from its registry. */
  tlsVerify: boolean
  /** Environment the registry auth files are found through; default process.env. */
  env?: NodeJS.ProcessEnv
  hardening: HardeningPolicy
}

export interface ScanPorts {
  runner: CommandRunner
  logger: Logger
  clock: Clock
}

export interface ScanResult {
  passed: boolean
  /** What was judged: the layout, image or report path. */
  subject: string
  /** The digest of the scanned image, when an image was scanned. */
  digest?: string
  /** Where the vulnerabilities came from. */
  cveSource: 'trivy' | 'trivy-report' | 'skipped'
  cve?: CveGateResult
  hardening: HardeningCheck[]
  /** Every platform's image judged (one for a single-platform image), with its own verdict. */
  platforms: { platform: string; digest: string; passed: boolean }[]
  /** Findings and checks that fail the gate. */
  failing: number
  sarifFile?: string
}

async function writeAtomically(path: string, content: string): Promise<void> {
  const temporary = join(dirname(path), `.${Date.now()}.${process.pid}.tmp`)
  try {
    await writeFile(temporary, content)
    await rename(temporary, path)
  } catch (error) {
    await rm(temporary, { force: true })
    const code = (error as NodeJS.ErrnoException).code
    throw new UsageError(`cannot write ${path}: ${code ?? String(error)}`)
  }
}

async function copyImageToLayout(
  image: string,
  request: ScanRequest,
  ports: ScanPorts,
): Promise<{ dir: string; cleanup: () => Promise<void> }> {
  const reference = parseImageReference(image, '--image')
  const registry = registryOf(reference.repository)
  const credential = await resolveRegistryCredential(reference.repository, {
    env: request.env ?? process.env,
    runner: ports.runner,
    logger: ports.logger,
  })
  // A registry that wants credentials we do not have is told plainly, before skopeo runs.
  await new RegistryClient(registry, credential, { tlsVerify: request.tlsVerify })
    .checkAccess(repositoryPath(reference.repository, registry), 'pull')
    .catch((error: unknown) => {
      if (error instanceof RegistryUnreachableError) return
      throw error
    })
  const parent = await mkdtemp(join(tmpdir(), 'golden-path-scan-'))
  const dir = join(parent, 'oci')
  const cleanup = () => rm(parent, { recursive: true, force: true })
  const authArgs: string[] = []
  if (credential) {
    const authFile = join(parent, 'auth.json')
    await writeAuthFile(authFile, registry, credential)
    authArgs.push('--src-authfile', authFile)
  }
  // --all keeps a multi-platform index whole, so every platform's image is judged.
  const result = await ports.runner.run('skopeo', [
    'copy',
    '--all',
    '--preserve-digests',
    `--src-tls-verify=${request.tlsVerify}`,
    ...authArgs,
    `docker://${image}`,
    `oci:${dir}`,
  ])
  if (result.exitCode !== 0) {
    await cleanup()
    const reason = explainRegistryFailure(result.stderr.trim().split('\n').pop() ?? '')
    throw new UsageError(`cannot copy ${image} for scanning: ${reason}`)
  }
  return { dir, cleanup }
}

/**
 * One verdict per check over all platforms: a check passes only when it passes
 * for every platform; with several platforms, each detail names its platform.
 */
function mergePlatformChecks(
  perPlatform: HardeningCheck[][],
  images: LayoutImage[],
): HardeningCheck[] {
  if (perPlatform.length === 1) return perPlatform[0]!
  return perPlatform[0]!.map((check, index) => {
    const all = perPlatform.map((checks) => checks[index]!)
    return {
      ...check,
      passed: all.every((entry) => entry.passed),
      details: all.flatMap((entry, i) =>
        entry.details.map((detail) => `${images[i]!.platform}: ${detail}`),
      ),
    }
  })
}

/** The same CVE in the same package and version, found on several platforms, is one finding. */
function uniqueVulnerabilities(found: Vulnerability[]): Vulnerability[] {
  const seen = new Map<string, Vulnerability>()
  for (const vulnerability of found) {
    const key = JSON.stringify([
      vulnerability.id,
      vulnerability.package,
      vulnerability.installedVersion,
    ])
    if (!seen.has(key)) seen.set(key, vulnerability)
  }
  return [...seen.values()]
}

/**
 * The scan gate: judges one image (or one Trivy report) and returns whether it
 * may be pushed. Vulnerabilities come from a given Trivy report or from running
 * Trivy on the layout; hardening checks need the image itself and run whenever
 * there is one. Nothing is pushed or rebuilt here.
 */
export async function scanImage(request: ScanRequest, ports: ScanPorts): Promise<ScanResult> {
  const sources = [request.oci, request.image].filter(Boolean)
  if (sources.length > 1) throw new UsageError('give either --oci or --image, not both')
  if (sources.length === 0 && !request.trivyReport) {
    throw new UsageError('nothing to scan: give --oci DIR, --image REF or --trivy-report FILE')
  }
  if (request.skipCve && request.trivyReport) {
    throw new UsageError('--skip-cve and --trivy-report contradict each other')
  }
  if (request.skipCve && sources.length === 0) {
    throw new UsageError('--skip-cve leaves nothing to check without --oci or --image')
  }
  const ignores = await readIgnoreFile(request.ignoreFile, request.ignoreFileExplicit)
  let layout = request.oci
  let cleanup: (() => Promise<void>) | undefined
  try {
    if (request.image) {
      ports.logger.info(`copying ${request.image} to a local OCI layout`)
      const copied = await copyImageToLayout(request.image, request, ports)
      layout = copied.dir
      cleanup = copied.cleanup
    }
    let digest: string | undefined
    let hardening: HardeningCheck[] = []
    let images: LayoutImage[] = []
    const platforms: ScanResult['platforms'] = []
    if (layout) {
      try {
        images = await readLayoutImages(layout)
        digest = images[0]!.digest
        const perPlatform: HardeningCheck[][] = []
        for (const image of images) {
          const checks = await runHardeningChecks(layout, image, request.hardening)
          perPlatform.push(checks)
          platforms.push({
            platform: image.platform,
            digest: image.manifestDigest,
            passed: checks.every((check) => check.passed),
          })
        }
        hardening = mergePlatformChecks(perPlatform, images)
      } catch (error) {
        if (error instanceof OciLayoutError) throw new UsageError(error.message)
        throw error
      }
    }
    let vulnerabilities: Vulnerability[] | undefined
    let cveSource: ScanResult['cveSource'] = 'skipped'
    if (request.trivyReport) {
      vulnerabilities = await readTrivyReport(request.trivyReport)
      if (images.length > 0) {
        const text = await readFile(request.trivyReport, 'utf8')
        assertReportMatches(
          trivyArtifact(text),
          {
            subject: request.image ?? request.oci ?? '',
            digest: images[0]!.digest,
            manifestDigests: images.map((image) => image.manifestDigest),
            configDigests: images.map((image) => image.configDigest),
          },
          request.trivyReport,
        )
      }
      cveSource = 'trivy-report'
    } else if (!request.skipCve && layout) {
      // Each platform's packages differ: Trivy scans every platform of an index.
      const targets = images.length > 1 ? images.map((image) => image.platform) : [undefined]
      vulnerabilities = []
      for (const platform of targets) {
        const found = await runTrivy({ oci: layout, platform }, ports.runner, ports.logger)
        vulnerabilities.push(...found.vulnerabilities)
      }
      vulnerabilities = uniqueVulnerabilities(vulnerabilities)
      cveSource = 'trivy'
    }
    const cve = vulnerabilities
      ? evaluateCveGate(vulnerabilities, {
          reportAt: request.reportAt,
          failOn: request.failOn,
          ignoreUnfixed: request.ignoreUnfixed,
          ignores,
          now: ports.clock.now(),
        })
      : undefined
    for (const entry of cve?.expiredIgnores ?? []) {
      ports.logger.warning(
        `ignore entry ${entry.id}${entry.package ? ` (${entry.package})` : ''} expired on ${entry.expires} and no longer applies`,
      )
    }
    const failing = (cve?.failing.length ?? 0) + hardening.filter((check) => !check.passed).length
    const subject = request.image ?? request.oci ?? request.trivyReport ?? ''
    let sarifFile: string | undefined
    if (request.sarif) {
      const sarif = buildSarif(cve, hardening, request.image ?? request.oci ?? request.trivyReport!)
      await writeAtomically(request.sarif, `${JSON.stringify(sarif, null, 2)}\n`)
      sarifFile = request.sarif
    }
    return {
      passed: failing === 0,
      subject,
      digest,
      cveSource,
      cve,
      hardening,
      platforms,
      failing,
      sarifFile,
    }
  } finally {
    await cleanup?.()
  }
}
