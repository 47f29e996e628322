import { join } from 'node:path'
import { resolveLocalArgocdTarget } from '../../../actions/lib/cluster/argocd-target'
import type { DeliveryStepStatus } from '../../../actions/lib/delivery/delivery-pipeline'
import {
  defaultLocalStateDir,
  deliverLocally,
  type LocalDeliveryResult,
  localDeliveryDefaults,
  referenceImageRepository,
} from '../../../actions/lib/delivery/local-delivery'
import { ExitCode, UsageError } from '../../../actions/lib/errors'
import { type Logger, spawnRunner, systemClock } from '../../../actions/lib/ports'
import { listFlag, oneOf, parseFlags, stringFlag } from '../args'
import type { Command } from '../command'

const d = localDeliveryDefaults

export const deliverCommand: Command = {
  name: 'deliver',
  summary:
    'Run the golden path on this machine (--local): test, build, scan, push, validate, bump, verify',
  usage: `Usage: golden-path deliver --local [flags]

Runs deliver.yml's steps on this machine: starts a registry on loopback, seeds a
GitOps repository on disk from manifests/ on first use, then tests, builds, scans,
pushes, validates the overlay, bumps the image in the GitOps repository and
verifies Argo CD (or says plainly that verification was skipped). In CI use the
reusable workflow .github/workflows/deliver.yml.

Flags:
  --local                   required: deliver on this machine
  --service DIR             service directory (default ${d.servicePath})
  --test-script NAME        npm script run after npm ci (default ${d.testScript})
  --build-arg K=V           build argument, repeatable (e.g. the base images where nothing can be pulled)
  --scan-fail-on SEVERITY   LOW, MEDIUM, HIGH or CRITICAL: lowest CVE severity that fails the gate (default ${d.scanFailOn})
  --registry HOST:PORT      loopback registry, started when nothing answers there (default ${d.registry})
  --image-name PATH         image repository inside the registry (default ${d.imageName})
  --state-dir DIR           registry storage and GitOps repository (default $GOLDEN_PATH_LOCAL_DIR or <tmp>/golden-path-local)
  --gitops-repo PATH        bare GitOps repository (default <state-dir>/gitops.git, seeded from --seed-manifests)
  --seed-manifests DIR      manifests copied into a new GitOps repository (default ${d.seedManifests})
  --gitops-branch NAME      branch Argo CD follows (default ${d.gitopsBranch})
  --gitops-path DIR         overlay to validate and bump (default ${d.gitopsPath})
  --environment NAME        environment named in the bump commit (default ${d.environment})
  --argocd-server URL       Argo CD API server to verify against; without it, the local cluster's
                            (golden-path cluster up) when one runs, else verify is skipped, with a notice
  --no-cluster              do not use a running local cluster: without --argocd-server verify is skipped
  --argocd-app NAME         Argo CD Application of the overlay
  --argocd-token TOKEN      Argo CD API token (default $ARGOCD_AUTH_TOKEN)
  --argocd-insecure         accept a self-signed Argo CD certificate
  --verify-timeout SECONDS  how long to wait for Synced and Healthy at the bump commit (default 300)
  --output text|json        report format (default text)

Exit codes: 0 delivered, 1 a step failed, 2 usage or set-up error.`,
  async run(args, io) {
    const { values } = parseFlags('deliver', args, {
      local: { type: 'boolean' },
      service: { type: 'string' },
      'test-script': { type: 'string' },
      'build-arg': { type: 'string', multiple: true },
      'scan-fail-on': { type: 'string' },
      registry: { type: 'string' },
      'image-name': { type: 'string' },
      'state-dir': { type: 'string' },
      'gitops-repo': { type: 'string' },
      'seed-manifests': { type: 'string' },
      'gitops-branch': { type: 'string' },
      'gitops-path': { type: 'string' },
      environment: { type: 'string' },
      'argocd-server': { type: 'string' },
      'argocd-app': { type: 'string' },
      'argocd-token': { type: 'string' },
      'argocd-insecure': { type: 'boolean' },
      'verify-timeout': { type: 'string' },
      'no-cluster': { type: 'boolean' },
      output: { type: 'string' },
    })
    if (values.local !== true) {
      throw new UsageError(
        'only --local is supported here; in CI call the reusable workflow .github/workflows/deliver.yml',
      )
    }
    const output = oneOf('output', stringFlag(values, 'output'), ['text', 'json'], 'text')
    const flag = (name: string, fallback: string) => stringFlag(values, name) ?? fallback
    const logger: Logger = {
      debug() {},
      info: (message) => output === 'text' && io.stderr.write(`deliver: ${message}\n`),
      warning: (message) => io.stderr.write(`deliver: warning: ${message}\n`),
      error: (message) => io.stderr.write(`deliver: ${message}\n`),
    }
    let result: LocalDeliveryResult
    try {
      const argocd = await localArgocdTarget(values, io.cwd, io.env, logger)
      result = await deliverLocally(
        {
          cwd: io.cwd,
          stateDir: flag('state-dir', defaultLocalStateDir(io.env)),
          registry: flag('registry', d.registry),
          imageName: flag('image-name', d.imageName),
          servicePath: flag('service', d.servicePath),
          testScript: flag('test-script', d.testScript),
          buildArgs: listFlag(values, 'build-arg'),
          scanFailOn: oneOf(
            'scan-fail-on',
            stringFlag(values, 'scan-fail-on'),
            ['LOW', 'MEDIUM', 'HIGH', 'CRITICAL'],
            d.scanFailOn,
          ),
          seedManifests: flag('seed-manifests', d.seedManifests),
          gitopsRepository: stringFlag(values, 'gitops-repo'),
          gitopsBranch: flag('gitops-branch', d.gitopsBranch),
          gitopsPath: flag('gitops-path', d.gitopsPath),
          environment: flag('environment', d.environment),
          argocdServer: stringFlag(values, 'argocd-server') ?? argocd?.server,
          argocdApp: stringFlag(values, 'argocd-app') ?? argocd?.app,
          argocdToken: stringFlag(values, 'argocd-token') ?? argocd?.token,
          argocdInsecure: values['argocd-insecure'] === true,
          verifyTimeoutSeconds: stringFlag(values, 'verify-timeout'),
        },
        { runner: spawnRunner, clock: systemClock, logger, env: io.env },
      )
    } catch (error) {
      // Set-up that could not happen (registry, GitOps repository) is an input or I/O error.
      throw new UsageError(error instanceof Error ? error.message : String(error))
    }
    io.stdout.write(output === 'json' ? `${JSON.stringify(result)}\n` : renderText(result))
    return result.report.ok ? ExitCode.Success : ExitCode.Failed
  },
}

