import { join, resolve } from 'node:path'
import { ensureGitOpsRepository } from '../delivery/gitops-repository'
import { defaultLocalStateDir } from '../delivery/local-delivery'
import type { CommandRunner } from '../ports'
import { applyLocalApplications } from './local-applications'
import { clusterStatus } from './local-cluster'

/** Where `cluster up` keeps a local cluster's state unless told otherwise: beside local delivery's state. */
export function defaultClusterStateDir(
  env: NodeJS.ProcessEnv,
  localStateDir = defaultLocalStateDir(env),
): string {
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

export interface LocalArgocdRequest {
  /** Local delivery's state directory; the cluster's is `<it>/cluster`. */
  stateDir: string
  cwd: string
  /** The team's argocd/ folder (AppProject and Applications). */
  argocdDir: string
  gitopsRepository: string
  branch: string
  gitopsPath: string
  seedManifests: string
  imageRepository: { from: string; to: string }
  app?: string
  runner: CommandRunner
}

/**
 * The Argo CD target of a local delivery when a local cluster runs: seeds the GitOps
 * repository (as local delivery would), applies the overlay's Application and AppProject
 * pointed at it, and returns the server, token and Application name. Undefined when no
 * cluster runs or argocd/ has no Application for the overlay.
 */
export async function resolveLocalArgocdTarget(
  request: LocalArgocdRequest,
): Promise<
  (LocalArgocdTarget & { app: string; project: string; listsImages: boolean }) | undefined
> {
  const running = await runningLocalArgocd(
    defaultClusterStateDir({}, resolve(request.cwd, request.stateDir)),
  )
  if (!running) return undefined
  const gitops = await ensureGitOpsRepository({
    path: resolve(request.cwd, request.stateDir, request.gitopsRepository),
    branch: request.branch,
    seedManifests: resolve(request.cwd, request.seedManifests),
    git: request.runner,
    imageRepository: request.imageRepository,
  })
  const applied = await applyLocalApplications({
    argocdDir: resolve(request.cwd, request.argocdDir),
    gitopsRepository: gitops.path,
    branch: gitops.branch,
    gitopsPath: request.gitopsPath,
    app: request.app,
    kubeconfig: running.kubeconfig,
    runner: request.runner,
  })
  return applied
    ? { ...running, app: applied.name, project: applied.project, listsImages: applied.listsImages }
    : undefined
}
