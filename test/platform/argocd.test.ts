import { existsSync, readdirSync } from 'node:fs'
import { join } from 'node:path'
import { beforeAll, describe, expect, it } from 'vitest'
import {
  environments,
  type KubeObject,
  readYamlFile,
  renderKustomization,
  repoRoot,
} from './kube-objects'

const argocdDir = join(repoRoot, 'argocd')
const placeholderRepo = 'https://github.com/example-org/REPLACE-ME-gitops-repository.git'

const files = readdirSync(argocdDir).filter((file) => /\.ya?ml$/.test(file))
const objects = files.flatMap((file) =>
  readYamlFile(join(argocdDir, file)).map((object) => ({ file, object })),
)
const applications = objects.filter(({ object }) => object.kind === 'Application')
const root = applications.find(({ file }) => file === 'root.yaml')?.object
// platform.yaml syncs the cluster-wide layer (manifests/platform), not an environment.
const environmentApps = applications.filter(
  ({ file }) => file !== 'root.yaml' && file !== 'platform.yaml',
)
const projects = objects.filter(({ object }) => object.kind === 'AppProject')

function projectNamed(name: string): KubeObject {
  const project = projects.find(({ object }) => object.metadata.name === name)?.object
  if (!project) throw new Error(`no AppProject ${name} in argocd/`)
  return project
}

describe('argocd/', () => {
  it('holds one AppProject, one Application per environment and the root Application', () => {
    expect(projects.map(({ object }) => object.metadata.name)).toEqual(['reference-service'])
    expect(environmentApps.map(({ object }) => object.metadata.name).sort()).toEqual(
      environments.map((environment) => `reference-service-${environment}`).sort(),
    )
    expect(root?.spec.source.path).toBe('argocd')
    expect(objects.every(({ object }) => object.apiVersion === 'argoproj.io/v1alpha1')).toBe(true)
    expect(objects.every(({ object }) => object.metadata.namespace === 'argocd')).toBe(true)
  })

  it('points every source at the same, obviously placeholder, GitOps repository', () => {
    for (const { file, object } of applications) {
      expect(object.spec.source.repoURL, file).toBe(placeholderRepo)
    }
    expect(projectNamed('reference-service').spec.sourceRepos).toEqual([placeholderRepo])
  })

  it('keeps the root from syncing itself: it is bootstrapped from outside', () => {
    expect(root?.spec.source.directory.exclude).toBe('root.yaml')
    expect(existsSync(join(argocdDir, root?.spec.source.directory.exclude))).toBe(true)
  })

  it('gives the pipeline a project role that can only read and sync this project', () => {
    const roles = projectNamed('reference-service').spec.roles
    expect(roles.map((role: { name: string }) => role.name)).toEqual(['pipeline'])
    const grants = roles[0].policies.map((policy: string) => policy.split(/,\s*/))
    for (const [type, subject, resource, , object, effect] of grants) {
      expect([type, subject, resource, effect]).toEqual([
        'p',
        'proj:reference-service:pipeline',
        'applications',
        'allow',
      ])
      expect(object).toBe('reference-service/*')
    }
    expect(grants.map((grant: string[]) => grant[3]).sort()).toEqual(['get', 'sync'])
  })

  it('syncs the AppProject before the Applications that use it', () => {
    const wave = (object: KubeObject) =>
      Number(object.metadata.annotations?.['argocd.argoproj.io/sync-wave'] ?? '0')
    for (const { object } of environmentApps) {
      expect(wave(projectNamed(object.spec.project))).toBeLessThan(wave(object))
    }
  })
})

describe.each(environments)('the %s Application', (environment) => {
  const app = () => {
    const found = environmentApps.find(
      ({ object }) => object.metadata.name === `reference-service-${environment}`,
    )
    if (!found) throw new Error(`no Application for ${environment}`)
    return found.object
  }
  let rendered: KubeObject[] = []

  beforeAll(async () => {
    const path = app().spec.source.path
    expect(existsSync(join(repoRoot, path, 'kustomization.yaml')), `${path} is an overlay`).toBe(
      true,
    )
    rendered = await renderKustomization(join(repoRoot, path))
  })

  it('points at the overlay of its environment, which exists and renders', () => {
    expect(app().spec.source.path).toBe(`manifests/overlays/${environment}`)
    expect(rendered.length).toBeGreaterThan(0)
  })

  it('deploys into the namespace the overlay renders into', () => {
    const namespaces = new Set(rendered.map((object) => object.metadata.namespace))
    expect([...namespaces]).toEqual([app().spec.destination.namespace])
    expect(app().spec.destination.server).toBe('https://kubernetes.default.svc')
  })

  it('is allowed by its AppProject: repository, destination and every kind it renders', () => {
    const project = projectNamed(app().spec.project).spec
    expect(project.sourceRepos).toContain(app().spec.source.repoURL)
    expect(project.destinations).toContainEqual(app().spec.destination)
    const allowed = new Set(
      project.namespaceResourceWhitelist.map(
        (k: { group: string; kind: string }) => `${k.group}/${k.kind}`,
      ),
    )
    for (const object of rendered) {
      const group = object.apiVersion.includes('/') ? object.apiVersion.split('/')[0] : ''
      expect(allowed.has(`${group}/${object.kind}`), `${group}/${object.kind}`).toBe(true)
    }
    // CreateNamespace=true creates a Namespace, the only cluster-scoped kind allowed.
    expect(project.clusterResourceWhitelist).toEqual([{ group: '', kind: 'Namespace' }])
  })

  it('syncs automatically with prune, self-heal, retries with backoff and a bounded history', () => {
    const sync = app().spec.syncPolicy
    expect(sync.automated).toEqual({ prune: true, selfHeal: true })
    expect(sync.syncOptions).toEqual(
      expect.arrayContaining([
        'CreateNamespace=true',
        'PruneLast=true',
        'RespectIgnoreDifferences=true',
      ]),
    )
    expect(sync.retry.limit).toBeGreaterThan(0)
    expect(sync.retry.backoff).toMatchObject({ duration: expect.any(String), factor: 2 })
    expect(app().spec.revisionHistoryLimit).toBeGreaterThan(0)
  })

  it('leaves the replica count to the HorizontalPodAutoscaler', () => {
    const deployment = rendered.find((object) => object.kind === 'Deployment')
    expect(app().spec.ignoreDifferences).toContainEqual({
      group: 'apps',
      kind: 'Deployment',
      name: deployment?.metadata.name,
      jsonPointers: ['/spec/replicas'],
    })
  })

  it('creates its namespace with Pod Security "restricted" enforced', () => {
    expect(app().spec.syncPolicy.managedNamespaceMetadata.labels).toMatchObject({
      'pod-security.kubernetes.io/enforce': 'restricted',
    })
  })
})

describe('prod', () => {
  it('is not pruned away by the root Application when its file leaves Git', () => {
    const prod = environmentApps.find(
      ({ object }) => object.metadata.name === 'reference-service-prod',
    )
    expect(prod?.object.metadata.annotations?.['argocd.argoproj.io/sync-options']).toBe(
      'Prune=false',
    )
  })
})