/**
 * The local cluster's Argo CD (with the overlay's Application applied to it) when no
 * --argocd-server was given, --no-cluster was not, and `golden-path cluster up` runs.
 */
async function localArgocdTarget(
  values: Record<string, unknown>,
  cwd: string,
  env: NodeJS.ProcessEnv,
  logger: Logger,
) {
  const flags = values as Parameters<typeof stringFlag>[0]
  if (values['no-cluster'] === true || stringFlag(flags, 'argocd-server')) return undefined
  const stateDir = stringFlag(flags, 'state-dir') ?? defaultLocalStateDir(env)
  const registry = stringFlag(flags, 'registry') ?? d.registry
  const target = await resolveLocalArgocdTarget({
    stateDir,
    cwd,
    argocdDir: 'argocd',
    gitopsRepository: stringFlag(flags, 'gitops-repo') ?? join(stateDir, 'gitops.git'),
    branch: stringFlag(flags, 'gitops-branch') ?? d.gitopsBranch,
    gitopsPath: stringFlag(flags, 'gitops-path') ?? d.gitopsPath,
    seedManifests: stringFlag(flags, 'seed-manifests') ?? d.seedManifests,
    imageRepository: {
      from: referenceImageRepository,
      to: `${registry}/${stringFlag(flags, 'image-name') ?? d.imageName}`,
    },
    app: stringFlag(flags, 'argocd-app'),
    runner: spawnRunner,
  })
  if (target)
    logger.info(
      `verifying against the local cluster's Argo CD at ${target.server} (app ${target.app})`,
    )
  return target
}

const marks: Record<DeliveryStepStatus, string> = {
  passed: 'ok  ',
  failed: 'FAIL',
  skipped: 'SKIP',
  'not-run': '--  ',
}

function renderText(result: LocalDeliveryResult): string {
  const { report, registry, gitops } = result
  const lines = [
    `registry  ${registry.address} (${registry.started ? 'started for this run' : 'already running'}; storage ${registry.storageDir})`,
    `gitops    ${gitops.path} branch ${gitops.branch}, overlay ${gitops.overlay}${gitops.seeded ? ' (seeded from manifests/)' : ''}`,
    '',
    ...report.steps.map(
      (step) =>
        `${marks[step.status]}  ${step.name.padEnd(8)} ${step.detail}${step.durationMs > 0 ? ` (${(step.durationMs / 1000).toFixed(1)}s)` : ''}`,
    ),
  ]
  const skipped = report.steps.filter((step) => step.status === 'skipped')
  for (const step of skipped) lines.push('', `NOTICE: ${step.name} was skipped: ${step.detail}`)
  const failed = report.steps.find((step) => step.status === 'failed')
  lines.push('', failed ? `delivery failed at ${failed.name}` : 'delivered')
  return `${lines.join('\n')}\n`
}
