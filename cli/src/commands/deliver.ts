import { join, resolve } from 'node:path'
import {
  createBuildProgress,
  heartbeatMsFrom,
  intervalScheduler,
  useColor,
} from '../../../actions/lib/build/build-progress'
import { resolveLocalArgocdTarget } from '../../../actions/lib/cluster/argocd-target'
import type { DeliveryStepStatus } from '../../../actions/lib/delivery/delivery-pipeline'
import {
  defaultLocalStateDir,
  deliverLocally,
  type LocalDeliveryResult,
  localDeliveryDefaults,
  referenceImageRepository,
} from '../../../actions/lib/delivery/local-delivery'
import { planTestCommand } from '../../../actions/lib/delivery/test-step'
import { ExitCode, UsageError } from '../../../actions/lib/errors'
import { type Logger, spawnRunner, systemClock } from '../../../actions/lib/ports'
import { listFlag, oneOf, parseFlags, stringFlag } from '../args'
import type { Command } from '../command'

const d = localDeliveryDefaults

export const deliverCommand: Command = {
  name: 'deliver',
  summary:
    'Run the golden path on this machine (--local): test, build, scan, push, sign, validate, verify-image, bump, verify',
  usage: `Usage: golden-path deliver --local [flags]

Runs deliver.yml's steps on this machine: starts a registry on loopback, seeds a
GitOps repository on disk from manifests/ on first use, then tests, builds, scans,
pushes, signs and attests the digest with a key made once in the state directory,
validates the overlay, verifies the signature, bumps the image in the GitOps repository and
verifies Argo CD (or says plainly that verification was skipped). In CI use the
reusable workflow .github/workflows/deliver.yml.

Flags:
  --local                   required: deliver on this machine
  --service DIR             service directory (default ${d.servicePath})
  --test-command CMD        the service's tests, run with sh -c in --service; without it they are
                            detected: package.json npm ci && npm test, go.mod go test ./...,
                            pyproject.toml/requirements.txt python -m pytest, pom.xml mvn -B verify,
                            build.gradle(.kts) ./gradlew test, Cargo.toml cargo test
  --test-script NAME        npm services: the script run after npm ci (default ${d.testScript})
  --print-test-command      print the test command for --service and exit
  --build-arg K=V           build argument, repeatable (e.g. the base images where nothing can be pulled)
  --scan-fail-on SEVERITY   LOW, MEDIUM, HIGH or CRITICAL: lowest CVE severity that fails the gate (default ${d.scanFailOn})
  --registry HOST:PORT      loopback registry, started when nothing answers there (default ${d.registry})
  --image-name PATH         image repository inside the registry (default ${d.imageName})
  --state-dir DIR           registry storage and GitOps repository (default $GOLDEN_PATH_LOCAL_DIR or <tmp>/golden-path-local)
  --gitops-repo PATH        bare GitOps repository (default <state-dir>/gitops.git, seeded from --seed-manifests)
  --seed-manifests DIR      manifests copied into a new GitOps repository (default ${d.seedManifests})
  --gitops-branch NAME      branch Argo CD follows (default ${d.gitopsBranch})
  --gitops-path DIR         overlay to validate and bump (default ${d.gitopsPath})
  --overlay-image NAME      the overlay's images: entry (name or newName) that is this image; needed
                            only when it has several and none ends in --image-name
  --add                     append that images: entry when the overlay has none
  --environment NAME        environment named in the bump commit (default ${d.environment})
  --argocd-server URL       Argo CD API server to verify against; without it, the local cluster's
                            (golden-path cluster up) when one runs, else verify is skipped, with a notice
  --no-cluster              do not use a running local cluster: without --argocd-server verify is skipped
  --argocd-app NAME         Argo CD Application of the overlay
  --argocd-token TOKEN      Argo CD API token (default $ARGOCD_AUTH_TOKEN)
  --argocd-insecure         accept a self-signed Argo CD certificate
  --verify-timeout SECONDS  how long to wait for Synced and Healthy at the bump commit (default 300)
  --rollback-on-failure     when verify fails, put the last healthy image back and verify that
  --output text|json        report format (default text)

Before anything is built, deliver checks that the delivery can complete: how the
service is tested, that the overlay and its images: entry exist and that the
GitOps branch is writable. The bump points that entry's newName at the registry
the image was pushed to and pins the build's sha-<7> tag and digest.

Exit codes: 0 delivered, 1 a step failed, 2 usage or set-up error (nothing built).`,
  async run(args, io) {
    const { values } = parseFlags('deliver', args, {
      local: { type: 'boolean' },
      service: { type: 'string' },
      'test-command': { type: 'string' },
      'test-script': { type: 'string' },
      'print-test-command': { type: 'boolean' },
      'build-arg': { type: 'string', multiple: true },
      'scan-fail-on': { type: 'string' },
      registry: { type: 'string' },
      'image-name': { type: 'string' },
      'state-dir': { type: 'string' },
      'gitops-repo': { type: 'string' },
      'seed-manifests': { type: 'string' },
      'gitops-branch': { type: 'string' },
      'gitops-path': { type: 'string' },
      'overlay-image': { type: 'string' },
      add: { type: 'boolean' },
      environment: { type: 'string' },
      'argocd-server': { type: 'string' },
      'argocd-app': { type: 'string' },
      'argocd-token': { type: 'string' },
      'argocd-insecure': { type: 'boolean' },
      'verify-timeout': { type: 'string' },
      'rollback-on-failure': { type: 'boolean' },
      'no-cluster': { type: 'boolean' },
      output: { type: 'string' },
    })
    const testCommand = stringFlag(values, 'test-command')
    if (testCommand !== undefined && stringFlag(values, 'test-script') !== undefined) {
      throw new UsageError(
        '--test-script and --test-command exclude each other: --test-command runs any command',
      )
    }
    if (testCommand !== undefined && testCommand.trim() === '') {
      throw new UsageError('--test-command is empty: give the command that runs the tests')
    }
    if (values['print-test-command'] === true) {
      const service = stringFlag(values, 'service') ?? d.servicePath
      const test = planTestCommand({
        servicePath: resolve(io.cwd, service),
        displayPath: service,
        explicit: testCommand,
        npmScript: stringFlag(values, 'test-script'),
      })
      io.stdout.write(`${test.command}\n`)
      return ExitCode.Success
    }
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
    const tty = io.stderrIsTTY === true
    // The build is the long step: its progress shows, as golden-path build shows it.
    const buildProgress = () =>
      createBuildProgress({
        tty,
        color: useColor(tty, io.env),
        write: (line) => io.stderr.write(`deliver: build: ${line}\n`),
        scheduler: intervalScheduler,
        heartbeatMs: heartbeatMsFrom(io.env),
      })
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
          testCommand,
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
          overlayImage: stringFlag(values, 'overlay-image'),
          add: values.add === true,
          environment: flag('environment', d.environment),
          argocdServer: stringFlag(values, 'argocd-server') ?? argocd?.server,
          argocdReportsImages: argocd?.listsImages ?? true,
          argocdApp: stringFlag(values, 'argocd-app') ?? argocd?.app,
          argocdToken: stringFlag(values, 'argocd-token') ?? argocd?.token,
          argocdInsecure: values['argocd-insecure'] === true,
          verifyTimeoutSeconds: stringFlag(values, 'verify-timeout'),
          rollbackOnFailure: values['rollback-on-failure'] === true,
        },
        {
          runner: spawnRunner,
          clock: systemClock,
          logger,
          env: io.env,
          buildProgress,
        },
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
  if (target && !target.listsImages)
    logger.warning(
      `AppProject '${target.project}' does not admit ReplicaSets and Pods, so Argo CD lists no images for '${target.app}': verify checks the exact revision without the image (add {group: apps, kind: ReplicaSet} and {group: "", kind: Pod} to its namespaceResourceWhitelist)`,
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
    `image     ${report.state.image}, bumped as images[${gitops.target.name}] in ${gitops.target.file}${gitops.target.adding ? ' (entry added)' : ''}`,
    '',
    ...report.steps.map(
      (step) =>
        `${marks[step.status]}  ${step.name.padEnd(8)} ${step.detail}${step.durationMs > 0 ? ` (${(step.durationMs / 1000).toFixed(1)}s)` : ''}`,
    ),
  ]
  const skipped = report.steps.filter((step) => step.status === 'skipped')
  for (const step of skipped) lines.push('', `NOTICE: ${step.name} was skipped: ${step.detail}`)
  const failed = report.steps.find((step) => step.status === 'failed')
  lines.push(...recordLines(result))
  lines.push('', failed ? `delivery failed at ${failed.name}` : 'delivered')
  return `${lines.join('\n')}\n`
}

/** What the delivery left in the GitOps repository's records, and the rollback if one ran. */
function recordLines({ records }: LocalDeliveryResult): string[] {
  if (!records) return []
  const lines = [
    '',
    records.record
      ? `record    ${records.rollback?.commit ? 'rolled-back' : records.record.outcome} on ${records.record.gitops.commit.slice(0, 12)} (refs/notes/golden-path)`
      : `record    ${records.note}`,
  ]
  const rollback = records.rollback
  if (rollback) {
    const verdict =
      rollback.verified === null
        ? 'not verified'
        : rollback.verified
          ? 'verified Synced and Healthy'
          : 'verification FAILED'
    lines.push(
      `rollback  ${rollback.commit ? `${rollback.from} → ${rollback.restoredDigest} at ${rollback.commit.slice(0, 12)}, ${verdict}` : 'FAILED'}: ${rollback.detail}`,
    )
  }
  return lines
}
