import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import type { BuildProgress } from '../build/build-progress'
import type { Clock, CommandRunner, Logger } from '../ports'
import {
  type DeliveryRecording,
  recordDelivery,
  verifyWithStep,
} from '../records/delivery-recording'
import type { Severity } from '../scan/severity'
import { type DeliveryReport, type DeliveryStep, runDelivery } from './delivery-pipeline'
import { type GitOpsBumpTarget, preflightGitOps } from './gitops-preflight'
import { ensureGitOpsRepository, type GitOpsRepository } from './gitops-repository'
import { bumpStep, validateStep } from './gitops-steps'
import { buildStep, pushStep, scanStep } from './image-steps'
import { localSupplyChain } from './local-supply-chain'
import { assertLoopbackAddress, startLoopbackRegistry } from './loopback-registry'
import { signStep, verifyImageStep } from './supply-chain-steps'
import type { TestCommand } from './test-command'
import { planTestCommand, testStep } from './test-step'
import { verifySkippedStep } from './verify-skipped-step'
import { verifyStep } from './verify-step'

/** Where local delivery keeps its registry storage and GitOps repository unless told otherwise. */
export function defaultLocalStateDir(env: NodeJS.ProcessEnv): string {
  return env.GOLDEN_PATH_LOCAL_DIR || join(tmpdir(), 'golden-path-local')
}

/**
 * The image repository manifests/ names. Local delivery itself needs no renaming (its bump
 * writes newName), but a GitOps repository seeded for deliver.yml's local mode does.
 */
export const referenceImageRepository = 'ghcr.io/example-org/golden-path-reference-service'

export const localDeliveryDefaults = {
  registry: '127.0.0.1:5050',
  imageName: 'example-org/golden-path-reference-service',
  servicePath: 'service',
  testScript: 'test',
  seedManifests: 'manifests',
  gitopsBranch: 'main',
  gitopsPath: 'manifests/overlays/dev',
  environment: 'dev',
  scanFailOn: 'HIGH',
} as const

export interface LocalDeliveryOptions {
  /** Base directory for relative paths (the CLI's working directory). */
  cwd: string
  stateDir: string
  registry: string
  imageName: string
  servicePath: string
  /** Run with `sh -c` in the service directory; detected from its files when absent. */
  testCommand?: string
  /** npm script for a package.json service (default `test`). */
  testScript?: string
  /** KEY=VALUE build arguments (the stand-in base images where nothing can be pulled). */
  buildArgs: string[]
  scanFailOn: Severity
  seedManifests: string
  /** Bare repository path; default <stateDir>/gitops.git. */
  gitopsRepository?: string
  gitopsBranch: string
  gitopsPath: string
  /** The overlay's images: entry to bump (name or newName); found when the overlay has one. */
  overlayImage?: string
  /** Append the images: entry when the overlay has none naming the image. */
  add?: boolean
  environment: string
  argocdServer?: string
  /** False when the app's AppProject hides its Pods, so Argo CD lists no running images (see verify-step). */
  argocdReportsImages?: boolean
  argocdApp?: string
  /** Falls back to ARGOCD_AUTH_TOKEN. */
  argocdToken?: string
  argocdInsecure?: boolean
  verifyTimeoutSeconds?: string
  /** When verify fails: put the last healthy image back and verify that (default false). */
  rollbackOnFailure?: boolean
}

export interface LocalDeliveryResult {
  report: DeliveryReport
  registry: { address: string; started: boolean; storageDir: string }
  gitops: GitOpsRepository & { overlay: string; target: GitOpsBumpTarget }
  test: TestCommand
  /** The delivery record written to the GitOps repository, and the rollback if one ran. */
  records?: DeliveryRecording
}

export interface LocalDeliveryPorts {
  runner: CommandRunner
  clock: Clock
  logger: Logger
  env: NodeJS.ProcessEnv
  /** Progress shown while the image builds, started per build. */
  buildProgress?: () => BuildProgress
}

