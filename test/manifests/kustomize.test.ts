import { spawnSync } from 'node:child_process'
import { describe, expect, it } from 'vitest'
import { validate, workspace } from './validate-harness'

const base = {
  'base/kustomization.yaml': 'resources:\n  - deployment.yaml\n  - service.yaml\n',
  'base/deployment.yaml': `apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
spec:
  selector:
    matchLabels: {app: web}
  template:
    metadata:
      labels: {app: web}
    spec:
      containers:
        - name: app
          image: golden-path-reference-service
          ports:
            - name: http
              containerPort: 8080
              protocl: TCP
`,
  'base/service.yaml': `apiVersion: v1
kind: Service
metadata:
  name: web
spec:
  selector: {app: web}
  ports:
    - port: 80
      targetPort: http
`,
  'overlays/dev/kustomization.yaml': `namespace: web-dev
namePrefix: dev-
resources:
  - ../../base
patches:
  - path: replicas.yaml
images:
  - name: golden-path-reference-service
    newName: ghcr.io/example-org/golden-path-reference-service
    newTag: latest
`,
  'overlays/dev/replicas.yaml': `apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
spec:
  replicas: "3"
`,
}

describe('kustomize overlays (rendered with kubectl kustomize)', () => {
  it('maps findings in the rendered output back to the overlay and base files', async () => {
    const kubectl = spawnSync('kubectl', ['version', '--client'], { encoding: 'utf8' })
    expect(kubectl.status, 'kubectl is required: bash scripts/setup.sh (or install kubectl)').toBe(
      0,
    )
    const { dir, cleanup } = workspace(base)
    try {
      const report = await validate({
        kustomize: ['overlays/dev'],
        cwd: dir,
        policy: 'golden-path',
      })
      expect(
        report.resources.map((resource) => [
          resource.kind,
          resource.name,
          resource.namespace,
          resource.file,
          resource.line,
        ]),
      ).toEqual([
        ['Service', 'dev-web', 'web-dev', 'base/service.yaml', 1],
        ['Deployment', 'dev-web', 'web-dev', 'base/deployment.yaml', 1],
      ])
      const findings = report.resources[1].findings.map((finding) => [
        finding.rule,
        finding.file,
        finding.line,
        finding.column,
      ])
      expect(findings).toEqual(
        expect.arrayContaining([
          ['schema-type', 'overlays/dev/replicas.yaml', 6, 13],
          ['schema-unknown-field', 'base/deployment.yaml', 18, 15],
          ['image-tag', 'overlays/dev/kustomization.yaml', 8, 5],
          ['memory-limit', 'base/deployment.yaml', 13, 11],
        ]),
      )
    } finally {
      cleanup()
    }
  })

  it('reports an overlay that does not build as an input error and validates the other inputs', async () => {
    const { dir, cleanup } = workspace({
      'broken/kustomization.yaml': 'resources:\n  - missing.yaml\n',
      'ok.yaml': 'apiVersion: v1\nkind: ConfigMap\nmetadata: {name: ok}\n',
    })
    try {
      const report = await validate({ kustomize: ['broken'], paths: ['ok.yaml'], cwd: dir })
      expect(report.inputErrors).toBe(1)
      expect(report.resources.map((resource) => [resource.file, resource.status])).toEqual([
        ['ok.yaml', 'valid'],
        ['broken', 'error'],
      ])
      expect(report.resources[1].findings[0].message).toMatch(/kustomize build of 'broken' failed/)
    } finally {
      cleanup()
    }
  })
})
