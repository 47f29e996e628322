// biome-ignore-all lint/suspicious/noTemplateCurlyInString: GitHub expressions here are literal workflow text
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { dirname, join } from 'node:path'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { isReusable, workflowFiles } from './workflow-files'
import { runWorkflowStep, workflowStep } from './workflow-step'

const detectStep = 'choose the test command and toolchain'

/** The jobs that run a service's tests, hosted and local. */
const testJobs = [
  ['deliver.yml', 'test'],
  ['deliver.yml', 'test-local'],
  ['pr-checks.yml', 'test'],
] as const

function writeTree(root: string, files: Record<string, string>): void {
  for (const [path, text] of Object.entries(files)) {
    mkdirSync(dirname(join(root, path)), { recursive: true })
    writeFileSync(join(root, path), text)
  }
}

describe('the test command and toolchain of any repository', () => {
  let dir: string
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'golden-path-toolchain-'))
  })
  afterEach(() => rmSync(dir, { recursive: true, force: true }))

  function detect(
    files: Record<string, string>,
    { testCommand = '', testScript = 'test', servicePath = '.' } = {},
  ) {
    const checkout = join(dir, 'checkout')
    const service = join(checkout, servicePath)
    mkdirSync(service, { recursive: true })
    writeTree(service, files)
    return runWorkflowStep('deliver.yml', 'test', detectStep, {
      dir,
      cwd: service,
      env: { TEST_COMMAND: testCommand, TEST_SCRIPT: testScript, SERVICE_PATH: servicePath },
    })
  }

  it.each([
    [
      'package.json with a lockfile',
      { 'package.json': '{}', 'package-lock.json': '{}' },
      'node',
      'npm ci && npm test',
      './package-lock.json',
      '',
    ],
    [
      'package.json without a lockfile',
      { 'package.json': '{}' },
      'node',
      'npm ci && npm test',
      '',
      '',
    ],
    ['go.mod', { 'go.mod': 'module x\n', 'go.sum': '' }, 'go', 'go test ./...', './go.sum', ''],
    ['go.mod without go.sum', { 'go.mod': 'module x\n' }, 'go', 'go test ./...', './go.mod', ''],
    [
      'pyproject.toml',
      { 'pyproject.toml': '' },
      'python',
      'python -m pytest',
      './pyproject.toml',
      '',
    ],
    [
      'requirements.txt',
      { 'requirements.txt': '' },
      'python',
      'python -m pytest',
      './requirements.txt',
      '',
    ],
    ['pom.xml', { 'pom.xml': '<project/>' }, 'java', 'mvn -B verify', './pom.xml', 'maven'],
    ['build.gradle', { 'build.gradle': '' }, 'java', './gradlew test', './build.gradle', 'gradle'],
    [
      'build.gradle.kts',
      { 'build.gradle.kts': '' },
      'java',
      './gradlew test',
      './build.gradle.kts',
      'gradle',
    ],
    ['Cargo.toml', { 'Cargo.toml': '' }, 'rust', 'cargo test', '', ''],
    // The documented order decides when a repository has several marker files.
    [
      'package.json before go.mod',
      { 'go.mod': '', 'package.json': '{}' },
      'node',
      'npm ci && npm test',
      '',
      '',
    ],
    [
      'go.mod before pyproject.toml',
      { 'pyproject.toml': '', 'go.mod': '' },
      'go',
      'go test ./...',
      './go.mod',
      '',
    ],
    [
      'requirements.txt before pom.xml',
      { 'pom.xml': '', 'requirements.txt': '' },
      'python',
      'python -m pytest',
      './requirements.txt',
      '',
    ],
    [
      'pom.xml before build.gradle',
      { 'build.gradle': '', 'pom.xml': '' },
      'java',
      'mvn -B verify',
      './pom.xml',
      'maven',
    ],
    [
      'build.gradle.kts before Cargo.toml',
      { 'Cargo.toml': '', 'build.gradle.kts': '' },
      'java',
      './gradlew test',
      './build.gradle.kts',
      'gradle',
    ],
  ])('%s', (_case, files, toolchain, command, cacheFile, javaCache) => {
    const result = detect(files)
    expect(result.status).toBe(0)
    expect(result.outputs).toEqual({
      toolchain,
      command,
      'cache-file': cacheFile,
      'java-cache': javaCache,
    })
    expect(result.stdout).toContain(`toolchain: ${toolchain}; tests: ${command}`)
  })

  it('names cache files from the workspace when the service is in a subdirectory', () => {
    const result = detect({ 'go.mod': '', 'go.sum': '' }, { servicePath: 'services/api/' })
    expect(result.outputs['cache-file']).toBe('services/api/go.sum')
  })

  it('runs another npm script when test-script names one, quoted for the shell', () => {
    expect(detect({ 'package.json': '{}' }, { testScript: 'typecheck' }).outputs.command).toBe(
      'npm ci && npm run typecheck',
    )
    expect(detect({ 'package.json': '{}' }, { testScript: 'test; rm -rf x' }).outputs.command).toBe(
      'npm ci && npm run test\\;\\ rm\\ -rf\\ x',
    )
  })

  it('takes test-command over the detected one, and still sets up the toolchain', () => {
    const result = detect({ 'go.mod': '' }, { testCommand: 'make check\nmake lint' })
    expect(result.status).toBe(0)
    expect(result.outputs.toolchain).toBe('go')
    expect(result.outputs.command).toBe('make check\nmake lint')
  })

  it('runs test-command in a repository without any marker file', () => {
    const result = detect({ Makefile: 'test:\n\ttrue\n' }, { testCommand: 'make test' })
    expect(result.status).toBe(0)
    expect(result.outputs).toMatchObject({ toolchain: 'none', command: 'make test' })
  })

  it('fails with one line naming test-command when nothing says how to test', () => {
    const result = detect({ 'README.md': '# a service\n' }, { servicePath: 'svc' })
    expect(result.status).toBe(1)
    const lines = result.stdout.trim().split('\n')
    expect(lines).toEqual([
      '::error title=no test command::svc has none of package.json, go.mod, pyproject.toml, requirements.txt, pom.xml, build.gradle(.kts), Cargo.toml; set the test-command input to the command that runs its tests',
    ])
    expect(result.outputs).toEqual({})
  })

  /** The detected command, run by the workflow's own test step in the service directory. */
  function runTests(files: Record<string, string>) {
    const detected = detect(files)
    expect(detected.status).toBe(0)
    return runWorkflowStep('deliver.yml', 'test', 'run the tests', {
      dir,
      cwd: join(dir, 'checkout'),
      env: { TEST_COMMAND: detected.outputs.command },
    })
  }

  it.each([
    [
      'a Go module',
      {
        'go.mod': 'module example.org/payments\n\ngo 1.22\n',
        'sum_test.go':
          'package payments\n\nimport "testing"\n\nfunc TestSum(t *testing.T) {\n\tif 1+1 != RESULT {\n\t\tt.Fatal("wrong sum")\n\t}\n}\n',
      },
    ],
    [
      'a Python project',
      {
        'requirements.txt': '',
        'test_sum.py': 'def test_sum():\n    assert 1 + 1 == RESULT\n',
      },
    ],
    [
      'an npm package',
      {
        'package.json': JSON.stringify({
          name: 'payments',
          version: '1.0.0',
          scripts: { test: 'node -e "process.exit(1 + 1 === RESULT ? 0 : 1)"' },
        }),
        'package-lock.json': JSON.stringify({
          name: 'payments',
          version: '1.0.0',
          lockfileVersion: 3,
          requires: true,
          packages: { '': { name: 'payments', version: '1.0.0' } },
        }),
      },
    ],
  ])(
    'the detected command really tests %s: green passes, red fails',
    (_case, files) => {
      const withResult = (value: string) =>
        Object.fromEntries(
          Object.entries(files).map(([path, text]) => [path, text.replace('RESULT', value)]),
        )
      const green = runTests(withResult('2'))
      expect(green.status, green.stdout + green.stderr).toBe(0)
      rmSync(join(dir, 'checkout'), { recursive: true, force: true })
      const red = runTests(withResult('3'))
      expect(red.status).not.toBe(0)
    },
    120_000,
  )
})

