import { randomBytes } from 'node:crypto'
import { existsSync } from 'node:fs'
import { mkdir, readFile, rm, rmdir, writeFile } from 'node:fs/promises'
import { dirname, join } from 'node:path'
import type { Clock, CommandRunner, Logger } from '../ports'
import {
  argocdConfigObjects,
  argocdNamespace,
  defaultAppProject,
  fakeNode,
  fakeNodeName,
  kwokStageFiles,
  localAccount,
} from './argocd-config'
import {
  type ClusterDetails,
  type ClusterPorts,
  clusterFile,
  processesFile,
  readClusterDetails,
  readRecordedProcesses,
  writeJsonAtomic,
} from './cluster-state'
import { type ControlPlaneBuild, ensureControlPlaneBuilt } from './control-plane-build'
import {
  acceptsConnections,
  freeLoopbackPort,
  type LoopbackRequest,
  loopbackRequest,
} from './loopback'
import { type ClusterPki, generateClusterPki } from './pki'
import {
  isRunning,
  lastLogLine,
  type RecordedProcess,
  startDetached,
  stopProcesses,
} from './supervised-process'

export interface ClusterPortsIn {
  runner: CommandRunner
  clock: Clock
  logger: Logger
}

export interface ClusterUpOptions {
  stateDir: string
  /** scripts/control-plane/build.sh of this checkout. */
  buildScript: string
  env: NodeJS.ProcessEnv
  /** Seconds between the controller's own resyncs (verify asks for a refresh anyway). */
  reconciliationSeconds?: number
}

export interface ClusterUpResult {
  details: ClusterDetails
  /** True when `up` found the cluster already running and started nothing. */
  alreadyRunning: boolean
  build: { cached: boolean; seconds: Record<string, number> }
  /** Seconds each component took to start and become ready, in start order. */
  startSeconds: Record<string, number>
  totalSeconds: number
}

export type ClusterState = 'running' | 'stopped' | 'partial'

export interface ClusterStatus {
  state: ClusterState
  stateDir: string
  components: { name: string; pid: number; running: boolean; log: string }[]
  details?: ClusterDetails
}

/** Files and folders a cluster creates in its state directory; `down` removes exactly these. */
const stateEntries = [
  'pki',
  'etcd',
  'logs',
  'tmp',
  'redis',
  'config',
  'kubeconfig',
  clusterFile,
  processesFile,
]

const readyTimeoutMs = 120_000

/** What `status` sees in a state directory: every recorded process, and whether each still runs. */
export async function clusterStatus(stateDir: string): Promise<ClusterStatus> {
  const processes = await readRecordedProcesses(stateDir)
  const components = processes.map((recorded) => ({
    name: recorded.name,
    pid: recorded.pid,
    running: isRunning(recorded),
    log: recorded.log,
  }))
  const details = await readClusterDetails(stateDir)
  const running = components.filter((component) => component.running).length
  const state: ClusterState =
    components.length > 0 && running === components.length && details
      ? 'running'
      : running === 0
        ? 'stopped'
        : 'partial'
  return { state, stateDir, components, details }
}

/** Stops every process the cluster in `stateDir` started (by recorded PID) and removes its state; caches stay. */
export async function clusterDown(
  stateDir: string,
  ports: Pick<ClusterPortsIn, 'clock' | 'logger'>,
): Promise<{ stopped: string[] }> {
  const processes = await readRecordedProcesses(stateDir)
  const running = processes.filter(isRunning)
  // Argo CD first, etcd last: nothing is left writing to a store that is gone.
  await stopProcesses([...running].reverse(), 10_000, (ms) => ports.clock.sleep(ms))
  for (const entry of stateEntries)
    await rm(join(stateDir, entry), { recursive: true, force: true })
  await rmdir(stateDir).catch(() => {})
  return { stopped: running.map((recorded) => recorded.name) }
}

/**
 * Brings up etcd, the Kubernetes control plane, kwok's fake node and Argo CD on loopback,
 * building the binaries first when they are not cached. Returns the running cluster's
 * details when it is already up.
 */
