import { resolve } from 'node:path'
import { defaultClusterStateDir } from '../../../actions/lib/cluster/argocd-target'
import { locateBuildScript } from '../../../actions/lib/cluster/control-plane-build'
import {
  type ClusterUpResult,
  clusterDown,
  clusterStatus,
  clusterUp,
} from '../../../actions/lib/cluster/local-cluster'
import { ExitCode, oneLine, UsageError } from '../../../actions/lib/errors'
import { type Logger, spawnRunner, systemClock } from '../../../actions/lib/ports'
import { oneOf, parseFlags, stringFlag } from '../args'
import type { Command } from '../command'

export const clusterCommand: Command = {
  name: 'cluster',
  summary: 'Run a local Kubernetes API server and Argo CD on loopback (up, down, status)',
  usage: `Usage: golden-path cluster up|down|status [--state-dir DIR] [--output text|json]

  up      build the control plane on first use (about 20 minutes on 2 cores, then cached
          under $GOLDEN_PATH_CACHE or ~/.cache/golden-path), start etcd, kube-apiserver,
          kube-controller-manager, kube-scheduler, kwok (one fake node), redis and Argo CD
          (repo-server, application controller, API server) on 127.0.0.1, and print the
          Argo CD URL, the kubeconfig and the versions. On a running cluster it only prints them.
  down    stop every process the cluster started and remove its state (the build cache stays)
  status  say whether the cluster runs, component by component

Flags:
  --state-dir DIR     where the cluster keeps its state, logs and cluster.json
                      (default <$GOLDEN_PATH_LOCAL_DIR or <tmp>/golden-path-local>/cluster)
  --output text|json  json: for up, {"argocd":{"server","token"},"kubeconfig","versions",...}

Exit codes: 0 done (status: running), 1 the cluster could not start (status: not running), 2 usage error.`,
  async run(args, io) {
    const { values, positionals } = parseFlags(
      'cluster',
      args,
      { 'state-dir': { type: 'string' }, output: { type: 'string' } },
      { positionals: true },
    )
    const [action, ...extra] = positionals
    if (action === undefined || !['up', 'down', 'status'].includes(action) || extra.length > 0) {
      throw new UsageError(
        `expected one of 'cluster up', 'cluster down' or 'cluster status' (run 'golden-path cluster --help')`,
      )
    }
    const output = oneOf('output', stringFlag(values, 'output'), ['text', 'json'], 'text')
    const given = stringFlag(values, 'state-dir')
    const stateDir = given ? resolve(io.cwd, given) : defaultClusterStateDir(io.env)
    const logger: Logger = {
      debug() {},
      info: (message) => io.stderr.write(`cluster: ${message}\n`),
      warning: (message) => io.stderr.write(`cluster: warning: ${message}\n`),
      error: (message) => io.stderr.write(`cluster: ${message}\n`),
    }
    const ports = { runner: spawnRunner, clock: systemClock, logger }

    if (action === 'status') {
      const status = await clusterStatus(stateDir)
      if (output === 'json') {
        const { details, ...rest } = status
        const summary = details
          ? {
              argocd: { server: details.argocd.server },
              kubeconfig: details.kubeconfig,
              versions: details.versions,
              ports: details.ports,
            }
          : {}
        io.stdout.write(`${JSON.stringify({ ...rest, ...summary })}\n`)
      } else {
        const lines = [`cluster in ${stateDir}: ${status.state}`]
        for (const component of status.components) {
          lines.push(
            `  ${component.name.padEnd(30)} pid ${String(component.pid).padEnd(8)} ${component.running ? 'running' : 'stopped'}`,
          )
        }
        if (status.details && status.state === 'running') {
          lines.push(
            `argocd     ${status.details.argocd.server}`,
            `kubeconfig ${status.details.kubeconfig}`,
          )
        }
        io.stdout.write(`${lines.join('\n')}\n`)
      }
      return status.state === 'running' ? ExitCode.Success : ExitCode.Failed
    }

    if (action === 'down') {
      const { stopped } = await clusterDown(stateDir, ports)
      if (output === 'json') io.stdout.write(`${JSON.stringify({ stateDir, stopped })}\n`)
      else
        io.stdout.write(
          stopped.length > 0
            ? `stopped ${stopped.join(', ')}\n`
            : `no cluster was running in ${stateDir}\n`,
        )
      return ExitCode.Success
    }

    let result: ClusterUpResult
    try {
      const buildScript =
        io.env.GOLDEN_PATH_CONTROL_PLANE_BUILD ?? locateBuildScript(import.meta.url)
      result = await clusterUp({ stateDir, buildScript, env: io.env }, ports)
    } catch (error) {
      io.stderr.write(`golden-path cluster: ${oneLine(error)}\n`)
      return ExitCode.Failed
    }
    io.stdout.write(output === 'json' ? `${JSON.stringify(upJson(result))}\n` : renderUp(result))
    return ExitCode.Success
  },
}

function upJson(result: ClusterUpResult) {
  return {
    ...result.details,
    alreadyRunning: result.alreadyRunning,
    build: result.build,
    startSeconds: result.startSeconds,
    totalSeconds: result.totalSeconds,
  }
}

function renderUp(result: ClusterUpResult): string {
  const { details } = result
  const versions = Object.entries(details.versions)
    .map(([name, version]) => `${name} ${version}`)
    .join(', ')
  return `${[
    result.alreadyRunning
      ? 'cluster already running'
      : `cluster up in ${result.totalSeconds.toFixed(1)} s`,
    `argocd     ${details.argocd.server} (account ${details.argocd.account}; token in ${details.stateDir}/cluster.json)`,
    `kubeconfig ${details.kubeconfig}`,
    `versions   ${versions}`,
  ].join('\n')}\n`
}
