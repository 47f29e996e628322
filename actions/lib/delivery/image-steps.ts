import { join } from 'node:path'
import { buildImage } from '../build/build-image'
import type { BuildProgress } from '../build/build-progress'
import { remoteToWebUrl } from '../build/git-revision'
import type { Clock, CommandRunner, Logger } from '../ports'
import { pushImage } from '../registry/push-image'
import { defaultRequiredLabels, defaultSizeBudgetBytes } from '../scan/hardening-checks'
import { defaultIgnoreFile } from '../scan/scan-ignore'
import { scanImage } from '../scan/scan-image'
import type { Severity } from '../scan/severity'
import type { DeliveryStep } from './delivery-pipeline'

export interface ImageStepPorts {
  runner: CommandRunner
  logger: Logger
  clock: Clock
  /** Progress shown while the image builds (see build/build-progress.ts), started per build. */
  buildProgress?: () => BuildProgress
}

export interface BuildStepOptions {
  cwd: string
  servicePath: string
  buildArgs: string[]
  /** Where the OCI layout is written (replaced on every run). */
  ociLayout: string
  env: NodeJS.ProcessEnv
}

/** build-image's core: the service into an OCI layout, nothing pushed yet. */
export function buildStep(options: BuildStepOptions, ports: ImageStepPorts): DeliveryStep {
  return {
    name: 'build',
    async run(state) {
      // The scan gate requires org.opencontainers.image.source; build-image takes it from
      // GitHub's environment or an origin remote with a web address, and a local clone may
      // have neither (no origin, or one that is a path on disk).
      const origin = await ports.runner
        .run('git', ['remote', 'get-url', 'origin'], { cwd: options.cwd })
        .catch(() => ({ exitCode: 1, stdout: '' }))
      const webOrigin = origin.exitCode === 0 && remoteToWebUrl(origin.stdout.trim())
      const labels =
        webOrigin || options.env.GITHUB_REPOSITORY
          ? []
          : [`org.opencontainers.image.source=file://${options.cwd}`]
      const progress = ports.buildProgress?.()
      const result = await buildImage(
        {
          context: options.servicePath,
          image: state.image,
          tags: [],
          engine: 'auto',
          buildArgs: options.buildArgs,
          secrets: [],
          cacheFrom: [],
          cacheTo: [],
          labels,
          output: options.ociLayout,
          noCache: false,
          push: false,
          tlsVerify: false,
          workspace: options.cwd,
          // deliver.yml's local mode does the same: chroot isolation needs no crun/runc.
          env: { BUILDAH_ISOLATION: 'chroot', ...options.env },
        },
        { ...ports, onBuilderOutput: progress?.output },
      ).finally(() => progress?.stop())
      state.ociLayout = result.ociLayout
      state.digest = result.digest
      state.tags = result.tags.map((reference) => reference.slice(reference.lastIndexOf(':') + 1))
      return { status: 'passed', detail: `${result.engine} built ${result.imageRef}` }
    },
  }
}

export interface ScanStepOptions {
  cwd: string
  failOn: Severity
}

/**
 * scan-image's core on the layout the build wrote. Without Trivy on this machine the
 * gate runs the image hardening checks only, and the detail says so.
 */
export function scanStep(options: ScanStepOptions, ports: ImageStepPorts): DeliveryStep {
  return {
    name: 'scan',
    async run(state) {
      if (!state.ociLayout) throw new Error('no OCI layout to scan')
      const trivy = await ports.runner
        .run('trivy', ['--version'])
        .then((result) => result.exitCode === 0)
        .catch(() => false)
      const result = await scanImage(
        {
          oci: state.ociLayout,
          reportAt: 'LOW',
          failOn: options.failOn,
          ignoreUnfixed: false,
          ignoreFile: join(options.cwd, defaultIgnoreFile),
          ignoreFileExplicit: false,
          skipCve: !trivy,
          tlsVerify: true,
          hardening: {
            sizeBudgetBytes: defaultSizeBudgetBytes,
            requiredLabels: defaultRequiredLabels,
          },
        },
        ports,
      )
      const failedChecks = result.hardening
        .filter((check) => !check.passed)
        .map((check) => check.id)
      const cve = trivy
        ? `CVE gate at ${options.failOn}`
        : 'CVE scan skipped (Trivy is not installed)'
      if (!result.passed) {
        return {
          status: 'failed',
          detail: `${result.failing} finding(s) fail the gate; ${cve}${failedChecks.length ? `; hardening: ${failedChecks.join(', ')}` : ''}`,
        }
      }
      return {
        status: 'passed',
        detail: `${result.hardening.length} hardening checks passed; ${cve}`,
      }
    },
  }
}

/** push-image's core: the scanned layout, byte for byte, to the loopback registry. */
export function pushStep(ports: ImageStepPorts): DeliveryStep {
  return {
    name: 'push',
    async run(state) {
      if (!state.ociLayout || !state.digest) throw new Error('no scanned OCI layout to push')
      const result = await pushImage(
        {
          ociLayout: state.ociLayout,
          image: state.image,
          tags: state.tags ?? [],
          tlsVerify: false,
          attempts: 3,
          retryDelayMs: 500,
        },
        ports,
      )
      if (result.digest !== state.digest) {
        return {
          status: 'failed',
          detail: `the registry holds ${result.digest} but the scan gate passed ${state.digest}`,
        }
      }
      state.imageRef = result.imageRef
      return { status: 'passed', detail: `pushed ${result.imageRef}` }
    },
  }
}