export async function clusterUp(
  options: ClusterUpOptions,
  ports: ClusterPortsIn,
): Promise<ClusterUpResult> {
  const { logger, clock } = ports
  const started = clock.now()
  const status = await clusterStatus(options.stateDir)
  if (status.state === 'running' && status.details) {
    const answered = await loopbackRequest(`${status.details.argocd.server}/api/v1/applications`, {
      headers: { authorization: `Bearer ${status.details.argocd.token}` },
    })
    if (answered.status === 200) {
      return {
        details: status.details,
        alreadyRunning: true,
        build: { cached: true, seconds: {} },
        startSeconds: {},
        totalSeconds: seconds(clock.now() - started),
      }
    }
  }
  if (status.state !== 'stopped' || status.components.length > 0) {
    const down = status.components
      .filter((component) => !component.running)
      .map((component) => component.name)
    logger.warning(
      `the cluster in ${options.stateDir} was not healthy (${down.length > 0 ? `${down.join(', ')} not running` : 'Argo CD not answering'}): stopping what is left and starting afresh`,
    )
    await clusterDown(options.stateDir, ports)
  }

  const build = await ensureControlPlaneBuilt(options.buildScript, options.env, logger)
  const startSeconds: Record<string, number> = {}
  const session = new ClusterStart(options, ports, build)
  try {
    const details = await session.start(startSeconds)
    return {
      details,
      alreadyRunning: false,
      build: { cached: build.cached, seconds: build.buildSeconds },
      startSeconds,
      totalSeconds: seconds(clock.now() - started),
    }
  } catch (error) {
    await stopProcesses([...session.processes].reverse(), 5000, (ms) => clock.sleep(ms))
    throw error
  }
}

/** One start of the cluster: the processes it started so far, for the clean-up on failure. */
/** CRD files under the checkout's data/, with the name each defines. */
const platformCrds: readonly [string, string][] = [
  [
    'prometheus-operator/monitoring.coreos.com_servicemonitors.yaml',
    'servicemonitors.monitoring.coreos.com',
  ],
  [
    'prometheus-operator/monitoring.coreos.com_prometheusrules.yaml',
    'prometheusrules.monitoring.coreos.com',
  ],
  ['kyverno/kyverno.io_clusterpolicies.yaml', 'clusterpolicies.kyverno.io'],
]

/** kwok's Stage CRD (data/kwok): the stages are API objects the cluster's users can change. */
const kwokStageCrd = { file: 'kwok/kwok.x-k8s.io_stages.yaml', name: 'stages.kwok.x-k8s.io' }

class ClusterStart {
  readonly processes: RecordedProcess[] = []
  private readonly dir: string
  private readonly logs: string
  private pki!: ClusterPki
  private ports!: ClusterPorts
  private kubeconfig!: string

  constructor(
    private readonly options: ClusterUpOptions,
    private readonly io: ClusterPortsIn,
    private readonly build: ControlPlaneBuild,
  ) {
    this.dir = options.stateDir
    this.logs = join(options.stateDir, 'logs')
  }

