import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import type { Clock, CommandRunner, Logger } from '../ports'
import type { Severity } from '../scan/severity'
import { type DeliveryReport, type DeliveryStep, runDelivery } from './delivery-pipeline'
import { ensureGitOpsRepository, type GitOpsRepository } from './gitops-repository'
import { bumpStep, validateStep } from './gitops-steps'
import { buildStep, pushStep, scanStep } from './image-steps'
import { localSupplyChain } from './local-supply-chain'
import { startLoopbackRegistry } from './loopback-registry'
import { signStep, verifyImageStep } from './supply-chain-steps'
import { testStep } from './test-step'
import { verifySkippedStep } from './verify-skipped-step'
import { verifyStep } from './verify-step'

/** Where local delivery keeps its registry storage and GitOps repository unless told otherwise. */
export function defaultLocalStateDir(env: NodeJS.ProcessEnv): string {
  return env.GOLDEN_PATH_LOCAL_DIR || join(tmpdir(), 'golden-path-local')
}

/** The image repository manifests/ names; a seeded local GitOps repository names the local registry's instead. */
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
  testScript: string
  /** KEY=VALUE build arguments (the stand-in base images where nothing can be pulled). */
  buildArgs: string[]
  scanFailOn: Severity
  seedManifests: string
  /** Bare repository path; default <stateDir>/gitops.git. */
  gitopsRepository?: string
  gitopsBranch: string
  gitopsPath: string
  environment: string
  argocdServer?: string
  argocdApp?: string
  /** Falls back to ARGOCD_AUTH_TOKEN. */
  argocdToken?: string
  argocdInsecure?: boolean
  verifyTimeoutSeconds?: string
}

export interface LocalDeliveryResult {
  report: DeliveryReport
  registry: { address: string; started: boolean; storageDir: string }
  gitops: GitOpsRepository & { overlay: string }
}

export interface LocalDeliveryPorts {
  runner: CommandRunner
  clock: Clock
  logger: Logger
  env: NodeJS.ProcessEnv
}

/**
 * deliver.yml's steps on this machine: a registry on loopback (started here),
 * a GitOps repository on disk (seeded from manifests/ on first use), then the
 * steps in deliver.yml's order, and the registry stopped again at the end.
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
        },
        ports.env,
        ports,
      )
    : verifySkippedStep()
  const storageDir = join(options.stateDir, 'registry')
  const registry = await startLoopbackRegistry({
    address: options.registry,
    storageDir,
    clock: ports.clock,
  })
  const image = `${registry.address}/${options.imageName}`
  try {
    const gitops = await ensureGitOpsRepository({
      path: resolve(options.cwd, options.gitopsRepository ?? join(options.stateDir, 'gitops.git')),
      branch: options.gitopsBranch,
      seedManifests: resolve(options.cwd, options.seedManifests),
      git: ports.runner,
      imageRepository: { from: referenceImageRepository, to: image },
    })
    const head = await ports.runner.run('git', ['rev-parse', 'HEAD'], { cwd: options.cwd })
    const gitopsOptions = {
      repository: gitops.path,
      branch: gitops.branch,
      overlay: options.gitopsPath,
      environment: options.environment,
      app: options.argocdApp,
      sourceCommit: head.exitCode === 0 ? head.stdout.trim() : undefined,
    }
    const servicePath = resolve(options.cwd, options.servicePath)
    const supplyChain = localSupplyChain(options, gitopsOptions.sourceCommit, ports.env)
    const steps: DeliveryStep[] = [
      testStep({ servicePath, script: options.testScript, runner: ports.runner }),
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
      bumpStep(gitopsOptions, ports),
      verify,
    ]
    const report = await runDelivery(steps, { image }, ports)
    return {
      report,
      registry: { address: registry.address, started: registry.started, storageDir },
      gitops: { ...gitops, overlay: options.gitopsPath },
    }
  } finally {
    await registry.stop()
  }
}
