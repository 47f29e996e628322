import { existsSync } from 'node:fs'
import { readFile, rename, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import type { ControlPlaneVersions } from './control-plane-build'
import type { RecordedProcess } from './supervised-process'

/** The ports the local cluster listens on, all on 127.0.0.1 except the controller's metrics. */
export interface ClusterPorts {
  etcdClient: number
  etcdPeer: number
  kubeApiserver: number
  kubeScheduler: number
  kwok: number
  redis: number
  repoServer: number
  repoServerMetrics: number
  argocdServer: number
  argocdServerMetrics: number
  /** Argo CD's application controller binds its metrics port on every interface (no flag changes that). */
  applicationControllerMetrics: number
}

/** What `cluster up` reports and writes to `<state-dir>/cluster.json`. */
export interface ClusterDetails {
  argocd: { server: string; token: string; account: string }
  kubeconfig: string
  versions: ControlPlaneVersions & { redis: string }
  stateDir: string
  ports: ClusterPorts
  startedAt: string
}

export const clusterFile = 'cluster.json'
export const processesFile = 'processes.json'

/** Writes a JSON file atomically (rename over), readable by the owner only: it holds a token. */
export async function writeJsonAtomic(path: string, value: unknown): Promise<void> {
  const temporary = `${path}.${process.pid}.tmp`
  await writeFile(temporary, `${JSON.stringify(value, null, 2)}\n`, { mode: 0o600 })
  await rename(temporary, path)
}

export async function readClusterDetails(stateDir: string): Promise<ClusterDetails | undefined> {
  const path = join(stateDir, clusterFile)
  if (!existsSync(path)) return undefined
  try {
    return JSON.parse(await readFile(path, 'utf8')) as ClusterDetails
  } catch {
    return undefined
  }
}

export async function readRecordedProcesses(stateDir: string): Promise<RecordedProcess[]> {
  const path = join(stateDir, processesFile)
  if (!existsSync(path)) return []
  try {
    const parsed = JSON.parse(await readFile(path, 'utf8')) as unknown
    return Array.isArray(parsed) ? (parsed as RecordedProcess[]) : []
  } catch {
    return []
  }
}
