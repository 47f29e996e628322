import { describe, expect, it } from 'vitest'
import { UsageError } from '../../actions/lib/errors'
import { planFileBumps } from '../../actions/lib/writeback/file-bump-plan'
import { parseImageReference } from '../../actions/lib/writeback/image-reference'

const image = 'ghcr.io/example-org/golden-path-reference-service'
const digest = `sha256:${'ab'.repeat(32)}`
const oldDigest = `sha256:${'cd'.repeat(32)}`

function bumped(path: string, text: string, bump: object, options = {}) {
  return planFileBumps({ path, text }, [{ image, tag: '0.2.0', ...bump }], {
    add: false,
    ...options,
  })
}

describe('image references', () => {
  it.each([
    ['app', { repository: 'app' }],
    [
      'registry.local:5000/team/sub/app:1.2.3',
      { repository: 'registry.local:5000/team/sub/app', tag: '1.2.3' },
    ],
    [`ghcr.io/org/app@${digest}`, { repository: 'ghcr.io/org/app', digest }],
    [`ghcr.io/org/app:1.0@${digest}`, { repository: 'ghcr.io/org/app', tag: '1.0', digest }],
    ['localhost:5000/app:latest', { repository: 'localhost:5000/app', tag: 'latest' }],
  ])('parses %s', (text, expected) => {
    expect(parseImageReference(text)).toEqual({ tag: undefined, digest: undefined, ...expected })
  })

  it.each([
    'ghcr.io/org/App:1.0',
    'ghcr.io/org/app:-bad',
    'ghcr.io/org/app:1.0;rm -rf',
    'ghcr.io/org/app@sha256:short',
    'ghcr.io/org/app:$(id)',
    '',
  ])('rejects %j', (text) => {
    expect(parseImageReference(text)).toBeUndefined()
  })
})

describe('kustomize images entries', () => {
  const overlay = `images:\n  - name: golden-path-reference-service\n    newName: ${image}\n    newTag: "0.1.0"\n`

  it('matches an entry by newName', () => {
    const plan = bumped('kustomization.yaml', overlay, {})
    expect(plan.newText).toBe(overlay.replace('0.1.0', '0.2.0'))
  })

  it('matches an entry by name', () => {
    const text = `images:\n  - name: ${image}\n    newTag: 0.1.0\n`
    expect(bumped('kustomization.yaml', text, {}).newText).toBe(text.replace('0.1.0', '0.2.0'))
  })

  it('adds a digest key beside newTag when pinning by digest', () => {
    const plan = bumped('kustomization.yaml', overlay, { digest })
    expect(plan.newText).toBe(`${overlay.replace('0.1.0', '0.2.0')}    digest: "${digest}"\n`)
    expect(plan.occurrences[0]?.new).toEqual({ tag: '0.2.0', digest })
  })

  it('replaces an existing digest in place', () => {
    const text = `images:\n  - name: ${image}\n    digest: ${oldDigest} # pinned\n`
    const plan = planFileBumps({ path: 'kustomization.yaml', text }, [{ image, digest }], {
      add: false,
    })
    expect(plan.newText).toBe(text.replace(oldDigest, digest))
  })

  it('refuses a tag-only bump of an entry pinned by digest', () => {
    const text = `images:\n  - name: ${image}\n    newTag: 0.1.0\n    digest: ${oldDigest}\n`
    expect(() => bumped('kustomization.yaml', text, {})).toThrow(/pins digest/)
  })

  it('does not add an entry for an unlisted image without --add', () => {
    const text = 'images:\n  - name: other\n    newTag: "1"\n'
    expect(bumped('kustomization.yaml', text, {}).occurrences).toEqual([])
  })

  it.each([
    [
      'to an existing list, copying its indentation',
      'images:\n    -   name: other\n        newTag: "1"\nnamespace: dev\n',
      `images:\n    -   name: other\n        newTag: "1"\n    -   name: "${image}"\n        newTag: "0.2.0"\nnamespace: dev\n`,
    ],
    [
      'as a new images key',
      'resources:\n  - ../../base\n',
      `resources:\n  - ../../base\nimages:\n- name: "${image}"\n  newTag: "0.2.0"\n`,
    ],
    ['to a flow list', 'images: []\n', `images: [{name: "${image}", newTag: "0.2.0"}]\n`],
  ])('appends an entry with --add %s', (_, text, expected) => {
    expect(bumped('kustomization.yaml', text, {}, { add: true }).newText).toBe(expected)
  })
})

