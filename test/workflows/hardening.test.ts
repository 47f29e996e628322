// biome-ignore-all lint/suspicious/noTemplateCurlyInString: GitHub expressions here are literal workflow text
import { describe, expect, it } from 'vitest'
import { type HardeningFinding, hardeningFindings } from './hardening-rules'
import { exampleCallerFiles, workflowFiles } from './workflow-files'

const checkout = 'actions/checkout@08c6903cd8c0fde910a37f88322edcfb5dd907a8 # v5.0.0'

/** A small valid called workflow; each case below breaks one rule. */
function workflow({
  top = 'permissions: {}',
  jobPermissions = 'permissions:\n      contents: read # check out the code',
  timeout = 'timeout-minutes: 5',
  on = 'workflow_call:\n    inputs:\n      environment: {type: string}',
  concurrency = 'concurrency:\n  group: golden-path-x-${{ inputs.environment }}',
  steps = `- uses: ${checkout}\n      - run: echo "$NAME"\n        env:\n          NAME: \${{ inputs.environment }}`,
} = {}): string {
  return `on:
  ${on}
${top}
${concurrency}
jobs:
  a:
    runs-on: ubuntu-latest
    ${timeout}
    ${jobPermissions}
    steps:
      ${steps}
`
}

const rulesOf = (text: string): HardeningFinding['rule'][] =>
  hardeningFindings('case.yml', text).map((finding) => finding.rule)

describe('hardening rules', () => {
  it.each([...workflowFiles(), ...exampleCallerFiles()].map((file) => [file.name, file] as const))(
    '%s follows every hardening rule',
    (_name, file) => {
      expect(hardeningFindings(file.name, file.text)).toEqual([])
    },
  )

  it('accepts the reference case', () => {
    expect(rulesOf(workflow())).toEqual([])
  })

  it.each([
    ['a missing top-level permissions block', { top: '' }, 'top-level-permissions'],
    ['write-all at the top', { top: 'permissions: write-all' }, 'top-level-permissions'],
    [
      'a write scope at the top',
      { top: 'permissions:\n  contents: write' },
      'top-level-permissions',
    ],
    [
      'a per-job widening without a comment',
      { jobPermissions: 'permissions:\n      packages: write' },
      'uncommented-widening',
    ],
    [
      'a job granted write-all',
      { jobPermissions: 'permissions: write-all' },
      'uncommented-widening',
    ],
    ['an action pinned to a tag', { steps: '- uses: actions/checkout@v5' }, 'unpinned-action'],
    [
      'an action pinned to a short SHA',
      { steps: '- uses: actions/checkout@08c6903 # v5.0.0' },
      'unpinned-action',
    ],
    [
      'a SHA without the version comment',
      { steps: '- uses: actions/checkout@08c6903cd8c0fde910a37f88322edcfb5dd907a8' },
      'unpinned-action',
    ],
    [
      'an input expanded inside run',
      { steps: '- run: echo "${{ inputs.environment }}"' },
      'expression-in-run',
    ],
    [
      'a head ref expanded inside run',
      { steps: '- run: git checkout ${{ github.head_ref }}' },
      'expression-in-run',
    ],
    [
      'a concurrency group keyed to github.workflow',
      { concurrency: 'concurrency:\n  group: ${{ github.workflow }}-${{ inputs.environment }}' },
      'concurrency-key',
    ],
    [
      'a concurrency group keyed to an event field',
      {
        concurrency: 'concurrency:\n  group: golden-path-x-${{ github.event.head_commit.message }}',
      },
      'concurrency-key',
    ],
    ['a job without timeout-minutes', { timeout: '' }, 'timeout-minutes'],
    [
      'pull_request_target checking out the head',
      {
        on: 'pull_request_target:',
        steps: `- uses: ${checkout}\n        with:\n          ref: \${{ github.event.pull_request.head.sha }}`,
      },
      'pull-request-target-checkout',
    ],
    [
      'a local action inside a called workflow',
      { steps: '- uses: ./actions/bump-image-tag' },
      'own-action-reference',
    ],
    [
      'golden-path actions at two refs',
      {
        steps:
          '- uses: example-org/golden-path/actions/build-image@v1.2.0\n      - uses: example-org/golden-path/actions/scan-image@main',
      },
      'own-action-reference',
    ],
  ] as const)('finds %s', (_case, change, rule) => {
    expect(rulesOf(workflow(change))).toContain(rule)
  })
})
