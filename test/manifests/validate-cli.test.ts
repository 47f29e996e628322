import { spawnSync } from 'node:child_process'
import { existsSync } from 'node:fs'
import { Readable, Writable } from 'node:stream'
import { describe, expect, it } from 'vitest'
import { main } from '../../cli/src/main'
import { bundleNode } from '../support/node-runtime'
import { repositoryRoot, workspace } from './validate-harness'

async function cli(args: string[], { stdin = '', cwd = repositoryRoot } = {}) {
  let stdout = ''
  let stderr = ''
  const sink = (append: (text: string) => void) =>
    new Writable({
      write(chunk, _encoding, done) {
        append(String(chunk))
        done()
      },
    })
  const code = await main(['validate', ...args], {
    stdout: sink((text) => {
      stdout += text
    }),
    stderr: sink((text) => {
      stderr += text
    }),
    stdin: Readable.from([stdin]),
    env: {},
    cwd,
  })
  return { code, stdout, stderr }
}

const good = 'apiVersion: v1\nkind: ConfigMap\nmetadata: {name: good}\ndata: {a: b}\n'
const bad = 'apiVersion: v1\nkind: ConfigMap\nmetadata: {name: bad}\ndata: {a: 1}\n'

describe('golden-path validate', () => {
  it.each([
    ['valid input exits 0', good, [], 0],
    ['a schema error exits 1', bad, [], 1],
    [
      'a warning passes by default',
      'apiVersion: v1\nkind: Service\nmetadata: {name: s}\nspec: {ports: [{port: 80}]}\n',
      ['--policy', 'golden-path'],
      0,
    ],
    [
      'a warning fails with --fail-on warning',
      'apiVersion: v1\nkind: Service\nmetadata: {name: s}\nspec: {ports: [{port: 80}]}\n',
      ['--policy', 'golden-path', '--fail-on', 'warning'],
      1,
    ],
  ])('%s', async (_label, stdin, flags, code) => {
    const result = await cli(['-', '--policy', 'none', ...(flags as string[])], {
      stdin: stdin as string,
    })
    expect(result.code).toBe(code)
  })

  it.each([
    [['--output', 'yaml'], "invalid --output 'yaml': expected one of text, json, sarif, junit"],
    [
      ['--kubernetes-version', '1.20'],
      "invalid --kubernetes-version '1.20': expected one of 1.33, 1.34, 1.35, 1.36",
    ],
    [['--fail-on', 'note'], "invalid --fail-on 'note': expected one of error, warning"],
    [['--policy', 'missing.yaml'], "cannot read --policy 'missing.yaml'"],
    [['--crd', 'no/such/dir'], "--crd 'no/such/dir' does not exist"],
    [['--kustomize', 'data'], "--kustomize 'data' has no kustomization.yaml"],
    [['--bogus'], "unknown flag '--bogus'"],
  ])('rejects %j with one line on stderr and exit 2', async (flags, message) => {
    const result = await cli(['-', ...flags])
    expect(result.code).toBe(2)
    expect(result.stderr).toContain(`golden-path validate: ${message}`)
    expect(result.stderr.trim().split('\n')).toHaveLength(1)
  })

  it('exits 2 when an input cannot be read, after validating the others', async () => {
    const { dir, cleanup } = workspace({ 'bad.yaml': bad })
    try {
      const result = await cli(['missing.yaml', 'bad.yaml', '--output', 'json'], { cwd: dir })
      expect(result.code).toBe(2)
      expect(JSON.parse(result.stdout).summary).toEqual({
        resources: 2,
        valid: 0,
        invalid: 1,
        errors: 1,
        skipped: 0,
      })
    } finally {
      cleanup()
    }
  })

  it('prints exactly the JSON contract', async () => {
    const result = await cli(['-', '--output', 'json', '--policy', 'none'], {
      stdin: `${good}---\n${bad}`,
    })
    const output = JSON.parse(result.stdout)
    expect(Object.keys(output)).toEqual(['resources', 'summary'])
    expect(output.summary).toEqual({ resources: 2, valid: 1, invalid: 1, errors: 0, skipped: 0 })
    expect(output.resources[1]).toEqual({
      file: '-',
      line: 6,
      column: 1,
      apiVersion: 'v1',
      kind: 'ConfigMap',
      name: 'bad',
      namespace: '',
      status: 'invalid',
      findings: [
        {
          rule: 'schema-type',
          severity: 'error',
          message: 'expected string, got integer',
          path: '/data/a',
          file: '-',
          line: 9,
          column: 11,
        },
      ],
    })
  })

  it('groups text output by file with line:column', async () => {
    const { dir, cleanup } = workspace({ 'a.yaml': bad, 'b.yaml': good })
    try {
      const result = await cli(['.', '--policy', 'none'], { cwd: dir })
      expect(result.stdout.split('\n').slice(0, 2)).toEqual([
        'a.yaml',
        expect.stringMatching(
          /^ {2}4:11 +error +schema-type +ConfigMap\/bad \/data\/a: expected string, got integer$/,
        ),
      ])
      expect(result.stdout).toContain('2 resources: 1 valid, 1 invalid, 0 errors, 0 skipped')
    } finally {
      cleanup()
    }
  })

  it('writes SARIF 2.1.0 with regions, rule ids and stable fingerprints', async () => {
    const first = JSON.parse(
      (await cli(['-', '--output', 'sarif', '--policy', 'none'], { stdin: bad })).stdout,
    )
    // The same finding two lines lower keeps its fingerprint.
    const moved = JSON.parse(
      (await cli(['-', '--output', 'sarif', '--policy', 'none'], { stdin: `# a\n# b\n${bad}` }))
        .stdout,
    )
    expect(first.version).toBe('2.1.0')
    const [result] = first.runs[0].results
    expect(result).toMatchObject({
      ruleId: 'schema-type',
      level: 'error',
      locations: [
        {
          physicalLocation: {
            artifactLocation: { uri: '-' },
            region: { startLine: 4, startColumn: 11 },
          },
        },
      ],
    })
    expect(first.runs[0].tool.driver.rules[result.ruleIndex].id).toBe('schema-type')
    expect(moved.runs[0].results[0].locations[0].physicalLocation.region.startLine).toBe(6)
    expect(moved.runs[0].results[0].partialFingerprints).toEqual(result.partialFingerprints)
  })

  it('writes JUnit XML with a failure per invalid resource', async () => {
    const result = await cli(['-', '--output', 'junit', '--policy', 'none'], {
      stdin: `${good}---\n${bad}`,
    })
    expect(result.stdout).toContain(
      '<testsuites name="golden-path validate" tests="2" failures="1" errors="0" skipped="0">',
    )
    expect(result.stdout).toContain('<testcase classname="-" name="ConfigMap/bad">')
    expect(result.stdout).toContain('<failure message="expected string, got integer">')
  })

  // npm test builds cli/dist before the suites run.
  it('runs from the built bundle with schemas loaded from their chunk', () => {
    expect(
      existsSync(`${repositoryRoot}/cli/dist/index.js`),
      "run 'node scripts/build.mjs cli'",
    ).toBe(true)
    const run = spawnSync(
      bundleNode,
      ['cli/dist/index.js', 'validate', '-', '--kubernetes-version', '1.36', '--output', 'json'],
      {
        cwd: repositoryRoot,
        input: bad,
        encoding: 'utf8',
      },
    )
    expect(run.status).toBe(1)
    expect(JSON.parse(run.stdout).resources[0].findings[0].rule).toBe('schema-type')
  })
})
