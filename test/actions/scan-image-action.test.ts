import { copyFileSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest'
import { run } from '../../actions/scan-image/src/main'
import { readOutputs, stepFiles } from '../support/step-files'

const fixtures = join(import.meta.dirname, '../scan/fixtures/trivy')

describe('the scan-image action, run as the runner runs it', () => {
  let workspace: string
  const saved = { ...process.env }
  // @actions/core remembers the summary file after its first write, so the workspace is shared.
  beforeAll(() => {
    workspace = mkdtempSync(join(tmpdir(), 'golden-path-scan-action-'))
  })
  afterAll(() => rmSync(workspace, { recursive: true, force: true }))
  beforeEach(() => {
    process.exitCode = 0
    copyFileSync(join(fixtures, 'debian-buster.json'), join(workspace, 'trivy.json'))
    const { output, summary } = stepFiles(workspace)
    Object.assign(process.env, {
      GITHUB_WORKSPACE: workspace,
      GITHUB_OUTPUT: output,
      GITHUB_STEP_SUMMARY: summary,
      'INPUT_TRIVY-REPORT': 'trivy.json',
      'INPUT_REPORT-AT': 'LOW',
      'INPUT_FAIL-ON': 'HIGH',
      'INPUT_IGNORE-FILE': '.golden-path/scan-ignore.yaml',
      'INPUT_SARIF-FILE': 'scan.sarif',
    })
  })
  afterEach(() => {
    process.env = { ...saved }
    process.exitCode = 0
  })

  it('sets the outputs, writes SARIF and a summary listing what fails first, and fails the step', async () => {
    await run()
    expect(process.exitCode).toBe(1)
    const outputs = readOutputs(join(workspace, 'output'))
    expect(outputs.passed).toBe('false')
    expect(outputs.failing).toBe('1')
    expect(outputs['sarif-file']).toBe(join(workspace, 'scan.sarif'))
    expect(JSON.parse(outputs.result!).cve.failing[0].id).toBe('CVE-2019-18224')
    const summary = readFileSync(join(workspace, 'summary.md'), 'utf8')
    expect(summary.indexOf('Vulnerabilities failing the gate')).toBeLessThan(
      summary.indexOf('Vulnerabilities listed'),
    )
    expect(
      JSON.parse(readFileSync(join(workspace, 'scan.sarif'), 'utf8')).runs[0].results,
    ).toHaveLength(2)
  })

  it('passes when fail-on is above every finding', async () => {
    process.env['INPUT_FAIL-ON'] = 'CRITICAL'
    process.env['INPUT_IGNORE-UNFIXED'] = 'true'
    writeFileSync(join(workspace, 'trivy.json'), readFileSync(join(fixtures, 'alpine-310.json')))
    await run()
    expect(process.exitCode).toBe(0)
    expect(readOutputs(join(workspace, 'output'))).toMatchObject({ passed: 'true', failing: '0' })
  })

  it('still writes SARIF for the deprecated sarif input', async () => {
    delete process.env['INPUT_SARIF-FILE']
    process.env.INPUT_SARIF = 'old.sarif'
    await run()
    expect(readOutputs(join(workspace, 'output'))['sarif-file']).toBe(join(workspace, 'old.sarif'))
    expect(JSON.parse(readFileSync(join(workspace, 'old.sarif'), 'utf8')).version).toBe('2.1.0')
  })
})