/**
 * deliver.yml's steps on this machine: a GitOps repository on disk (seeded from
 * manifests/ on first use), a preflight that everything the delivery needs is there
 * (how to test the service, the overlay and its images: entry, a writable branch)
 * before anything is built, a registry on loopback (started here), then the steps in
 * deliver.yml's order, and the registry stopped again at the end.
 */
export async function deliverLocally(
  options: LocalDeliveryOptions,
  ports: LocalDeliveryPorts,
): Promise<LocalDeliveryResult> {
  const verify = options.argocdServer
    ? verifyStep(
        {
          server: options.argocdServer,
          app: options.argocdApp,
          token: options.argocdToken,
          insecure: options.argocdInsecure ?? false,
          timeoutSeconds: options.verifyTimeoutSeconds,
          reportsImages: options.argocdReportsImages,
        },
        ports.env,
        ports,
      )
    : verifySkippedStep()
  assertLoopbackAddress(options.registry)
  const servicePath = resolve(options.cwd, options.servicePath)
  const test = planTestCommand({
    servicePath,
    displayPath: options.servicePath,
    explicit: options.testCommand,
    npmScript: options.testScript,
  })
  const gitops = await ensureGitOpsRepository({
    path: resolve(options.cwd, options.gitopsRepository ?? join(options.stateDir, 'gitops.git')),
    branch: options.gitopsBranch,
    seedManifests: resolve(options.cwd, options.seedManifests),
    git: ports.runner,
  })
  const target = await preflightGitOps(
    {
      repository: gitops.path,
      branch: gitops.branch,
      overlay: options.gitopsPath,
      overlayImage: options.overlayImage,
      imageName: options.imageName,
      add: options.add ?? false,
    },
    ports.runner,
  )
  const storageDir = join(options.stateDir, 'registry')
  const registry = await startLoopbackRegistry({
    address: options.registry,
    storageDir,
    clock: ports.clock,
  })
  const image = `${registry.address}/${options.imageName}`
  try {
    const head = await ports.runner.run('git', ['rev-parse', 'HEAD'], { cwd: options.cwd })
    const gitopsOptions = {
      repository: gitops.path,
      branch: gitops.branch,
      overlay: options.gitopsPath,
      environment: options.environment,
      app: options.argocdApp,
      sourceCommit: head.exitCode === 0 ? head.stdout.trim() : undefined,
    }
    const supplyChain = localSupplyChain(options, gitopsOptions.sourceCommit, ports.env)
    const steps: DeliveryStep[] = [
      testStep({ servicePath, test, runner: ports.runner, env: ports.env }),
      buildStep(
        {
          cwd: options.cwd,
          servicePath,
          buildArgs: options.buildArgs,
          ociLayout: join(options.stateDir, 'oci'),
          env: ports.env,
        },
        ports,
      ),
      scanStep({ cwd: options.cwd, failOn: options.scanFailOn }, ports),
      pushStep(ports),
      signStep(supplyChain, ports),
      validateStep(gitopsOptions, ports),
      verifyImageStep(supplyChain, ports),
      bumpStep({ ...gitopsOptions, target }, ports),
      verify,
    ]
    const startedAt = ports.clock.now()
    const report = await runDelivery(steps, { image }, ports)
    const records = await recordDelivery(
      report,
      {
        ...gitopsOptions,
        startedAt,
        sourceDirectory: options.cwd,
        rollbackOnFailure: options.rollbackOnFailure ?? false,
        verifyCommit: options.argocdServer ? verifyWithStep(verify, image) : undefined,
      },
      ports,
    )
    return {
      report,
      records,
      registry: { address: registry.address, started: registry.started, storageDir },
      gitops: { ...gitops, overlay: options.gitopsPath, target },
      test,
    }
  } finally {
    await registry.stop()
  }
}