  async start(startSeconds: Record<string, number>): Promise<ClusterDetails> {
    const { logger, clock } = this.io
    await mkdir(this.dir, { recursive: true, mode: 0o700 })
    for (const sub of ['logs', 'tmp', 'redis', 'config', 'etcd']) {
      await mkdir(join(this.dir, sub), { recursive: true, mode: 0o700 })
    }
    const step = async (name: string, action: () => Promise<void>) => {
      const begin = clock.now()
      await action()
      startSeconds[name] = seconds(clock.now() - begin)
      logger.info(`${name} ready in ${startSeconds[name].toFixed(1)} s`)
    }
    await step('certificates', async () => {
      this.ports = await allocatePorts()
      this.pki = await generateClusterPki(join(this.dir, 'pki'), this.io.runner)
      this.kubeconfig = join(this.dir, 'kubeconfig')
      await writeFile(this.kubeconfig, kubeconfigYaml(this.ports.kubeApiserver, this.pki), {
        mode: 0o600,
      })
    })
    await step('etcd', () => this.startEtcd())
    await step('kube-apiserver', () => this.startApiserver())
    await step('kube-controller-manager', () => this.startControllerManager())
    await step('kube-scheduler', () => this.startScheduler())
    await step('kwok', () => this.startKwok())
    let adminPassword = ''
    await step('argocd-config', async () => {
      adminPassword = await this.applyArgocdConfig()
    })
    await step('redis', () => this.startRedis())
    await step('argocd-repo-server', () => this.startArgocd('argocd-repo-server'))
    await step('argocd-application-controller', () =>
      this.startArgocd('argocd-application-controller'),
    )
    await step('argocd-server', () => this.startArgocd('argocd-server'))
    const server = `http://127.0.0.1:${this.ports.argocdServer}`
    let token = ''
    await step('argocd-token', async () => {
      token = await this.createAccountToken(server, adminPassword)
    })
    const details: ClusterDetails = {
      argocd: { server, token, account: localAccount },
      kubeconfig: this.kubeconfig,
      versions: { ...this.build.versions, redis: await this.redisVersion() },
      stateDir: this.dir,
      ports: this.ports,
      startedAt: new Date(clock.now()).toISOString(),
    }
    await writeJsonAtomic(join(this.dir, clusterFile), details)
    return details
  }

  private bin(name: string): string {
    return join(this.build.bin, name)
  }

  private async launch(
    name: string,
    executable: string,
    args: string[],
    env: NodeJS.ProcessEnv = {},
  ): Promise<RecordedProcess> {
    const recorded = startDetached(name, executable, args, {
      cwd: this.dir,
      env: {
        PATH: this.options.env.PATH,
        HOME: this.options.env.HOME,
        TMPDIR: join(this.dir, 'tmp'),
        ...env,
      },
      log: join(this.logs, `${name}.log`),
    })
    this.processes.push(recorded)
    await writeJsonAtomic(join(this.dir, processesFile), this.processes)
    return recorded
  }

  /** Polls `ready` until it holds; fails with the process's last log line when it exits or times out. */
  private async waitFor(
    recorded: RecordedProcess,
    what: string,
    ready: () => Promise<boolean>,
  ): Promise<void> {
    const deadline = this.io.clock.now() + readyTimeoutMs
    for (;;) {
      if (!isRunning(recorded)) {
        throw new Error(
          `${recorded.name} exited while starting: ${lastLogLine(recorded.log) || 'no output'} (log: ${recorded.log})`,
        )
      }
      if (await ready()) return
      if (this.io.clock.now() > deadline) {
        throw new Error(
          `${recorded.name} was not ${what} within ${readyTimeoutMs / 1000} s: ${lastLogLine(recorded.log)} (log: ${recorded.log})`,
        )
      }
      await this.io.clock.sleep(200)
    }
  }

  private async kube(path: string, request: LoopbackRequest = {}) {
    const tls = {
      ca: await readFile(this.pki.caCert, 'utf8'),
      cert: await readFile(this.pki.adminCert, 'utf8'),
      key: await readFile(this.pki.adminKey, 'utf8'),
    }
    return loopbackRequest(`https://127.0.0.1:${this.ports.kubeApiserver}${path}`, {
      ...request,
      tls,
    })
  }

  private async kubectlApply(args: string[], input?: string): Promise<void> {
    const result = await this.io.runner.run(
      'kubectl',
      ['--kubeconfig', this.kubeconfig, 'apply', '--server-side', '--force-conflicts', ...args],
      { input, timeoutMs: 60_000 },
    )
    if (result.exitCode !== 0) {
      throw new Error(`kubectl apply failed: ${result.stderr.trim().split('\n').pop() ?? ''}`)
    }
  }

  private async startEtcd(): Promise<void> {
    const { etcdClient, etcdPeer } = this.ports
    const client = `http://127.0.0.1:${etcdClient}`
    const peer = `http://127.0.0.1:${etcdPeer}`
    const etcd = await this.launch('etcd', this.bin('etcd'), [
      '--name=golden-path',
      `--data-dir=${join(this.dir, 'etcd')}`,
      `--listen-client-urls=${client}`,
      `--advertise-client-urls=${client}`,
      `--listen-peer-urls=${peer}`,
      `--initial-advertise-peer-urls=${peer}`,
      `--initial-cluster=golden-path=${peer}`,
      '--auto-compaction-retention=1',
      '--quota-backend-bytes=2147483648',
      '--log-level=warn',
    ])
    await this.waitFor(etcd, 'healthy', async () => {
      const answer = await loopbackRequest(`${client}/health`)
      return answer.status === 200 && answer.body.includes('true')
    })
  }

