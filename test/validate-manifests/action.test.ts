import { spawnSync } from 'node:child_process'
import { existsSync, readFileSync } from 'node:fs'
import { availableParallelism } from 'node:os'
import { join } from 'node:path'
import { load } from 'js-yaml'
import { describe, expect, it } from 'vitest'
import { parseInputs } from '../../actions/validate-manifests/src/inputs'
import { repositoryRoot, workspace } from '../manifests/validate-harness'
import { bundleNode } from '../support/node-runtime'
import { stepFiles } from '../support/step-files'

describe('validate-manifests inputs', () => {
  it('defaults every input as action.yml does', () => {
    expect(parseInputs({})).toEqual({
      paths: ['.'],
      'kubernetes-version': '1.35',
      strict: true,
      crd: [],
      kustomize: [],
      'allow-remote': false,
      policy: 'golden-path',
      'fail-on': 'error',
      'ignore-missing-schemas': false,
      skip: [],
      'schema-location': [],
      'sarif-file': 'golden-path-validate.sarif',
    })
  })

  it('reads lists as lines or commas and the flags as given', () => {
    const inputs = parseInputs({
      INPUT_PATHS: 'manifests/base\nargocd\n',
      'INPUT_KUBERNETES-VERSION': 'v1.33.4',
      INPUT_STRICT: 'false',
      INPUT_CRD: 'data/argocd/crds',
      INPUT_KUSTOMIZE: 'manifests/overlays/dev, manifests/overlays/prod',
      'INPUT_ALLOW-REMOTE': 'true',
      INPUT_POLICY: 'none',
      'INPUT_FAIL-ON': 'warning',
      'INPUT_IGNORE-MISSING-SCHEMAS': 'true',
      INPUT_SKIP: 'Secret,SealedSecret',
      'INPUT_SARIF-FILE': 'out.sarif',
    })
    expect(inputs).toMatchObject({
      paths: ['manifests/base', 'argocd'],
      'kubernetes-version': '1.33',
      strict: false,
      kustomize: ['manifests/overlays/dev', 'manifests/overlays/prod'],
      'allow-remote': true,
      'fail-on': 'warning',
      'ignore-missing-schemas': true,
      skip: ['Secret', 'SealedSecret'],
      'sarif-file': 'out.sarif',
    })
  })

  it('validates only the overlays when kustomize is set and paths keeps its default', () => {
    expect(parseInputs({ INPUT_PATHS: '.', INPUT_KUSTOMIZE: 'overlays/dev' }).paths).toEqual([])
    expect(parseInputs({ INPUT_PATHS: 'argocd', INPUT_KUSTOMIZE: 'overlays/dev' }).paths).toEqual([
      'argocd',
    ])
  })

  it.each([
    [{ INPUT_STRICT: 'yes' }, "invalid input 'strict': 'yes' (expected true or false)"],
    [
      { 'INPUT_FAIL-ON': 'fatal' },
      "invalid input 'fail-on': 'fatal' (expected one of error, warning)",
    ],
    [
      { 'INPUT_KUBERNETES-VERSION': '1.29' },
      "invalid input 'kubernetes-version' '1.29': expected one of 1.33, 1.34, 1.35, 1.36",
    ],
  ])('rejects %j naming the input', (env, message) => {
    expect(() => parseInputs(env)).toThrow(message)
  })

  it('declares the same defaults in action.yml', () => {
    const yml = load(
      readFileSync(join(repositoryRoot, 'actions/validate-manifests/action.yml'), 'utf8'),
    ) as {
      inputs: Record<string, { default: string }>
    }
    const parsed = parseInputs({}) as unknown as Record<string, unknown>
    for (const [name, input] of Object.entries(yml.inputs)) {
      const fromYml = parseInputs({
        [`INPUT_${name.toUpperCase()}`]: input.default,
      }) as unknown as Record<string, unknown>
      expect(fromYml[name], name).toEqual(parsed[name])
    }
    expect(Object.keys(yml.inputs).sort()).toEqual(Object.keys(parsed).sort())
  })
})

/**
 * Runs the committed bundle in `dir` as the runner does, with fresh output and summary files and
 * the given inputs and environment.
 */
function runAction(dir: string, env: Record<string, string>) {
  const { output, summary } = stepFiles(dir)
  const run = spawnSync(
    bundleNode,
    [join(repositoryRoot, 'actions/validate-manifests/dist/index.js')],
    {
      cwd: dir,
      encoding: 'utf8',
      env: {
        PATH: process.env.PATH,
        GITHUB_WORKSPACE: dir,
        GITHUB_OUTPUT: output,
        GITHUB_STEP_SUMMARY: summary,
        ...env,
      },
    },
  )
  return { run, output, summary }
}

