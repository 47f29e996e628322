import { join } from 'node:path'
import { defaultLocalStateDir } from '../delivery/local-delivery'
import { clusterStatus } from './local-cluster'

/** Where `cluster up` keeps a local cluster's state unless told otherwise: beside local delivery's state. */
export function defaultClusterStateDir(env: NodeJS.ProcessEnv, localStateDir = defaultLocalStateDir(env)): string {
  return join(localStateDir, 'cluster')
}

/** The Argo CD a local delivery verifies against. */
export interface LocalArgocdTarget {
  server: string
  token: string
  kubeconfig: string
}

/**
 * The local cluster's Argo CD when one runs in `stateDir` (every recorded process alive),
 * else undefined: local delivery then verifies against it without any flag.
 */
export async function runningLocalArgocd(stateDir: string): Promise<LocalArgocdTarget | undefined> {
  const status = await clusterStatus(stateDir)
  if (status.state !== 'running' || !status.details) return undefined
  const { argocd, kubeconfig } = status.details
  return { server: argocd.server, token: argocd.token, kubeconfig }
}