  private async startApiserver(): Promise<void> {
    const pki = this.pki
    const apiserver = await this.launch('kube-apiserver', this.bin('kube-apiserver'), [
      `--etcd-servers=http://127.0.0.1:${this.ports.etcdClient}`,
      '--bind-address=127.0.0.1',
      '--advertise-address=127.0.0.1',
      // Endpoints may not name a loopback address: the `kubernetes` Service is not reconciled.
      '--endpoint-reconciler-type=none',
      `--secure-port=${this.ports.kubeApiserver}`,
      `--tls-cert-file=${pki.servingCert}`,
      `--tls-private-key-file=${pki.servingKey}`,
      `--client-ca-file=${pki.caCert}`,
      `--service-account-key-file=${pki.serviceAccountPub}`,
      `--service-account-signing-key-file=${pki.serviceAccountKey}`,
      '--service-account-issuer=https://kubernetes.default.svc.cluster.local',
      '--service-cluster-ip-range=10.96.0.0/16',
      '--authorization-mode=RBAC',
      '--allow-privileged=true',
      '--enable-priority-and-fairness=false',
      '--v=0',
    ])
    await this.waitFor(apiserver, 'ready', async () => (await this.kube('/readyz')).status === 200)
  }

  private async startControllerManager(): Promise<void> {
    const manager = await this.launch(
      'kube-controller-manager',
      this.bin('kube-controller-manager'),
      [
        `--kubeconfig=${this.kubeconfig}`,
        '--bind-address=127.0.0.1',
        // No serving port at all: nothing here scrapes it.
        '--secure-port=0',
        '--leader-elect=false',
        `--root-ca-file=${this.pki.caCert}`,
        `--service-account-private-key-file=${this.pki.serviceAccountKey}`,
        '--use-service-account-credentials=false',
      ],
    )
    // Ready once it has created the default ServiceAccount the Deployments' pods need.
    await this.waitFor(
      manager,
      'running',
      async () =>
        (await this.kube('/api/v1/namespaces/default/serviceaccounts/default')).status === 200,
    )
  }

  private async startScheduler(): Promise<void> {
    const scheduler = await this.launch('kube-scheduler', this.bin('kube-scheduler'), [
      `--kubeconfig=${this.kubeconfig}`,
      `--authentication-kubeconfig=${this.kubeconfig}`,
      `--authorization-kubeconfig=${this.kubeconfig}`,
      '--bind-address=127.0.0.1',
      `--secure-port=${this.ports.kubeScheduler}`,
      '--leader-elect=false',
    ])
    await this.waitFor(scheduler, 'listening', () => acceptsConnections(this.ports.kubeScheduler))
  }