describe('raw manifests', () => {
  const podSpec = (indent: string) =>
    [
      'initContainers:',
      '  - name: migrate',
      `    image: ${image}:0.1.0`,
      'containers:',
      '  - name: app',
      `    image: ${image}:0.1.0`,
      '  - name: sidecar',
      `    image: ${image}-sidecar:0.1.0`,
      '  - name: other-org',
      `    image: ghcr.io/other-org/golden-path-reference-service:0.1.0`,
    ]
      .map((line) => `${indent}${line}`)
      .join('\n')
  const workloads: [string, string][] = [
    ['Pod', `apiVersion: v1\nkind: Pod\nmetadata:\n  name: p\nspec:\n${podSpec('  ')}\n`],
    ...['Deployment', 'StatefulSet', 'DaemonSet', 'Job'].map((kind): [string, string] => [
      kind,
      `apiVersion: apps/v1\nkind: ${kind}\nmetadata:\n  name: w\nspec:\n  template:\n    spec:\n${podSpec('      ')}\n`,
    ]),
    [
      'CronJob',
      `apiVersion: batch/v1\nkind: CronJob\nmetadata:\n  name: c\nspec:\n  jobTemplate:\n    spec:\n      template:\n        spec:\n${podSpec('          ')}\n`,
    ],
    [
      'Rollout',
      `apiVersion: argoproj.io/v1alpha1\nkind: Rollout\nmetadata:\n  name: r\nspec:\n  template:\n    spec:\n${podSpec('      ')}\n`,
    ],
  ]

  it.each(workloads)(
    'updates every container and init container of a %s running the image, and no other',
    (_, text) => {
      const plan = bumped('workload.yaml', text, {})
      expect(plan.occurrences).toHaveLength(2)
      const expected = text
        .replace(`${image}:0.1.0\n`, `${image}:0.2.0\n`)
        .replace(`${image}:0.1.0\n`, `${image}:0.2.0\n`)
      expect(plan.newText).toBe(expected)
      expect(plan.newText).toContain(`${image}-sidecar:0.1.0`)
      expect(plan.newText).toContain('ghcr.io/other-org/golden-path-reference-service:0.1.0')
    },
  )

  it('pins tag and digest together in a container image', () => {
    const text = `apiVersion: v1\nkind: Pod\nmetadata: {name: p}\nspec:\n  containers:\n    - name: app\n      image: '${image}:0.1.0@${oldDigest}'\n`
    const plan = bumped('pod.yaml', text, { digest })
    expect(plan.newText).toBe(text.replace(`0.1.0@${oldDigest}`, `0.2.0@${digest}`))
  })
})

describe('Helm values', () => {
  it('updates the key named by --values-path', () => {
    const text = 'app:\n  image:\n    name: svc\n    version: 0.1.0 # chart default\n'
    const plan = bumped('values.yaml', text, {}, { valuesPath: 'app.image.version' })
    expect(plan.newText).toBe(text.replace('0.1.0', '0.2.0'))
  })

  it('leaves a --values-path whose sibling repository names another image', () => {
    const text = 'image:\n  repository: ghcr.io/example-org/another\n  tag: 0.1.0\n'
    expect(bumped('values.yaml', text, {}, { valuesPath: 'image.tag' }).occurrences).toEqual([])
  })

  it('finds registry + repository + tag + digest keys', () => {
    const text = `image:\n  registry: ghcr.io\n  repository: example-org/golden-path-reference-service\n  tag: 0.1.0\n  digest: ""\n`
    const plan = bumped('values.yaml', text, { digest })
    expect(plan.newText).toBe(text.replace('0.1.0', '0.2.0').replace('""', `"${digest}"`))
  })

  it('finds a full reference written as one string', () => {
    const text = `workers:\n  - image: ${image}:0.1.0\n  - image: ${image}-worker:0.1.0\n`
    expect(bumped('values.yaml', text, {}).newText).toBe(text.replace(':0.1.0\n', ':0.2.0\n'))
  })
})

describe('objects that embed Helm values', () => {
  it('updates the image of a Flux HelmRelease through spec.values', () => {
    const text = `apiVersion: helm.toolkit.fluxcd.io/v2\nkind: HelmRelease\nmetadata:\n  name: svc\nspec:\n  values:\n    image:\n      repository: ${image}\n      tag: 0.1.0\n`
    expect(bumped('release.yaml', text, {}).newText).toBe(text.replace('tag: 0.1.0', 'tag: 0.2.0'))
  })

  it('follows --values-path from the object root', () => {
    const text = `apiVersion: argoproj.io/v1alpha1\nkind: Application\nmetadata:\n  name: svc\nspec:\n  source:\n    helm:\n      valuesObject:\n        imageTag: 0.1.0\n`
    const plan = bumped(
      'app.yaml',
      text,
      {},
      { valuesPath: 'spec.source.helm.valuesObject.imageTag' },
    )
    expect(plan.newText).toBe(text.replace('0.1.0', '0.2.0'))
  })
})

describe('setter markers', () => {
  it('follows tag and name markers of the policy that names the image', () => {
    const text = [
      'image:',
      `  repository: ${image} # {"$imagepolicy": "flux-system:svc:name"}`,
      '  tag: 0.1.0 # {"$imagepolicy": "flux-system:svc:tag"}',
      'other:',
      '  repository: ghcr.io/example-org/other # {"$imagepolicy": "flux-system:other:name"}',
      '  tag: 0.1.0 # {"$imagepolicy": "flux-system:other:tag"}',
      '',
    ].join('\n')
    const plan = bumped('values.yaml', text, {})
    expect(plan.newText).toBe(
      text.replace(
        'tag: 0.1.0 # {"$imagepolicy": "flux-system:svc:tag"}',
        'tag: 0.2.0 # {"$imagepolicy": "flux-system:svc:tag"}',
      ),
    )
  })

  it('updates a full-reference marker anywhere, even in a ConfigMap', () => {
    const text = `apiVersion: v1\nkind: ConfigMap\nmetadata: {name: c}\ndata:\n  image: "${image}:0.1.0" # {"$imagepolicy": "apps:svc"}\n`
    expect(bumped('cm.yaml', text, {}).newText).toBe(text.replace(':0.1.0"', ':0.2.0"'))
  })

  it('matches a tag-only marker by the policy name', () => {
    const text = 'tag: 0.1.0 # {"$imagepolicy": "flux-system:golden-path-reference-service:tag"}\n'
    expect(bumped('values.yaml', text, {}).newText).toBe(text.replace('0.1.0', '0.2.0'))
  })
})

describe('bad files', () => {
  it('names the file and line of YAML that does not parse', () => {
    expect(() => bumped('broken.yaml', 'images:\n  - name: [unclosed\n', {})).toThrow(UsageError)
    expect(() => bumped('broken.yaml', 'images:\n  - name: [unclosed\n', {})).toThrow(
      /broken.yaml.*not valid YAML/,
    )
  })
})
