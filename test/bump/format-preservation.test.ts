import { describe, expect, it } from 'vitest'
import { planFileBumps } from '../../actions/lib/writeback/file-bump-plan'

const image = 'ghcr.io/example-org/golden-path-reference-service'
const bump = { image, tag: '0.2.0' }

/**
 * Every case is a file before and after moving `image` from 0.1.0 to 0.2.0.
 * `after` is written out in full, so any byte outside the value that moved
 * (a comment, a blank line, a quote, a line ending) would fail the comparison.
 */
const shortName = { image: 'golden-path-reference-service', tag: '0.2.0' }

const cases: {
  name: string
  path: string
  before: string
  after: string
  bump?: { image: string; tag: string }
}[] = [
  {
    name: 'keeps comments on, above and after the changed line',
    path: 'kustomization.yaml',
    before:
      '# overlay for dev\nimages:\n  # the service\n  - name: golden-path-reference-service # short name\n    newName: ghcr.io/example-org/golden-path-reference-service\n    newTag: 0.1.0 # set by CI\n# trailing comment\n',
    after:
      '# overlay for dev\nimages:\n  # the service\n  - name: golden-path-reference-service # short name\n    newName: ghcr.io/example-org/golden-path-reference-service\n    newTag: 0.2.0 # set by CI\n# trailing comment\n',
  },
  {
    name: 'keeps blank lines, including several in a row',
    path: 'kustomization.yaml',
    before:
      'resources:\n  - ../../base\n\n\nimages:\n\n  - name: golden-path-reference-service\n    newName: ghcr.io/example-org/golden-path-reference-service\n\n    newTag: "0.1.0"\n\n',
    after:
      'resources:\n  - ../../base\n\n\nimages:\n\n  - name: golden-path-reference-service\n    newName: ghcr.io/example-org/golden-path-reference-service\n\n    newTag: "0.2.0"\n\n',
  },
  {
    name: 'keeps unusual indentation (sequence flush with its key, four-space maps)',
    path: 'kustomization.yaml',
    before:
      'images:\n- name: golden-path-reference-service\n  newName:     ghcr.io/example-org/golden-path-reference-service\n  newTag:      0.1.0\nlabels:\n    -   pairs:\n            app: x\n',
    after:
      'images:\n- name: golden-path-reference-service\n  newName:     ghcr.io/example-org/golden-path-reference-service\n  newTag:      0.2.0\nlabels:\n    -   pairs:\n            app: x\n',
  },
  {
    name: 'keeps key order that no serialiser would choose',
    path: 'kustomization.yaml',
    before:
      'namespace: dev\nimages:\n  - newTag: 0.1.0\n    newName: ghcr.io/example-org/golden-path-reference-service\n    name: golden-path-reference-service\nkind: Kustomization\napiVersion: kustomize.config.k8s.io/v1beta1\n',
    after:
      'namespace: dev\nimages:\n  - newTag: 0.2.0\n    newName: ghcr.io/example-org/golden-path-reference-service\n    name: golden-path-reference-service\nkind: Kustomization\napiVersion: kustomize.config.k8s.io/v1beta1\n',
  },
  {
    name: 'keeps double quotes',
    bump: shortName,
    path: 'kustomization.yaml',
    before: 'images:\n  - name: "golden-path-reference-service"\n    newTag: "0.1.0"\n',
    after: 'images:\n  - name: "golden-path-reference-service"\n    newTag: "0.2.0"\n',
  },
  {
    name: 'keeps single quotes',
    bump: shortName,
    path: 'kustomization.yaml',
    before: "images:\n  - name: 'golden-path-reference-service'\n    newTag: '0.1.0'\n",
    after: "images:\n  - name: 'golden-path-reference-service'\n    newTag: '0.2.0'\n",
  },
  {
    name: 'quotes a plain value that YAML would otherwise read as a number',
    bump: { image, tag: '1.10' },
    path: 'values.yaml',
    before: 'image:\n  repository: ghcr.io/example-org/golden-path-reference-service\n  tag: v1\n',
    after:
      'image:\n  repository: ghcr.io/example-org/golden-path-reference-service\n  tag: "1.10"\n',
  },
  {
    // An anchor on the changed value that an alias shares is refused instead (cli.test.ts).
    name: 'keeps anchors and aliases, and the anchor on the changed value',
    path: 'values.yaml',
    before:
      'defaults: &defaults\n  pullPolicy: IfNotPresent\nimage:\n  <<: *defaults\n  repository: ghcr.io/example-org/golden-path-reference-service\n  tag: &tag 0.1.0\nsidecar: *defaults\n',
    after:
      'defaults: &defaults\n  pullPolicy: IfNotPresent\nimage:\n  <<: *defaults\n  repository: ghcr.io/example-org/golden-path-reference-service\n  tag: &tag 0.2.0\nsidecar: *defaults\n',
  },
  {
    name: 'keeps literal and folded block scalars byte for byte',
    path: 'deployment.yaml',
    before:
      'apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: svc\n  annotations:\n    note: >\n      folded text\n      over lines\n\nspec:\n  template:\n    spec:\n      containers:\n        - name: app\n          image: ghcr.io/example-org/golden-path-reference-service:0.1.0\n          args:\n            - |\n              line one\n                indented line\n\n              after blank\n',
    after:
      'apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: svc\n  annotations:\n    note: >\n      folded text\n      over lines\n\nspec:\n  template:\n    spec:\n      containers:\n        - name: app\n          image: ghcr.io/example-org/golden-path-reference-service:0.2.0\n          args:\n            - |\n              line one\n                indented line\n\n              after blank\n',
  },
  {
    name: 'keeps flow mappings and sequences',
    path: 'kustomization.yaml',
    before:
      'resources: [../../base, extra.yaml]\nimages: [{name: golden-path-reference-service, newName: ghcr.io/example-org/golden-path-reference-service, newTag: 0.1.0}]\n',
    after:
      'resources: [../../base, extra.yaml]\nimages: [{name: golden-path-reference-service, newName: ghcr.io/example-org/golden-path-reference-service, newTag: 0.2.0}]\n',
  },
  {
    name: 'keeps CRLF line endings',
    bump: shortName,
    path: 'kustomization.yaml',
    before:
      'images:\r\n  - name: golden-path-reference-service\r\n    newTag: "0.1.0" # x\r\n\r\nnamespace: dev\r\n',
    after:
      'images:\r\n  - name: golden-path-reference-service\r\n    newTag: "0.2.0" # x\r\n\r\nnamespace: dev\r\n',
  },
  {
    name: 'keeps a UTF-8 byte order mark and non-ASCII text',
    bump: shortName,
    path: 'kustomization.yaml',
    before:
      '\uFEFF# Überblick — dev\nimages:\n  - name: golden-path-reference-service\n    newTag: 0.1.0\n',
    after:
      '\uFEFF# Überblick — dev\nimages:\n  - name: golden-path-reference-service\n    newTag: 0.2.0\n',
  },
  {
    name: 'keeps the other documents of a multi-document file',
    path: 'all.yaml',
    before:
      '---\napiVersion: v1\nkind: Service\nmetadata: {name: svc}\n---\n# the workload\napiVersion: apps/v1\nkind: Deployment\nmetadata: {name: svc}\nspec:\n  template:\n    spec:\n      containers: [{name: app, image: "ghcr.io/example-org/golden-path-reference-service:0.1.0"}]\n...\n',
    after:
      '---\napiVersion: v1\nkind: Service\nmetadata: {name: svc}\n---\n# the workload\napiVersion: apps/v1\nkind: Deployment\nmetadata: {name: svc}\nspec:\n  template:\n    spec:\n      containers: [{name: app, image: "ghcr.io/example-org/golden-path-reference-service:0.2.0"}]\n...\n',
  },
]

describe('format preservation', () => {
  it.each(cases)('$name', ({ path, before, after, bump: bumpTo = bump }) => {
    const plan = planFileBumps({ path, text: before }, [bumpTo], { add: false })
    expect(plan.newText).toBe(after)
    expect(Buffer.from(plan.newText).length - Buffer.from(before).length).toBe(
      Buffer.from(after).length - Buffer.from(before).length,
    )
  })

  it.each(cases)(
    'leaves the file untouched when already at the new version: $name',
    ({ path, after, bump: bumpTo = bump }) => {
      const plan = planFileBumps({ path, text: after }, [bumpTo], { add: false })
      expect(plan.occurrences.length).toBeGreaterThan(0)
      expect(plan.occurrences.every((occurrence) => occurrence.edits.length === 0)).toBe(true)
      expect(plan.newText).toBe(after)
    },
  )

  it('refuses to rewrite a value written as a block scalar', () => {
    const text = 'images:\n  - name: golden-path-reference-service\n    newTag: |\n      0.1.0\n'
    expect(() =>
      planFileBumps({ path: 'kustomization.yaml', text }, [shortName], { add: false }),
    ).toThrow(/block scalar/)
  })
})
