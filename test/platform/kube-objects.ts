import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { beforeAll } from 'vitest'
import { parseAllDocuments } from 'yaml'
import { CommandNotFoundError, spawnRunner } from '../../actions/lib/ports'

/** The repository root, where manifests/, argocd/ and terraform/ live. */
export const repoRoot = fileURLToPath(new URL('../..', import.meta.url))

export const environments = ['dev', 'stage', 'prod'] as const
export type Environment = (typeof environments)[number]

export function overlayDir(environment: Environment): string {
  return join(repoRoot, 'manifests', 'overlays', environment)
}

/** The fields of Kubernetes objects these tests read; everything else stays `unknown`. */
export interface KubeObject {
  apiVersion: string
  kind: string
  metadata: {
    name: string
    namespace?: string
    labels?: Record<string, string>
    annotations?: Record<string, string>
    finalizers?: string[]
  }
  // biome-ignore lint/suspicious/noExplicitAny: each test reads the spec of the kind it checks
  spec?: any
  [field: string]: unknown
}

export interface HttpGetProbe {
  httpGet?: { path: string; port: number | string }
  periodSeconds?: number
  failureThreshold?: number
}

export interface Container {
  name: string
  image: string
  ports?: { name?: string; containerPort: number }[]
  env?: { name: string; value?: string }[]
  livenessProbe?: HttpGetProbe
  readinessProbe?: HttpGetProbe
  startupProbe?: HttpGetProbe
  resources?: {
    requests?: Record<string, string>
    limits?: Record<string, string>
  }
  securityContext?: {
    runAsNonRoot?: boolean
    runAsUser?: number
    allowPrivilegeEscalation?: boolean
    privileged?: boolean
    readOnlyRootFilesystem?: boolean
    capabilities?: { drop?: string[]; add?: string[] }
    seccompProfile?: { type: string }
  }
  volumeMounts?: { name: string; mountPath: string }[]
}

export function parseYamlDocuments(text: string, source: string): KubeObject[] {
  return parseAllDocuments(text).map((document) => {
    if (document.errors.length > 0) {
      throw new Error(`${source}: ${document.errors[0].message}`)
    }
    return document.toJS() as KubeObject
  })
}

export function readYamlFile(path: string): KubeObject[] {
  return parseYamlDocuments(readFileSync(path, 'utf8'), path)
}

/** Renders a kustomization directory with kubectl's built-in kustomize. */
export async function renderKustomization(dir: string): Promise<KubeObject[]> {
  let result: Awaited<ReturnType<typeof spawnRunner.run>>
  try {
    result = await spawnRunner.run('kubectl', ['kustomize', dir], { timeoutMs: 60_000 })
  } catch (error) {
    if (error instanceof CommandNotFoundError) {
      throw new Error(
        'kubectl is not installed; install it (https://kubernetes.io/docs/tasks/tools/install-kubectl-linux/): its built-in kustomize renders the overlays',
      )
    }
    throw error
  }
  if (result.exitCode !== 0) {
    throw new Error(`kubectl kustomize ${dir} exited ${result.exitCode}: ${result.stderr.trim()}`)
  }
  return parseYamlDocuments(result.stdout, `kubectl kustomize ${dir}`)
}

export function findObject(objects: KubeObject[], kind: string): KubeObject {
  const found = objects.filter((object) => object.kind === kind)
  if (found.length !== 1) {
    throw new Error(`expected exactly one ${kind}, found ${found.length}`)
  }
  return found[0]
}

export function appContainer(deployment: KubeObject): Container {
  const containers: Container[] = deployment.spec.template.spec.containers
  const app = containers.find((container) => container.name === 'app')
  if (!app) throw new Error(`Deployment ${deployment.metadata.name} has no container named app`)
  return app
}

/**
 * Renders every overlay once, before the suite's tests run, and returns the lookup the
 * tests read the rendered objects through.
 */
export function renderEveryOverlay(): (environment: Environment) => KubeObject[] {
  const rendered = new Map<Environment, KubeObject[]>()
  beforeAll(async () => {
    for (const environment of environments) {
      rendered.set(environment, await renderKustomization(overlayDir(environment)))
    }
  })
  return (environment) => {
    const objects = rendered.get(environment)
    if (!objects) throw new Error(`${environment} was not rendered`)
    return objects
  }
}