  private async startKwok(): Promise<void> {
    const stageDir = join(this.build.share, 'kwok-stage')
    const stages = await Promise.all(
      kwokStageFiles.map((file) => readFile(join(stageDir, file), 'utf8')),
    )
    const config = join(this.dir, 'config', 'kwok-stages.yaml')
    await writeFile(config, stages.map((stage) => stage.trim()).join('\n---\n'))
    // kwok reads its stages as Stage objects, not from a file: a Stage applied while the
    // cluster runs (kwok's chaos stages, or one that fails the pods of a given image) takes
    // effect at once, so a failed rollout and its rollback can be rehearsed here.
    // Without the CRD (a copy of the CLI without data/), kwok reads the same stages from the file.
    const stageCrd = join(this.dataDir(), kwokStageCrd.file)
    const liveStages = existsSync(stageCrd)
    if (liveStages) {
      await this.kubectlApply(['-f', stageCrd])
      await this.waitForCrds([kwokStageCrd.name])
      await this.kubectlApply(['-f', config])
    }
    const kwok = await this.launch('kwok', this.bin('kwok'), [
      `--kubeconfig=${this.kubeconfig}`,
      liveStages ? '--enable-crds=Stage' : `--config=${config}`,
      '--manage-all-nodes=false',
      '--manage-nodes-with-annotation-selector=kwok.x-k8s.io/node=fake',
      `--server-address=127.0.0.1:${this.ports.kwok}`,
      '--node-ip=127.0.0.1',
      `--node-port=${this.ports.kwok}`,
    ])
    await this.kubectlApply(['-f', '-'], JSON.stringify(fakeNode()))
    await this.waitFor(kwok, 'managing a Ready node', async () => {
      const answer = await this.kube(`/api/v1/nodes/${fakeNodeName}`)
      if (answer.status !== 200) return false
      const node = JSON.parse(answer.body) as {
        status?: { conditions?: { type: string; status: string }[] }
      }
      return (node.status?.conditions ?? []).some((c) => c.type === 'Ready' && c.status === 'True')
    })
  }

  /** The repository's data/ folder (CRDs the cluster installs), found from the build script's path. */
  private dataDir(): string {
    return join(dirname(dirname(dirname(this.options.buildScript))), 'data')
  }

  /** Waits until each CRD is Established. `kubectl wait --for=condition=Established` fails on a
   * fresh CRD with older kubectl: poll instead. */
  private async waitForCrds(names: readonly string[]): Promise<void> {
    const deadline = this.io.clock.now() + 60_000
    for (const name of names) {
      for (;;) {
        const answer = await this.kube(
          `/apis/apiextensions.k8s.io/v1/customresourcedefinitions/${name}`,
        )
        const crd =
          answer.status === 200
            ? (JSON.parse(answer.body) as {
                status?: { conditions?: { type: string; status: string }[] }
              })
            : {}
        if (
          (crd.status?.conditions ?? []).some(
            (c) => c.type === 'Established' && c.status === 'True',
          )
        )
          break
        if (this.io.clock.now() > deadline)
          throw new Error(`the CRD ${name} was not Established within 60 s`)
        await this.io.clock.sleep(200)
      }
    }
  }

  /** CRDs, config maps, secret and the default project; returns the generated admin password. */
  private async applyArgocdConfig(): Promise<string> {
    const crds = join(this.build.share, 'argocd', 'crds')
    for (const file of ['application-crd.yaml', 'appproject-crd.yaml']) {
      await this.kubectlApply(['-f', join(crds, file)])
    }
    const established = ['applications.argoproj.io', 'appprojects.argoproj.io']
    // The kinds the platform layer syncs besides the built-in ones (the base's ServiceMonitor
    // and PrometheusRule, the platform's Kyverno ClusterPolicy): their CRDs only, with no
    // operator acting on them, so that Argo CD can apply them as a real cluster would.
    const data = this.dataDir()
    for (const [file, name] of platformCrds) {
      const path = join(data, file)
      if (!existsSync(path)) continue
      await this.kubectlApply(['-f', path])
      established.push(name)
    }
    await this.waitForCrds(established)
    const password = randomBytes(18).toString('base64url')
    const bcrypt = await this.io.runner.run(
      this.bin('argocd'),
      // The password goes through stdin, never into a process listing.
      ['account', 'bcrypt'],
      {
        input: `${password}\n`,
        env: {
          PATH: this.options.env.PATH,
          HOME: join(this.dir, 'tmp'),
          ARGOCD_BINARY_NAME: 'argocd',
        },
        timeoutMs: 30_000,
      },
    )
    if (bcrypt.exitCode !== 0)
      throw new Error(
        `argocd account bcrypt failed: ${bcrypt.stderr.trim().split('\n').pop() ?? ''}`,
      )
    const objects = argocdConfigObjects({
      serverSecretKey: randomBytes(32).toString('base64'),
      adminPasswordBcrypt: bcryptHash(bcrypt.stdout),
      adminPasswordMtime: new Date(this.io.clock.now()).toISOString().replace(/\.\d+Z$/, 'Z'),
      reconciliationSeconds: this.reconciliationSeconds(),
    })
    await this.kubectlApply(
      ['-f', '-'],
      JSON.stringify({ apiVersion: 'v1', kind: 'List', items: [...objects, defaultAppProject()] }),
    )
    return password
  }