describe('toolchain set-up in the workflows', () => {
  it('every test job chooses its command with the same script', () => {
    const scripts = testJobs.map(([file, job]) => workflowStep(file, job, detectStep).run)
    expect(scripts[0]).toBeTruthy()
    expect(new Set(scripts).size).toBe(1)
    for (const [file, job] of testJobs) {
      expect(workflowStep(file, job, detectStep).env).toEqual({
        TEST_COMMAND: '${{ inputs.test-command }}',
        TEST_SCRIPT: '${{ inputs.test-script }}',
        SERVICE_PATH: '${{ inputs.service-path }}',
      })
      expect(workflowStep(file, job, 'run the tests')).toMatchObject({
        'working-directory': '${{ inputs.service-path }}',
        env: { TEST_COMMAND: '${{ steps.detect.outputs.command }}' },
      })
    }
  })

  const setups = [
    ['actions/setup-node@', 'node', 'node-version', { cache: expect.stringContaining("'npm'") }],
    ['actions/setup-go@', 'go', 'go-version', { cache: true }],
    ['actions/setup-python@', 'python', 'python-version', { cache: 'pip' }],
    [
      'actions/setup-java@',
      'java',
      'java-version',
      { cache: '${{ steps.detect.outputs.java-cache }}' },
    ],
  ] as const

  it.each(
    testJobs
      .filter(([, job]) => job === 'test')
      .flatMap(([file, job]) => setups.map((setup) => [file, job, ...setup] as const)),
  )(
    '%s %s sets up %s only for the %s toolchain, at the version input, with its cache',
    (file, job, action, toolchain, versionInput, cache) => {
      const workflow = workflowFiles().find((candidate) => candidate.name === file)!
      const steps = workflow.document.jobs[job].steps as {
        uses?: string
        if?: string
        with?: object
      }[]
      const setup = steps.filter((step) => step.uses?.startsWith(action))
      expect(setup).toHaveLength(1)
      expect(setup[0].if).toBe(`\${{ steps.detect.outputs.toolchain == '${toolchain}' }}`)
      expect(setup[0].with).toMatchObject({
        [versionInput]: `\${{ inputs.${versionInput} }}`,
        'cache-dependency-path': '${{ steps.detect.outputs.cache-file }}',
        ...cache,
      })
      expect(workflow.document.on.workflow_call.inputs[versionInput]).toBeDefined()
    },
  )

  it('local mode uses the host toolchains: its test job fetches no setup action', () => {
    const workflow = workflowFiles().find((candidate) => candidate.name === 'deliver.yml')!
    const uses = (workflow.document.jobs['test-local'].steps as { uses?: string }[])
      .map((step) => step.uses)
      .filter(Boolean)
    expect(uses).toEqual([expect.stringMatching(/^actions\/checkout@/)])
  })
})

describe('runs-on', () => {
  const expression =
    "${{ startsWith(inputs.runs-on, '[') && fromJSON(inputs.runs-on) || inputs.runs-on }}"
  const reusable = workflowFiles().filter((file) => isReusable(file.document))

  it.each(reusable.map((file) => [file.name, file] as const))(
    '%s runs every job on the runs-on input (a label, or a JSON array of labels)',
    (_name, file) => {
      expect(file.document.on.workflow_call.inputs['runs-on']).toMatchObject({
        type: 'string',
        default: 'ubuntu-latest',
      })
      for (const job of Object.values(file.document.jobs) as { 'runs-on'?: string }[])
        expect(job['runs-on']).toBe(expression)
    },
  )

  it('covers every reusable workflow, gitops-checks.yml included', () => {
    expect(reusable.map((file) => file.name)).toEqual(
      expect.arrayContaining(['deliver.yml', 'gitops-checks.yml', 'pr-checks.yml', 'promote.yml']),
    )
  })
})
