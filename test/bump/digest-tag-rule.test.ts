import { describe, expect, it } from 'vitest'
import { planFileBumps } from '../../actions/lib/writeback/file-bump-plan'
import type { ImageBump } from '../../actions/lib/writeback/image-occurrence'

const image = 'ghcr.io/acme/payments'
const digest = `sha256:${'ab'.repeat(32)}`
const oldDigest = `sha256:${'cd'.repeat(32)}`

function plan(text: string, bump: Omit<ImageBump, 'image'>, path = 'kustomization.yaml') {
  return planFileBumps({ path, text }, [{ image, ...bump }], { add: false })
}

describe('a digest bump never leaves a tag naming another build', () => {
  it('removes a stale newTag line, trailing comment and all, when only --digest is given', () => {
    const text = [
      'resources:',
      '  - ../../base',
      'images:',
      '  # the payments API',
      `  - name: ${image}`,
      '    newTag: "1.4.0" # release',
      `    digest: ${oldDigest}`,
      '  - name: sidecar # untouched',
      '    newTag: "2"',
      '',
    ].join('\n')
    expect(plan(text, { digest }).newText).toBe(
      [
        'resources:',
        '  - ../../base',
        'images:',
        '  # the payments API',
        `  - name: ${image}`,
        `    digest: ${digest}`,
        '  - name: sidecar # untouched',
        '    newTag: "2"',
        '',
      ].join('\n'),
    )
  })

  it('removes a tag that pinned no digest before, since it names an older build', () => {
    const text = `images:\n  - name: ${image}\n    newTag: 1.4.0\n`
    const result = plan(text, { digest })
    expect(result.newText).toBe(`images:\n  - name: ${image}\n    digest: "${digest}"\n`)
    expect(result.occurrences[0]?.new).toEqual({ tag: undefined, digest })
  })

  it('keeps the tag when the digest is the one already pinned (the tag names the same image)', () => {
    const text = `images:\n  - name: ${image}\n    newTag: 1.4.0\n    digest: ${digest}\n`
    expect(plan(text, { digest }).newText).toBe(text)
  })

  it('writes the build tag and the digest together', () => {
    const text = `images:\n  - name: ${image}\n    newTag: 1.4.0\n    digest: ${oldDigest}\n`
    expect(plan(text, { tag: 'sha-1a2b3c4', digest }).newText).toBe(
      `images:\n  - name: ${image}\n    newTag: sha-1a2b3c4\n    digest: ${digest}\n`,
    )
  })

  it('removes the tag from a flow-style entry, keeping the braces', () => {
    const text = `images:\n  - {name: ${image}, newTag: "1.4.0", digest: ${oldDigest}}\n`
    expect(plan(text, { digest }).newText).toBe(
      `images:\n  - {name: ${image}, digest: ${digest}}\n`,
    )
  })

  it('moves the next key onto the dash line when the tag comes first', () => {
    const text = `images:\n  - newTag: "1.4.0"\n    name: ${image}\n    digest: ${oldDigest}\n`
    expect(plan(text, { digest }).newText).toBe(
      `images:\n  - name: ${image}\n    digest: ${digest}\n`,
    )
  })

  it('drops the tag of a container image reference pinned to another digest', () => {
    const text = `apiVersion: v1\nkind: Pod\nmetadata: {name: p}\nspec:\n  containers:\n    - name: app\n      image: ${image}:1.4.0@${oldDigest}\n`
    expect(plan(text, { digest }, 'pod.yaml').newText).toBe(
      text.replace(`:1.4.0@${oldDigest}`, `@${digest}`),
    )
  })
})

describe('newName: rendering to the registry the image was pushed to', () => {
  it('replaces newName and pins tag and digest, leaving every other byte alone', () => {
    const text = [
      '# dev overlay',
      'images:',
      '  - name: golden-path-reference-service',
      '    newName: ghcr.io/example-org/golden-path-reference-service # prod registry',
      '    newTag: "0.1.0"',
      '',
    ].join('\n')
    const result = planFileBumps(
      { path: 'kustomization.yaml', text },
      [
        {
          image: 'golden-path-reference-service',
          newName: '127.0.0.1:5050/example-org/golden-path-reference-service',
          tag: 'sha-1a2b3c4',
          digest,
        },
      ],
      { add: false },
    )
    expect(result.newText).toBe(
      [
        '# dev overlay',
        'images:',
        '  - name: golden-path-reference-service',
        '    newName: 127.0.0.1:5050/example-org/golden-path-reference-service # prod registry',
        '    newTag: "sha-1a2b3c4"',
        `    digest: "${digest}"`,
        '',
      ].join('\n'),
    )
  })

  it('adds newName to an entry that names the production image directly', () => {
    const text = `images:\n  - name: ${image} # ours\n    newTag: "1.4.0"\n`
    const result = plan(text, {
      newName: '127.0.0.1:5050/acme/payments',
      tag: 'sha-1a2b3c4',
      digest,
    })
    expect(result.newText).toBe(
      `images:\n  - name: ${image} # ours\n    newTag: "sha-1a2b3c4"\n    newName: "127.0.0.1:5050/acme/payments"\n    digest: "${digest}"\n`,
    )
  })
})
