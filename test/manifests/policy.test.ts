import { describe, expect, it } from 'vitest'
import { validateText, workspace } from './validate-harness'

/** A Deployment that satisfies every golden-path rule; each case breaks exactly one. */
const compliant = `apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
  labels: {app.kubernetes.io/name: web}
spec:
  replicas: 2
  selector:
    matchLabels: {app.kubernetes.io/name: web}
  template:
    metadata:
      labels: {app.kubernetes.io/name: web}
    spec:
      automountServiceAccountToken: false
      securityContext:
        runAsNonRoot: true
        seccompProfile: {type: RuntimeDefault}
      containers:
        - name: app
          image: ghcr.io/example-org/web:1.2.3
          resources:
            requests: {cpu: 100m, memory: 128Mi}
            limits: {memory: 256Mi}
          securityContext:
            allowPrivilegeEscalation: false
            readOnlyRootFilesystem: true
            capabilities: {drop: [ALL]}
          livenessProbe: {httpGet: {path: /health, port: 8080}}
          readinessProbe: {httpGet: {path: /ready, port: 8080}}
`

function breaking(from: string, to: string): string {
  if (!compliant.includes(from)) throw new Error(`fixture has no '${from}'`)
  return compliant.replace(from, to)
}

describe('golden-path policy pack', () => {
  it('finds nothing in a compliant Deployment', async () => {
    const report = await validateText(compliant, { policy: 'golden-path' })
    expect(report.resources[0].findings).toEqual([])
  })

  it.each([
    ['run-as-non-root', 'runAsNonRoot: true', 'runAsNonRoot: false', 'error'],
    [
      'no-privilege-escalation',
      'allowPrivilegeEscalation: false',
      'allowPrivilegeEscalation: true',
      'error',
    ],
    [
      'not-privileged',
      'readOnlyRootFilesystem: true',
      'readOnlyRootFilesystem: true\n            privileged: true',
      'error',
    ],
    ['drop-all-capabilities', 'drop: [ALL]', 'drop: [NET_RAW]', 'error'],
    [
      'read-only-root-filesystem',
      'readOnlyRootFilesystem: true',
      'readOnlyRootFilesystem: false',
      'error',
    ],
    [
      'seccomp-profile',
      'seccompProfile: {type: RuntimeDefault}',
      'seccompProfile: {type: Unconfined}',
      'error',
    ],
    [
      'no-host-network',
      'automountServiceAccountToken: false',
      'automountServiceAccountToken: false\n      hostNetwork: true',
      'error',
    ],
    [
      'no-host-pid',
      'automountServiceAccountToken: false',
      'automountServiceAccountToken: false\n      hostPID: true',
      'error',
    ],
    [
      'no-host-ipc',
      'automountServiceAccountToken: false',
      'automountServiceAccountToken: false\n      hostIPC: true',
      'error',
    ],
    [
      'no-host-path',
      'automountServiceAccountToken: false',
      'automountServiceAccountToken: false\n      volumes: [{name: data, emptyDir: {}}, {name: host, hostPath: {path: /var}}]',
      'error',
    ],
    ['cpu-request', 'requests: {cpu: 100m, memory: 128Mi}', 'requests: {memory: 128Mi}', 'warning'],
    ['memory-request', 'requests: {cpu: 100m, memory: 128Mi}', 'requests: {cpu: 100m}', 'error'],
    ['memory-limit', 'limits: {memory: 256Mi}', 'limits: {cpu: "1"}', 'error'],
    [
      'liveness-probe',
      '          livenessProbe: {httpGet: {path: /health, port: 8080}}\n',
      '',
      'warning',
    ],
    [
      'readiness-probe',
      '          readinessProbe: {httpGet: {path: /ready, port: 8080}}\n',
      '',
      'warning',
    ],
    ['image-tag', 'web:1.2.3', 'web', 'error'],
    ['image-tag', 'web:1.2.3', 'web:latest', 'error'],
    [
      'no-service-account-token',
      'automountServiceAccountToken: false',
      'automountServiceAccountToken: true',
      'warning',
    ],
    [
      'required-labels',
      '  labels: {app.kubernetes.io/name: web}\nspec',
      '  labels: {team: a}\nspec',
      'warning',
    ],
  ])('reports %s', async (rule, from, to, severity) => {
    const report = await validateText(breaking(from, to), { policy: 'golden-path' })
    const findings = report.resources[0].findings
    expect(findings.map((finding) => [finding.rule, finding.severity])).toEqual([[rule, severity]])
    expect(findings[0].line).toBeGreaterThan(1)
  })

  it('checks init containers for security rules but not for probes', async () => {
    const text = breaking(
      '      containers:\n',
      '      initContainers:\n        - name: migrate\n          image: ghcr.io/example-org/migrate:1.0.0\n          securityContext: {allowPrivilegeEscalation: false, readOnlyRootFilesystem: true, capabilities: {drop: [ALL]}, privileged: true}\n      containers:\n',
    )
    const report = await validateText(text, { policy: 'golden-path' })
    expect(report.resources[0].findings.map((finding) => [finding.rule, finding.message])).toEqual([
      ['not-privileged', "container 'migrate' must not run privileged"],
    ])
  })

  it('accepts runAsNonRoot from the pod unless the container overrides it', async () => {
    const overridden = breaking(
      'allowPrivilegeEscalation: false',
      'allowPrivilegeEscalation: false\n            runAsNonRoot: false',
    )
    const report = await validateText(overridden, { policy: 'golden-path' })
    expect(report.resources[0].findings.map((finding) => finding.rule)).toEqual(['run-as-non-root'])
  })

  it('lists a finding suppressed by an annotation with a reason as suppressed', async () => {
    const text = breaking(
      '  labels: {app.kubernetes.io/name: web}\nspec',
      '  labels: {app.kubernetes.io/name: web}\n  annotations:\n    golden-path.dev/ignore-read-only-root-filesystem: "writes its cache to /tmp"\nspec',
    ).replace('readOnlyRootFilesystem: true', 'readOnlyRootFilesystem: false')
    const report = await validateText(text, { policy: 'golden-path' })
    expect(report.resources[0].status).toBe('suppressed')
    expect(report.resources[0].findings).toEqual([
      expect.objectContaining({
        rule: 'read-only-root-filesystem',
        suppressed: true,
        reason: 'writes its cache to /tmp',
      }),
    ])
    expect(report.passed).toBe(true)
  })

  it('refuses a suppression annotation without a reason', async () => {
    const text = breaking(
      '  labels: {app.kubernetes.io/name: web}\nspec',
      '  labels: {app.kubernetes.io/name: web}\n  annotations:\n    golden-path.dev/ignore-image-tag: ""\nspec',
    ).replace('web:1.2.3', 'web:latest')
    const report = await validateText(text, { policy: 'golden-path' })
    expect(report.resources[0].findings.map((finding) => [finding.rule, finding.line])).toEqual([
      ['suppression-reason', 7],
      ['image-tag', 22],
    ])
    expect(report.passed).toBe(false)
  })

  it('asks for replicas >= 2 and a PodDisruptionBudget where high availability is requested', async () => {
    const requested = breaking(
      '  labels: {app.kubernetes.io/name: web}\nspec',
      '  labels: {app.kubernetes.io/name: web}\n  annotations: {golden-path.dev/high-availability: "true"}\nspec',
    )
    const budget = `---
apiVersion: policy/v1
kind: PodDisruptionBudget
metadata: {name: web, labels: {app.kubernetes.io/name: web}}
spec:
  minAvailable: 1
  selector: {matchLabels: {app.kubernetes.io/name: web}}
`
    const withoutBudget = await validateText(requested, { policy: 'golden-path' })
    expect(withoutBudget.resources[0].findings.map((finding) => finding.rule)).toEqual([
      'high-availability',
    ])
    const complete = await validateText(requested + budget, { policy: 'golden-path' })
    expect(complete.resources.map((resource) => resource.status)).toEqual(['valid', 'valid'])
    const single = await validateText(requested.replace('replicas: 2', 'replicas: 1') + budget, {
      policy: 'golden-path',
    })
    expect(single.resources[0].findings[0]).toMatchObject({
      rule: 'high-availability',
      path: '/spec/replicas',
      line: 8,
    })
    const unrequested = await validateText(compliant.replace('replicas: 2', 'replicas: 1'), {
      policy: 'golden-path',
    })
    expect(unrequested.resources[0].findings).toEqual([])
  })

  it('lists findings in the rule order of the pack, budget rules included', async () => {
    // Rules that need every PodDisruptionBudget run after the others; their findings still
    // take their place in the pack's order.
    const deployment = breaking(
      '  labels: {app.kubernetes.io/name: web}\nspec',
      '  annotations: {golden-path.dev/high-availability: "true"}\nspec',
    ).replace('automountServiceAccountToken: false', 'automountServiceAccountToken: true')
    const budget = `---
apiVersion: policy/v1
kind: PodDisruptionBudget
metadata: {name: other, labels: {app.kubernetes.io/name: other}}
spec:
  minAvailable: 1
  selector: {matchLabels: {app.kubernetes.io/name: other}}
`
    const report = await validateText(deployment + budget, { policy: 'golden-path' })
    expect(report.resources[0].findings.map((finding) => finding.rule)).toEqual([
      'no-service-account-token',
      'high-availability',
      'required-labels',
    ])
  })

  it('loads a team policy file that extends the pack, disables, enables and adds rules', async () => {
    const { dir, cleanup } = workspace({
      'policy.yaml': `name: team-web
extends: golden-path
disable: [required-labels]
enable: [image-digest]
severity: {image-digest: error}
rules:
  - id: team-label
    severity: warning
    target: object
    kinds: [Deployment]
    message: must carry the label team
    require: {path: /metadata/labels/team, exists: true}
`,
    })
    try {
      const report = await validateText(
        compliant.replace('  labels: {app.kubernetes.io/name: web}\nspec', '  labels: {}\nspec'),
        {
          policy: `${dir}/policy.yaml`,
        },
      )
      expect(
        report.resources[0].findings.map((finding) => [finding.rule, finding.severity]),
      ).toEqual([
        ['image-digest', 'error'],
        ['team-label', 'warning'],
      ])
    } finally {
      cleanup()
    }
  })

  it.each([
    [
      'an unknown severity',
      'rules: [{id: x, severity: fatal, target: object, message: m, require: {path: /a, exists: true}}]',
      /severity/,
    ],
    [
      'a path that is not a pointer',
      'rules: [{id: x, severity: error, target: object, message: m, require: {path: a.b, exists: true}}]',
      /JSON pointer/,
    ],
    ['an unknown base pack', 'extends: strict-corp', /unknown 'extends/],
    [
      'a rule id that does not exist',
      'extends: golden-path\ndisable: [no-such-rule]',
      /unknown rule 'no-such-rule'/,
    ],
  ])('rejects a policy file with %s in one line', async (_label, content, message) => {
    const { dir, cleanup } = workspace({ 'policy.yaml': content })
    try {
      await expect(validateText(compliant, { policy: `${dir}/policy.yaml` })).rejects.toThrow(
        message,
      )
    } finally {
      cleanup()
    }
  })
})
