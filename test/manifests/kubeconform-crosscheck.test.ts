import { spawnSync } from 'node:child_process'
import { existsSync } from 'node:fs'
import { homedir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { trickyCorpus } from './tricky-yaml-corpus'
import { repositoryRoot, validate, workspace } from './validate-harness'

const pod = (container: string, extra = '') => `
    spec:${extra}
      containers:
        - name: app
          image: registry.example/app:1.0.0
${container}`

const workload = (kind: string, name: string, container = '', extra = '') => `apiVersion: apps/v1
kind: ${kind}
metadata: {name: ${name}}
spec:
  selector: {matchLabels: {app: ${name}}}${kind === 'StatefulSet' ? `\n  serviceName: ${name}` : ''}
  template:
    metadata: {labels: {app: ${name}}}${pod(container, extra)}`

/** name → [document, same verdict in both tools?]; every name is unique. */
const corpus: Record<string, string> = {
  'deployment-ok': workload(
    'Deployment',
    'deployment-ok',
    '          ports: [{containerPort: 8080, name: http}]\n          resources: {requests: {cpu: 100m, memory: 1Gi}, limits: {cpu: 1, memory: 2Gi}}\n',
  ),
  'deployment-replicas-string': workload('Deployment', 'deployment-replicas-string').replace(
    'spec:\n  selector',
    'spec:\n  replicas: "2"\n  selector',
  ),
  'deployment-unknown-field': workload(
    'Deployment',
    'deployment-unknown-field',
    '          imagePullPolicyy: Always\n',
  ),
  'deployment-probe-named-port': workload(
    'Deployment',
    'deployment-probe-named-port',
    '          livenessProbe: {httpGet: {path: /, port: http}}\n',
  ),
  'deployment-probe-bool-port': workload(
    'Deployment',
    'deployment-probe-bool-port',
    '          livenessProbe: {httpGet: {path: /, port: true}}\n',
  ),
  'statefulset-ok': workload('StatefulSet', 'statefulset-ok'),
  'daemonset-container-port-string': workload(
    'DaemonSet',
    'daemonset-container-port-string',
    '          ports: [{containerPort: "80"}]\n',
  ),
  'deployment-missing-container-name': workload(
    'Deployment',
    'deployment-missing-container-name',
  ).replace('        - name: app\n          image', '        - image'),
  'service-ok':
    'apiVersion: v1\nkind: Service\nmetadata: {name: service-ok}\nspec:\n  selector: {app: a}\n  ports: [{port: 80, targetPort: http}]\n',
  'service-unknown-field':
    'apiVersion: v1\nkind: Service\nmetadata: {name: service-unknown-field}\nspec:\n  ports: [{port: 80, protocl: TCP}]\n',
  'service-port-string':
    'apiVersion: v1\nkind: Service\nmetadata: {name: service-port-string}\nspec:\n  ports: [{port: "80"}]\n',
  'configmap-ok':
    'apiVersion: v1\nkind: ConfigMap\nmetadata: {name: configmap-ok}\ndata: {a: "1", b: two}\n',
  'configmap-integer-value':
    'apiVersion: v1\nkind: ConfigMap\nmetadata: {name: configmap-integer-value}\ndata: {a: 1}\n',
  'configmap-metadata-typo':
    'apiVersion: v1\nkind: ConfigMap\nmetadata: {name: configmap-metadata-typo, label: {a: b}}\n',
  'secret-ok':
    'apiVersion: v1\nkind: Secret\nmetadata: {name: secret-ok}\ntype: Opaque\nstringData: {password: hunter2}\n',
  'ingress-ok':
    'apiVersion: networking.k8s.io/v1\nkind: Ingress\nmetadata: {name: ingress-ok}\nspec:\n  rules:\n    - host: a.example.org\n      http:\n        paths:\n          - {path: /, pathType: Prefix, backend: {service: {name: web, port: {number: 80}}}}\n',
  'ingress-port-string':
    'apiVersion: networking.k8s.io/v1\nkind: Ingress\nmetadata: {name: ingress-port-string}\nspec:\n  rules:\n    - http:\n        paths:\n          - {path: /, pathType: Prefix, backend: {service: {name: web, port: {number: "80"}}}}\n',
  'ingress-missing-path-type':
    'apiVersion: networking.k8s.io/v1\nkind: Ingress\nmetadata: {name: ingress-missing-path-type}\nspec:\n  rules:\n    - http:\n        paths:\n          - {path: /, backend: {service: {name: web, port: {number: 80}}}}\n',
  'job-ok': `apiVersion: batch/v1\nkind: Job\nmetadata: {name: job-ok}\nspec:\n  backoffLimit: 2\n  template:${pod('', '\n      restartPolicy: Never')}`,
  'cronjob-schedule-integer': `apiVersion: batch/v1\nkind: CronJob\nmetadata: {name: cronjob-schedule-integer}\nspec:\n  schedule: 5\n  jobTemplate:\n    spec:\n      template:${pod('', '\n      restartPolicy: Never').replace(/\n/g, '\n    ')}`,
  'pdb-ok':
    'apiVersion: policy/v1\nkind: PodDisruptionBudget\nmetadata: {name: pdb-ok}\nspec:\n  minAvailable: 50%\n  selector: {matchLabels: {app: a}}\n',
  'hpa-wrong-type':
    'apiVersion: autoscaling/v2\nkind: HorizontalPodAutoscaler\nmetadata: {name: hpa-wrong-type}\nspec:\n  scaleTargetRef: {apiVersion: apps/v1, kind: Deployment, name: web}\n  minReplicas: 1\n  maxReplicas: ten\n',
  'pvc-ok':
    'apiVersion: v1\nkind: PersistentVolumeClaim\nmetadata: {name: pvc-ok}\nspec:\n  accessModes: [ReadWriteOnce]\n  resources: {requests: {storage: 10Gi}}\n',
  'networkpolicy-ok':
    'apiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\nmetadata: {name: networkpolicy-ok}\nspec:\n  podSelector: {}\n  policyTypes: [Ingress]\n  ingress: [{ports: [{port: 8080, protocol: TCP}]}]\n',
  'rolebinding-missing-roleref':
    'apiVersion: rbac.authorization.k8s.io/v1\nkind: RoleBinding\nmetadata: {name: rolebinding-missing-roleref}\nsubjects: [{kind: ServiceAccount, name: web}]\n',
  'configmap-duplicate-key':
    'apiVersion: v1\nkind: ConfigMap\nmetadata: {name: configmap-duplicate-key}\ndata:\n  a: "1"\n  a: "2"\n',
  'deployment-malformed-quantity': workload(
    'Deployment',
    'deployment-malformed-quantity',
    '          resources: {limits: {memory: 1Gb}}\n',
  ),
  'namespace-ok':
    'apiVersion: v1\nkind: Namespace\nmetadata: {name: namespace-ok, labels: {team: web}}\n',
}

/**
 * Where golden-path is right and kubeconform is not: the API server treats an explicit null as
 * an omitted field, so a null required field is missing.
 */
const documentedDifferences: Record<
  string,
  { goldenPath: boolean; kubeconform: boolean; document: string }
> = {
  'deployment-null-selector': {
    goldenPath: false,
    kubeconform: true,
    document: workload('Deployment', 'deployment-null-selector').replace(
      'selector: {matchLabels: {app: deployment-null-selector}}',
      'selector: null',
    ),
  },
}

const kubeconform = [join(homedir(), 'go/bin/kubeconform'), 'kubeconform'].find(
  (candidate) => spawnSync(candidate, ['-v']).status === 0,
)

describe('cross-check with kubeconform on a shared corpus', () => {
  let area: ReturnType<typeof workspace>
  const files: Record<string, string> = {}
  beforeAll(() => {
    for (const [name, document] of Object.entries(corpus)) files[`corpus/${name}.yaml`] = document
    for (const [name, { document }] of Object.entries(documentedDifferences))
      files[`corpus/${name}.yaml`] = document
    area = workspace(files)
    const generated = spawnSync(
      'node',
      [
        join(repositoryRoot, 'scripts/generate-schemas.mjs'),
        '--standalone',
        join(area.dir, 'schemas'),
        '--strict',
        '--kubernetes-version',
        '1.35',
      ],
      { encoding: 'utf8' },
    )
    expect(generated.status, generated.stderr).toBe(0)
  })
  afterAll(() => area?.cleanup())

  it('gives the same valid/invalid verdict for every resource, except the documented cases', async () => {
    expect(
      kubeconform,
      'kubeconform is required: go install github.com/yannh/kubeconform/cmd/kubeconform@v0.7.0',
    ).toBeDefined()
    expect(existsSync(join(area.dir, 'schemas/deployment-apps-v1.json'))).toBe(true)
    const run = spawnSync(
      kubeconform!,
      [
        '-strict',
        '-verbose',
        '-output',
        'json',
        '-schema-location',
        join(area.dir, 'schemas/{{.ResourceKind}}{{.KindSuffix}}.json'),
        join(area.dir, 'corpus'),
      ],
      { encoding: 'utf8' },
    )
    const theirs = new Map<string, boolean>(
      JSON.parse(run.stdout).resources.map((resource: { name: string; status: string }) => [
        resource.name,
        resource.status === 'statusValid',
      ]),
    )
    const report = await validate({ paths: ['corpus'], cwd: area.dir })
    const ours = new Map(
      report.resources.map((resource) => [resource.name, resource.status === 'valid']),
    )
    expect(ours.size).toBe(Object.keys(files).length)
    expect(theirs.size).toBe(Object.keys(files).length)
    for (const name of Object.keys(corpus)) {
      expect({ name, valid: ours.get(name) }).toEqual({ name, valid: theirs.get(name) })
    }
    for (const [name, expected] of Object.entries(documentedDifferences)) {
      expect({ name, goldenPath: ours.get(name), kubeconform: theirs.get(name) }).toEqual({
        name,
        goldenPath: expected.goldenPath,
        kubeconform: expected.kubeconform,
      })
    }
    // The corpus is balanced enough to mean something.
    const verdicts = [...ours.values()]
    expect(verdicts.filter(Boolean).length).toBeGreaterThan(8)
    expect(verdicts.filter((valid) => !valid).length).toBeGreaterThan(8)
  })
})

describe('cross-check with kubeconform on generated tricky YAML', () => {
  // Fixed so every run checks the same documents; docs/validate.md lists the differences.
  const documents = trickyCorpus(0x13, 300)
  let area: ReturnType<typeof workspace>
  beforeAll(() => {
    const files: Record<string, string> = {}
    for (const document of documents) files[`tricky/${document.name}.yaml`] = document.text
    area = workspace(files)
    const generated = spawnSync(
      'node',
      [
        join(repositoryRoot, 'scripts/generate-schemas.mjs'),
        '--standalone',
        join(area.dir, 'schemas'),
        '--strict',
        '--kubernetes-version',
        '1.35',
      ],
      { encoding: 'utf8' },
    )
    expect(generated.status, generated.stderr).toBe(0)
  })
  afterAll(() => area?.cleanup())

  it('reads 300 documents of YAML 1.1 scalars, tags, merges and odd whitespace to the same verdict', async () => {
    expect(kubeconform, 'kubeconform is required (bash scripts/setup.sh)').toBeDefined()
    const run = spawnSync(
      kubeconform!,
      [
        '-strict',
        '-output',
        'json',
        '-verbose',
        '-schema-location',
        join(area.dir, 'schemas/{{.ResourceKind}}{{.KindSuffix}}.json'),
        join(area.dir, 'tricky'),
      ],
      { encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 },
    )
    const fileName = (path: string) =>
      path
        .split('/')
        .pop()!
        .replace(/\.yaml$/, '')
    const theirs = new Map<string, boolean>()
    for (const resource of JSON.parse(run.stdout).resources as {
      filename: string
      status: string
    }[]) {
      theirs.set(fileName(resource.filename), resource.status === 'statusValid')
    }
    const report = await validate({ paths: ['tricky'], cwd: area.dir })
    const ours = new Map<string, boolean>()
    for (const resource of report.resources) {
      const name = fileName(resource.file)
      ours.set(name, (ours.get(name) ?? true) && resource.status === 'valid')
    }
    for (const document of documents) {
      const expected = document.difference
        ? { ours: true, theirs: false }
        : { ours: theirs.get(document.name), theirs: theirs.get(document.name) }
      expect(
        { name: document.name, ours: ours.get(document.name), theirs: theirs.get(document.name) },
        document.text,
      ).toEqual({ name: document.name, ...expected })
    }
    // Enough of both verdicts, and of the documented difference, to mean something.
    const verdicts = [...ours.values()]
    expect(verdicts.filter(Boolean).length).toBeGreaterThan(60)
    expect(verdicts.filter((valid) => !valid).length).toBeGreaterThan(60)
    expect(documents.filter((document) => document.difference).length).toBeGreaterThan(3)
  })
})
