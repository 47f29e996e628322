import { describe, expect, it } from 'vitest'
import {
  appContainer,
  type Container,
  environments,
  findObject,
  renderEveryOverlay,
} from './kube-objects'

const objectsOf = renderEveryOverlay()

function envValue(container: Container, name: string): string | undefined {
  return container.env?.find((variable) => variable.name === name)?.value
}

/** The service's own defaults (service/src/config.ts) when the Deployment sets nothing. */
const serviceDefaults = { DRAIN_TIMEOUT_SECONDS: '20', SHUTDOWN_DELAY_SECONDS: '0', PORT: '8080' }

describe.each(environments)('overlay %s meets Pod Security "restricted"', (environment) => {
  const pod = () => findObject(objectsOf(environment), 'Deployment').spec.template.spec
  const container = () => appContainer(findObject(objectsOf(environment), 'Deployment'))

  it.each([
    ['runs as non-root', () => pod().securityContext.runAsNonRoot, true],
    [
      'runs as uid 65532, the distroless nonroot user',
      () => pod().securityContext.runAsUser,
      65532,
    ],
    [
      'uses the RuntimeDefault seccomp profile',
      () => pod().securityContext.seccompProfile?.type,
      'RuntimeDefault',
    ],
    ['container runs as non-root', () => container().securityContext?.runAsNonRoot, true],
    [
      'forbids privilege escalation',
      () => container().securityContext?.allowPrivilegeEscalation,
      false,
    ],
    ['is not privileged', () => container().securityContext?.privileged ?? false, false],
    ['drops ALL capabilities', () => container().securityContext?.capabilities?.drop, ['ALL']],
    ['adds no capabilities', () => container().securityContext?.capabilities?.add ?? [], []],
    [
      'mounts the root filesystem read-only',
      () => container().securityContext?.readOnlyRootFilesystem,
      true,
    ],
    [
      'shares no host namespaces',
      () => [pod().hostNetwork, pod().hostPID, pod().hostIPC].some(Boolean),
      false,
    ],
    [
      'mounts no hostPath',
      () => (pod().volumes ?? []).some((v: { hostPath?: unknown }) => v.hostPath),
      false,
    ],
    ['does not mount a service account token', () => pod().automountServiceAccountToken, false],
  ])('%s', (_rule, actual, wanted) => {
    expect(actual()).toEqual(wanted)
  })

  it('gives /tmp, the only path the service writes, an emptyDir', () => {
    const mount = container().volumeMounts?.find((m) => m.mountPath === '/tmp')
    expect(mount).toBeDefined()
    const volume = pod().volumes.find((v: { name: string }) => v.name === mount?.name)
    expect(volume?.emptyDir).toBeDefined()
  })

  it('uses a ServiceAccount that does not automount its token', () => {
    const account = findObject(objectsOf(environment), 'ServiceAccount')
    expect(pod().serviceAccountName).toBe(account.metadata.name)
    expect(account.automountServiceAccountToken).toBe(false)
  })
})

describe.each(environments)('overlay %s runs the service safely', (environment) => {
  const deployment = () => findObject(objectsOf(environment), 'Deployment')
  const container = () => appContainer(deployment())

  it('probes liveness on /health, readiness on /ready and start-up on /health, on the http port', () => {
    const probes = container()
    expect(probes.livenessProbe?.httpGet).toEqual({ path: '/health', port: 'http' })
    expect(probes.readinessProbe?.httpGet).toEqual({ path: '/ready', port: 'http' })
    expect(probes.startupProbe?.httpGet).toEqual({ path: '/health', port: 'http' })
  })

  it('listens where the probes and the Service look: PORT equals the http container port', () => {
    const port = Number(envValue(container(), 'PORT') ?? serviceDefaults.PORT)
    expect(container().ports?.find((p) => p.name === 'http')?.containerPort).toBe(port)
  })

  it('gives the pod longer to stop than the service takes to drain', () => {
    const drain = Number(
      envValue(container(), 'DRAIN_TIMEOUT_SECONDS') ?? serviceDefaults.DRAIN_TIMEOUT_SECONDS,
    )
    const delay = Number(
      envValue(container(), 'SHUTDOWN_DELAY_SECONDS') ?? serviceDefaults.SHUTDOWN_DELAY_SECONDS,
    )
    expect(delay, 'SHUTDOWN_DELAY_SECONDS lets endpoints converge').toBeGreaterThan(0)
    expect(deployment().spec.template.spec.terminationGracePeriodSeconds).toBeGreaterThan(
      delay + drain,
    )
  })

  it('rolls out without ever dropping below the current replica count', () => {
    expect(deployment().spec.strategy.type).toBe('RollingUpdate')
    expect(deployment().spec.strategy.rollingUpdate.maxUnavailable).toBe(0)
    expect(deployment().spec.strategy.rollingUpdate.maxSurge).toBeGreaterThan(0)
  })

  it('requests CPU and memory and limits memory', () => {
    const resources = container().resources
    expect(resources?.requests?.cpu).toMatch(/^\d+m?$/)
    expect(resources?.requests?.memory).toMatch(/^\d+(Mi|Gi)$/)
    expect(resources?.limits?.memory).toMatch(/^\d+(Mi|Gi)$/)
  })

  it('spreads pods across zones and nodes', () => {
    const keys = deployment().spec.template.spec.topologySpreadConstraints.map(
      (constraint: { topologyKey: string }) => constraint.topologyKey,
    )
    expect(keys).toEqual(['topology.kubernetes.io/zone', 'kubernetes.io/hostname'])
  })

  it('lets a disruption take at most one pod', () => {
    const budget = findObject(objectsOf(environment), 'PodDisruptionBudget')
    expect(budget.spec.maxUnavailable).toBe(1)
  })

  it('admits traffic only from the ingress controller and Prometheus namespaces and sends only DNS', () => {
    const policy = findObject(objectsOf(environment), 'NetworkPolicy')
    expect(policy.spec.policyTypes).toEqual(['Ingress', 'Egress'])
    expect(policy.spec.ingress).toEqual([
      {
        from: [
          {
            namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'ingress-nginx' } },
          },
        ],
        ports: [{ port: 'http', protocol: 'TCP' }],
      },
      {
        from: [
          { namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'monitoring' } } },
        ],
        ports: [{ port: 'http', protocol: 'TCP' }],
      },
    ])
    expect(policy.spec.egress).toHaveLength(1)
    expect(policy.spec.egress[0].ports).toEqual([
      { port: 53, protocol: 'UDP' },
      { port: 53, protocol: 'TCP' },
    ])
    expect(policy.spec.egress[0].to[0].podSelector.matchLabels).toEqual({ 'k8s-app': 'kube-dns' })
  })
})
