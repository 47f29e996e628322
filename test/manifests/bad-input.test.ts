import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { validate, workspace } from './validate-harness'

const valid = 'apiVersion: v1\nkind: ConfigMap\nmetadata: {name: fine}\ndata: {a: b}\n'

function aliasBomb(): string {
  let text = 'apiVersion: v1\nkind: ConfigMap\nmetadata: {name: bomb}\nlol0: &l0 [lol]\n'
  for (let level = 1; level < 12; level++) {
    text += `lol${level}: &l${level} [${Array(10)
      .fill(`*l${level - 1}`)
      .join(', ')}]\n`
  }
  return text
}

describe('bad input becomes a finding and the rest is still validated', () => {
  it.each([
    [
      'invalid UTF-8',
      Buffer.from([0x61, 0x3a, 0x20, 0xff, 0xfe, 0x0a]),
      'unreadable-input',
      /not valid UTF-8/,
    ],
    ['a YAML alias bomb', aliasBomb(), 'alias-expansion', /expands to more than/],
    [
      'a document over 10 MB',
      `apiVersion: v1\nkind: ConfigMap\nmetadata: {name: big}\ndata:\n  blob: "${'x'.repeat(10 * 1024 * 1024)}"\n`,
      'document-too-large',
      /larger than 10 MB/,
    ],
    [
      'very deep nesting',
      `apiVersion: v1\nkind: ConfigMap\nmetadata: {name: deep}\ndata: ${'['.repeat(5000)}${']'.repeat(5000)}\n`,
      'nesting-too-deep',
      /nesting deeper than/,
    ],
    ['a document that is not a mapping', '- one\n- two\n', 'not-a-resource', /is a list/],
    ['a scalar document', 'just text\n', 'not-a-resource', /is a string/],
    [
      'missing apiVersion and kind',
      'metadata: {name: x}\n',
      'not-a-resource',
      /missing apiVersion and kind/,
    ],
  ])('%s', async (_label, content, rule, message) => {
    const { dir, cleanup } = workspace({ 'a-bad.yaml': content, 'b-good.yaml': valid })
    try {
      const started = Date.now()
      const report = await validate({ paths: [dir], cwd: dir })
      expect(Date.now() - started).toBeLessThan(20_000)
      expect(report.resources.map((resource) => [resource.file, resource.status])).toEqual([
        ['a-bad.yaml', 'error'],
        ['b-good.yaml', 'valid'],
      ])
      expect(report.resources[0].findings[0].rule).toBe(rule)
      expect(report.resources[0].findings[0].message).toMatch(message)
      expect(report.passed).toBe(false)
    } finally {
      cleanup()
    }
  })

  it('reports a path that cannot be read as an input error and validates the others', async () => {
    const { dir, cleanup } = workspace({ 'good.yaml': valid })
    try {
      const report = await validate({ paths: [join(dir, 'missing.yaml'), dir], cwd: dir })
      expect(report.inputErrors).toBe(1)
      expect(report.resources.map((resource) => [resource.file, resource.status])).toEqual([
        ['missing.yaml', 'error'],
        ['good.yaml', 'valid'],
      ])
      expect(report.resources[0].findings[0].message).toMatch(/ENOENT/)
    } finally {
      cleanup()
    }
  })

  it('reads directories recursively, only YAML and JSON resources, in a stable order', async () => {
    const { dir, cleanup } = workspace({
      'b/two.yml': valid,
      'a/one.json': JSON.stringify({
        apiVersion: 'v1',
        kind: 'ConfigMap',
        metadata: { name: 'json' },
      }),
      'notes.txt': 'not a manifest',
      'b/kustomization.yaml': 'resources: [two.yml]\n',
      'c/component.yaml': 'apiVersion: kustomize.config.k8s.io/v1alpha1\nkind: Component\n',
      '.git/config.yaml': 'ignored: true',
    })
    try {
      const report = await validate({ paths: [dir], cwd: dir })
      expect(
        report.resources.map((resource) => [resource.file, resource.name, resource.status]),
      ).toEqual([
        ['a/one.json', 'json', 'valid'],
        ['b/two.yml', 'fine', 'valid'],
        ['c/component.yaml', '', 'skipped'],
      ])
    } finally {
      cleanup()
    }
  })
})
