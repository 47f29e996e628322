import { existsSync, readdirSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import { parseAllDocuments } from 'yaml'
import { type AppProjectKinds, listsDeploymentImages } from '../argocd/app-project'
import type { CommandRunner } from '../ports'

/** An Argo CD object read from a team's argocd/ folder. */
interface ArgoObject {
  apiVersion?: string
  kind?: string
  metadata?: { name?: string; namespace?: string }
  spec?: AppProjectKinds & {
    project?: string
    sourceRepos?: string[]
    source?: { repoURL?: string; path?: string; targetRevision?: string }
  }
}

export interface LocalApplicationsOptions {
  /** The team's argocd/ folder: AppProjects and Applications. */
  argocdDir: string
  /** Bare GitOps repository on disk: every repoURL and sourceRepos entry is rewritten to it. */
  gitopsRepository: string
  branch: string
  /** The overlay the delivery bumps: the Application whose source.path is this one is applied. */
  gitopsPath: string
  /** Apply this Application instead of the one found by path. */
  app?: string
  kubeconfig: string
  runner: CommandRunner
}

/** Reads every YAML document under `dir` (not recursive: argocd/ is flat). */
function readArgoObjects(dir: string): ArgoObject[] {
  const objects: ArgoObject[] = []
  for (const name of readdirSync(dir).sort()) {
    if (!/\.ya?ml$/.test(name)) continue
    for (const document of parseAllDocuments(readFileSync(join(dir, name), 'utf8'))) {
      const value = document.toJS() as ArgoObject | null
      if (value && typeof value === 'object' && value.kind) objects.push(value)
    }
  }
  return objects
}

const trimSlashes = (path: string) => path.replace(/^\.?\/+|\/+$/g, '')

export interface AppliedApplication {
  name: string
  project: string
  /** Whether Argo CD can list the app's running images (its AppProject admits ReplicaSets and Pods). */
  listsImages: boolean
}

/**
 * Applies the Application that deploys `gitopsPath` (and the AppProject it names) to the
 * local cluster, pointed at the GitOps repository on disk as a file:// URL: the objects a
 * team keeps in argocd/, with only the repository rewritten. Returns the Application,
 * or undefined when argocd/ has no Application for that overlay.
 */
export async function applyLocalApplications(
  options: LocalApplicationsOptions,
): Promise<AppliedApplication | undefined> {
  if (!existsSync(options.argocdDir)) return undefined
  const objects = readArgoObjects(options.argocdDir)
  const wanted = trimSlashes(options.gitopsPath)
  const application = objects.find(
    (object) =>
      object.kind === 'Application' &&
      (options.app
        ? object.metadata?.name === options.app
        : trimSlashes(object.spec?.source?.path ?? '') === wanted),
  )
  if (!application?.metadata?.name || !application.spec?.source) return undefined
  const repoURL = `file://${options.gitopsRepository}`
  application.spec.source.repoURL = repoURL
  application.spec.source.targetRevision = options.branch
  const items: ArgoObject[] = []
  const projectName = application.spec.project ?? 'default'
  const project = objects.find(
    (object) => object.kind === 'AppProject' && object.metadata?.name === projectName,
  )
  if (project?.spec) {
    project.spec.sourceRepos = [repoURL]
    items.push(project)
  }
  items.push(application)
  const result = await options.runner.run(
    'kubectl',
    ['--kubeconfig', options.kubeconfig, 'apply', '--server-side', '--force-conflicts', '-f', '-'],
    { input: JSON.stringify({ apiVersion: 'v1', kind: 'List', items }), timeoutMs: 60_000 },
  )
  if (result.exitCode !== 0) {
    throw new Error(
      `could not apply ${application.metadata.name} to the local cluster: ${result.stderr.trim().split('\n').pop() ?? ''}`,
    )
  }
  return {
    name: application.metadata.name,
    project: projectName,
    // A project not in argocd/ is one the cluster has already: `default`, which admits every kind.
    listsImages: project?.spec ? listsDeploymentImages(project.spec) : true,
  }
}