  private reconciliationSeconds(): number {
    return this.options.reconciliationSeconds ?? 30
  }

  private async startRedis(): Promise<void> {
    const redis = await this.launch('redis', 'redis-server', [
      '--bind',
      '127.0.0.1',
      '--port',
      String(this.ports.redis),
      '--save',
      '',
      '--appendonly',
      'no',
      '--protected-mode',
      'yes',
      '--dir',
      join(this.dir, 'redis'),
      '--loglevel',
      'warning',
    ])
    await this.waitFor(redis, 'listening', () => acceptsConnections(this.ports.redis))
  }

  private argocdEnv(binaryName: string): NodeJS.ProcessEnv {
    const seconds = this.reconciliationSeconds()
    return {
      ARGOCD_BINARY_NAME: binaryName,
      // Maps https://kubernetes.default.svc to the kubeconfig's cluster outside a cluster.
      ARGOCD_FAKE_IN_CLUSTER: 'true',
      KUBECONFIG: this.kubeconfig,
      ARGOCD_GPG_ENABLED: 'false',
      ARGOCD_RECONCILIATION_TIMEOUT: `${seconds}s`,
      ARGOCD_RECONCILIATION_JITTER: '0s',
      ARGOCD_SSH_DATA_PATH: join(this.dir, 'config', 'ssh'),
      ARGOCD_TLS_DATA_PATH: join(this.dir, 'config', 'tls'),
      ARGOCD_GNUPGHOME: join(this.dir, 'config', 'gnupg'),
      // The repo-server runs git-verify-wrapper.sh on every manifest generation, and kustomize and git.
      PATH: `${join(this.build.share, 'argocd', 'path')}:${this.build.bin}:${this.options.env.PATH ?? '/usr/bin:/bin'}`,
    }
  }

  private async startArgocd(
    name: 'argocd-repo-server' | 'argocd-application-controller' | 'argocd-server',
  ): Promise<void> {
    const p = this.ports
    const redis = `127.0.0.1:${p.redis}`
    const repoServer = `127.0.0.1:${p.repoServer}`
    const args: Record<typeof name, string[]> = {
      'argocd-repo-server': [
        '--address',
        '127.0.0.1',
        '--port',
        String(p.repoServer),
        '--metrics-address',
        '127.0.0.1',
        '--metrics-port',
        String(p.repoServerMetrics),
        '--redis',
        redis,
        '--disable-tls',
        // Its default (a mounted Secret's path) conflicts with --disable-tls.
        '--client-ca-path',
        '',
        '--loglevel',
        'warn',
      ],
      'argocd-application-controller': [
        '--repo-server',
        repoServer,
        '--repo-server-plaintext',
        '--redis',
        redis,
        '--metrics-port',
        String(p.applicationControllerMetrics),
        '--loglevel',
        'warn',
      ],
      'argocd-server': [
        '--insecure',
        '--address',
        '127.0.0.1',
        '--port',
        String(p.argocdServer),
        '--metrics-address',
        '127.0.0.1',
        '--metrics-port',
        String(p.argocdServerMetrics),
        '--repo-server',
        repoServer,
        '--repo-server-plaintext',
        '--redis',
        redis,
        '--loglevel',
        'warn',
      ],
    }
    for (const sub of ['ssh', 'tls', 'gnupg'])
      await mkdir(join(this.dir, 'config', sub), { recursive: true, mode: 0o700 })
    const recorded = await this.launch(name, this.bin('argocd'), args[name], this.argocdEnv(name))
    const ready: Record<typeof name, () => Promise<boolean>> = {
      'argocd-repo-server': () => acceptsConnections(p.repoServer),
      'argocd-application-controller': async () =>
        (await loopbackRequest(`http://127.0.0.1:${p.applicationControllerMetrics}/healthz`))
          .status === 200,
      'argocd-server': async () =>
        (await loopbackRequest(`http://127.0.0.1:${p.argocdServer}/healthz`)).status === 200,
    }
    await this.waitFor(recorded, 'ready', ready[name])
  }