describe('validate-manifests action (the committed dist, run as the runner runs it)', () => {
  it('annotates at most 10 errors and 10 warnings and puts the rest in the summary and SARIF', () => {
    const configMaps = Array.from(
      { length: 15 },
      (_, index) =>
        `apiVersion: v1\nkind: ConfigMap\nmetadata: {name: c${index}}\ndata: {count: ${index}}\n`,
    ).join('---\n')
    const { dir, cleanup } = workspace({ 'manifests/config.yaml': configMaps })
    try {
      const { run, output, summary } = runAction(dir, {
        INPUT_PATHS: 'manifests',
        INPUT_POLICY: 'golden-path',
      })
      expect(run.status).toBe(1)
      const errors = run.stdout.split('\n').filter((line) => line.startsWith('::error '))
      const warnings = run.stdout.split('\n').filter((line) => line.startsWith('::warning '))
      expect(errors).toHaveLength(10)
      expect(warnings).toHaveLength(10)
      expect(errors[0]).toBe(
        '::error title=schema-type (ConfigMap/c0),file=manifests/config.yaml,line=4,col=15::/data/count: expected string, got integer',
      )
      expect(run.stdout).toContain('::error::15 resources have findings at or above')
      const outputs = readFileSync(output, 'utf8')
      for (const [name, value] of [
        ['valid', 'false'],
        ['errors', '15'],
        ['warnings', '15'],
        ['sarif-file', 'golden-path-validate.sarif'],
      ]) {
        expect(outputs).toMatch(new RegExp(`${name}<<(\\S+)\\n${value}\\n\\1`))
      }
      const markdown = readFileSync(summary, 'utf8')
      expect(markdown).toContain('10 findings beyond GitHub')
      expect(markdown).toContain('manifests/config.yaml:74:15')
      const sarif = JSON.parse(readFileSync(join(dir, 'golden-path-validate.sarif'), 'utf8'))
      expect(sarif.runs[0].results).toHaveLength(30)
      expect(existsSync(join(dir, `golden-path-validate.sarif.${run.pid}.tmp`))).toBe(false)
    } finally {
      cleanup()
    }
  })

  it('spreads a large input over worker threads started from its own bundle', () => {
    // 24 files of about 105 KB: enough for two threads (1 MB per thread at least).
    const files: Record<string, string> = {}
    for (let file = 0; file < 24; file++) {
      files[`manifests/apps-${String(file).padStart(2, '0')}.yaml`] = Array.from(
        { length: 1300 },
        (_, item) => {
          const value = item === 7 ? '1' : `"v${item}"`
          return `apiVersion: v1\nkind: ConfigMap\nmetadata: {name: c${file}-${item}}\ndata: {count: ${value}}\n`
        },
      ).join('---\n')
    }
    const { dir, cleanup } = workspace(files)
    try {
      const { run, output } = runAction(dir, {
        INPUT_PATHS: 'manifests',
        INPUT_POLICY: 'none',
        RUNNER_DEBUG: '1',
      })
      expect(run.stderr).toBe('')
      expect(run.status).toBe(1)
      const threads = Math.min(availableParallelism(), 2)
      if (threads > 1)
        expect(run.stdout).toContain(`::debug::reading 24 files on ${threads} threads`)
      expect(readFileSync(output, 'utf8')).toMatch(/errors<<(\S+)\n24\n\1/)
      const sarif = JSON.parse(readFileSync(join(dir, 'golden-path-validate.sarif'), 'utf8'))
      // Every file's finding, in file order, whichever thread read it.
      expect(
        sarif.runs[0].results.map(
          (result: { locations: { physicalLocation: { artifactLocation: { uri: string } } }[] }) =>
            result.locations[0].physicalLocation.artifactLocation.uri,
        ),
      ).toEqual(
        Array.from(
          { length: 24 },
          (_, file) => `manifests/apps-${String(file).padStart(2, '0')}.yaml`,
        ),
      )
      // GOLDEN_PATH_THREADS=1 keeps the run on one thread with the same result.
      const { run: alone } = runAction(dir, {
        INPUT_PATHS: 'manifests',
        INPUT_POLICY: 'none',
        GOLDEN_PATH_THREADS: '1',
      })
      expect(alone.status).toBe(1)
      expect(alone.stdout).not.toContain('::debug::reading')
      expect(readFileSync(output, 'utf8')).toMatch(/errors<<(\S+)\n24\n\1/)
    } finally {
      cleanup()
    }
  })

  it('fails the step with one line on a bad input', () => {
    const run = spawnSync(
      bundleNode,
      [join(repositoryRoot, 'actions/validate-manifests/dist/index.js')],
      {
        encoding: 'utf8',
        env: { PATH: process.env.PATH, 'INPUT_FAIL-ON': 'sometimes' },
      },
    )
    expect(run.status).toBe(1)
    expect(run.stdout).toContain(
      "::error::validate-manifests: invalid input 'fail-on': 'sometimes' (expected one of error, warning)",
    )
  })
})
