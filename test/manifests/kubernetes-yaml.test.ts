import { describe, expect, it } from 'vitest'
import { validateText } from './validate-harness'

const configMap = (data: string) =>
  `apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: settings\ndata:\n${data}`

async function verdict(text: string) {
  const report = await validateText(text)
  const [resource] = report.resources
  return {
    status: resource?.status,
    messages: resource?.findings.map((finding) => finding.message) ?? [],
    lines: resource?.findings.map((finding) => finding.line) ?? [],
  }
}

describe('manifests are read as Kubernetes reads them (go-yaml v2, YAML 1.1 scalars)', () => {
  it.each(['yes', 'Yes', 'YES', 'no', 'on', 'Off', 'y', 'N'])(
    'refuses `%s` in a string field with a message that says to quote it',
    async (word) => {
      const result = await verdict(configMap(`  enabled: ${word}\n  name: web\n`))
      expect(result.status).toBe('invalid')
      expect(result.messages).toEqual([
        `\`${word}\` is a boolean in Kubernetes YAML; quote it (expected string)`,
      ])
      expect(result.lines).toEqual([6])
    },
  )

  it('points at the word inside a flow mapping too', async () => {
    const result = await verdict(configMap('  {enabled: on}\n').replace('data:\n  {', 'data: {'))
    expect(result.messages).toEqual([
      '`on` is a boolean in Kubernetes YAML; quote it (expected string)',
    ])
  })

  it.each(['"yes"', "'on'", 'yEs', 'oN', 'yesterday', 'true-ish'])(
    'accepts %s, which Kubernetes reads as a string',
    async (value) => {
      expect((await verdict(configMap(`  enabled: ${value}\n`))).status).toBe('valid')
    },
  )

  it('accepts `yes` in a boolean field, which Kubernetes reads as true', async () => {
    const pod =
      'apiVersion: v1\nkind: Pod\nmetadata: {name: p}\nspec:\n  automountServiceAccountToken: yes\n  containers:\n    - name: app\n      image: registry.example/app:1.0.0\n      stdin: on\n'
    expect((await verdict(pod)).status).toBe('valid')
  })

  it.each([
    ['0644', 'octal'],
    ['1_000', 'underscores'],
    ['0o17', 'an 0o prefix'],
    ['0b101', 'a binary prefix'],
    ['08', 'a leading zero read as a float'],
  ])('reads %s (%s) as a number, so a string field refuses it', async (value) => {
    const result = await verdict(configMap(`  mode: ${value}\n`))
    expect(result.status).toBe('invalid')
    expect(result.messages[0]).toMatch(/^expected string, got (integer|number)$/)
  })

  it.each(['1:30', '2001-12-14', '0x', '_1'])('reads %s as a string', async (value) => {
    expect((await verdict(configMap(`  value: ${value}\n`))).status).toBe('valid')
  })

  it('reads an octal file mode as the number Kubernetes sees (0644 is 420)', async () => {
    const pod = (mode: string) =>
      `apiVersion: v1\nkind: Pod\nmetadata: {name: p}\nspec:\n  containers:\n    - name: app\n      image: registry.example/app:1.0.0\n  volumes:\n    - name: config\n      configMap: {name: c, defaultMode: ${mode}}\n`
    expect((await verdict(pod('0644'))).status).toBe('valid')
    // 0999 is not octal: go-yaml reads it as the float 999, still a whole number.
    expect((await verdict(pod('0999'))).status).toBe('valid')
  })

  it('decodes !!binary into its text, as go-yaml does', async () => {
    expect((await verdict(configMap('  greeting: !!binary aGVsbG8=\n'))).status).toBe('valid')
  })

  it('honours merge keys', async () => {
    const text =
      'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: merged\n  labels: &labels {app: web}\n  annotations:\n    <<: *labels\n    team: platform\ndata: {a: b}\n'
    expect((await verdict(text)).status).toBe('valid')
  })
})
