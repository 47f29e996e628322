import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { parse } from 'yaml'
import {
  appContainer,
  type Environment,
  environments,
  findObject,
  overlayDir,
  renderEveryOverlay,
} from './kube-objects'

const objectsOf = renderEveryOverlay()

interface KustomizeImage {
  name: string
  newName?: string
  newTag?: string
  digest?: string
}

function overlayImages(environment: Environment): KustomizeImage[] {
  const kustomization = parse(
    readFileSync(join(overlayDir(environment), 'kustomization.yaml'), 'utf8'),
  )
  return kustomization.images
}

const expected: Record<Environment, { namespace: string; host: string; replicas: number }> = {
  dev: {
    namespace: 'reference-service-dev',
    host: 'reference-service.dev.example.com',
    replicas: 1,
  },
  stage: {
    namespace: 'reference-service-stage',
    host: 'reference-service.stage.example.com',
    replicas: 2,
  },
  prod: { namespace: 'reference-service-prod', host: 'reference-service.example.com', replicas: 3 },
}

const requiredLabels = [
  'app.kubernetes.io/name',
  'app.kubernetes.io/instance',
  'app.kubernetes.io/version',
  'app.kubernetes.io/part-of',
  'app.kubernetes.io/managed-by',
  'golden-path.dev/team',
]

describe.each(environments)('overlay %s', (environment) => {
  it('renders exactly the base kinds, once each', () => {
    const kinds = objectsOf(environment)
      .map((object) => `${object.apiVersion}/${object.kind}`)
      .sort()
    expect(kinds).toEqual([
      'apps/v1/Deployment',
      'autoscaling/v2/HorizontalPodAutoscaler',
      'monitoring.coreos.com/v1/PrometheusRule',
      'monitoring.coreos.com/v1/ServiceMonitor',
      'networking.k8s.io/v1/Ingress',
      'networking.k8s.io/v1/NetworkPolicy',
      'policy/v1/PodDisruptionBudget',
      'v1/Service',
      'v1/ServiceAccount',
    ])
  })

  it('puts every object in its own environment namespace', () => {
    for (const object of objectsOf(environment)) {
      expect(object.metadata.namespace, object.kind).toBe(expected[environment].namespace)
    }
  })

  it('labels every object and the pod template with the recommended and team labels', () => {
    const deployment = findObject(objectsOf(environment), 'Deployment')
    const labelled = [
      ...objectsOf(environment).map((object) => ({
        what: object.kind,
        labels: object.metadata.labels,
      })),
      { what: 'pod template', labels: deployment.spec.template.metadata.labels },
    ]
    for (const { what, labels } of labelled) {
      for (const label of requiredLabels) {
        expect(labels?.[label], `${what} ${label}`).toMatch(/^\S+$/)
      }
      expect(labels?.['app.kubernetes.io/instance'], what).toBe(`reference-service-${environment}`)
    }
  })

  it('has an images: entry in the shape golden-path bump edits', () => {
    const images = overlayImages(environment)
    expect(images).toHaveLength(1)
    const [image] = images
    expect(image.name).toBe('golden-path-reference-service')
    expect(image.newName).toBe('ghcr.io/example-org/golden-path-reference-service')
    expect(image.newTag ?? image.digest, 'newTag or digest').toBeDefined()
    if (image.newTag !== undefined) expect(typeof image.newTag).toBe('string')
    if (image.digest !== undefined) expect(image.digest).toMatch(/^sha256:[0-9a-f]{64}$/)
  })

  it('runs the image the overlay pins, by tag or digest and never latest', () => {
    const image = overlayImages(environment)[0]
    const container = appContainer(findObject(objectsOf(environment), 'Deployment'))
    const tag = image.newTag === undefined ? '' : `:${image.newTag}`
    const digest = image.digest === undefined ? '' : `@${image.digest}`
    expect(container.image).toBe(`${image.newName}${tag}${digest}`)
    expect(container.image).not.toMatch(/:latest(@|$)/)
    expect(image.newTag).not.toBe('latest')
  })

  it('keeps the version label equal to the pinned tag', () => {
    const image = overlayImages(environment)[0]
    if (image.newTag === undefined) return
    for (const object of objectsOf(environment)) {
      expect(object.metadata.labels?.['app.kubernetes.io/version'], object.kind).toBe(image.newTag)
    }
  })

  it('sets replicas, the autoscaler floor and the ingress host for the environment', () => {
    const objects = objectsOf(environment)
    const deployment = findObject(objects, 'Deployment')
    const autoscaler = findObject(objects, 'HorizontalPodAutoscaler')
    const ingress = findObject(objects, 'Ingress')
    expect(deployment.spec.replicas).toBe(expected[environment].replicas)
    // Argo CD ignores /spec/replicas, so the autoscaler floor is what holds the count.
    expect(autoscaler.spec.minReplicas).toBe(deployment.spec.replicas)
    expect(autoscaler.spec.maxReplicas).toBeGreaterThan(autoscaler.spec.minReplicas)
    expect(autoscaler.spec.scaleTargetRef).toEqual({
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      name: deployment.metadata.name,
    })
    expect(ingress.spec.rules.map((rule: { host: string }) => rule.host)).toEqual([
      expected[environment].host,
    ])
    expect(ingress.spec.tls[0].hosts).toEqual([expected[environment].host])
  })

  it('selects the Deployment pods from the Service, PodDisruptionBudget and NetworkPolicy', () => {
    const objects = objectsOf(environment)
    const podLabels: Record<string, string> = findObject(objects, 'Deployment').spec.template
      .metadata.labels
    const selectors: [string, Record<string, string>][] = [
      ['Deployment', findObject(objects, 'Deployment').spec.selector.matchLabels],
      ['Service', findObject(objects, 'Service').spec.selector],
      ['PodDisruptionBudget', findObject(objects, 'PodDisruptionBudget').spec.selector.matchLabels],
      ['NetworkPolicy', findObject(objects, 'NetworkPolicy').spec.podSelector.matchLabels],
    ]
    for (const [kind, selector] of selectors) {
      expect(Object.keys(selector).length, kind).toBeGreaterThan(0)
      for (const [key, value] of Object.entries(selector)) {
        expect(podLabels[key], `${kind} selects ${key}=${value}`).toBe(value)
      }
    }
  })

  it('routes the Ingress to the Service port that targets the container port named http', () => {
    const objects = objectsOf(environment)
    const service = findObject(objects, 'Service')
    const backend = findObject(objects, 'Ingress').spec.rules[0].http.paths[0].backend.service
    expect(backend.name).toBe(service.metadata.name)
    const port = service.spec.ports.find((p: { name: string }) => p.name === backend.port.name)
    expect(port?.targetPort).toBe('http')
    const container = appContainer(findObject(objects, 'Deployment'))
    expect(container.ports).toContainEqual({ name: 'http', containerPort: 8080, protocol: 'TCP' })
  })
})