  /** Logs in as admin and creates an API token for the local account (POST /api/v1/account/NAME/token). */
  private async createAccountToken(server: string, adminPassword: string): Promise<string> {
    const deadline = this.io.clock.now() + 60_000
    let last = ''
    for (;;) {
      const session = await loopbackRequest(`${server}/api/v1/session`, {
        method: 'POST',
        body: JSON.stringify({ username: 'admin', password: adminPassword }),
      })
      if (session.status === 200) {
        const adminToken = (JSON.parse(session.body) as { token?: string }).token ?? ''
        const created = await loopbackRequest(`${server}/api/v1/account/${localAccount}/token`, {
          method: 'POST',
          headers: { authorization: `Bearer ${adminToken}` },
          body: JSON.stringify({ name: localAccount }),
        })
        if (created.status === 200) {
          const token = (JSON.parse(created.body) as { token?: string }).token
          if (token && (await this.tokenAccepted(server, token))) return token
        }
        last = `POST /api/v1/account/${localAccount}/token answered HTTP ${created.status}`
      } else {
        last = `POST /api/v1/session answered HTTP ${session.status}`
      }
      if (this.io.clock.now() > deadline)
        throw new Error(`could not create the Argo CD API token: ${last}`)
      await this.io.clock.sleep(500)
    }
  }

  /** The API server checks a token against argocd-secret, which it reads through a cache: wait for it. */
  private async tokenAccepted(server: string, token: string): Promise<boolean> {
    const deadline = this.io.clock.now() + 30_000
    while (this.io.clock.now() < deadline) {
      const answer = await loopbackRequest(`${server}/api/v1/applications`, {
        headers: { authorization: `Bearer ${token}` },
      })
      if (answer.status === 200) return true
      await this.io.clock.sleep(300)
    }
    return false
  }

  private async redisVersion(): Promise<string> {
    const result = await this.io.runner.run('redis-server', ['--version'])
    return /v=(\S+)/.exec(result.stdout)?.[1] ?? 'unknown'
  }
}

async function allocatePorts(): Promise<ClusterPorts> {
  const names: (keyof ClusterPorts)[] = [
    'etcdClient',
    'etcdPeer',
    'kubeApiserver',
    'kubeScheduler',
    'kwok',
    'redis',
    'repoServer',
    'repoServerMetrics',
    'argocdServer',
    'argocdServerMetrics',
    'applicationControllerMetrics',
  ]
  const ports = {} as ClusterPorts
  const taken = new Set<number>()
  for (const name of names) {
    let port = await freeLoopbackPort()
    while (taken.has(port)) port = await freeLoopbackPort()
    taken.add(port)
    ports[name] = port
  }
  return ports
}

function kubeconfigYaml(port: number, pki: ClusterPki): string {
  return [
    'apiVersion: v1',
    'kind: Config',
    'clusters:',
    '  - name: golden-path-local',
    '    cluster:',
    `      server: https://127.0.0.1:${port}`,
    `      certificate-authority: ${pki.caCert}`,
    'users:',
    '  - name: golden-path-admin',
    '    user:',
    `      client-certificate: ${pki.adminCert}`,
    `      client-key: ${pki.adminKey}`,
    'contexts:',
    '  - name: golden-path-local',
    '    context:',
    '      cluster: golden-path-local',
    '      user: golden-path-admin',
    // Argo CD outside a cluster takes its own namespace from the current context.
    `      namespace: ${argocdNamespace}`,
    'current-context: golden-path-local',
    '',
  ].join('\n')
}

/** The hash in `argocd account bcrypt`'s output (which may start with its password prompt). */
function bcryptHash(output: string): string {
  const hash = /\$2[aby]\$\d\d\$[./A-Za-z0-9]{53}/.exec(output)?.[0]
  if (!hash) throw new Error('argocd account bcrypt printed no bcrypt hash')
  return hash
}

function seconds(milliseconds: number): number {
  return Math.round(milliseconds / 100) / 10
}
