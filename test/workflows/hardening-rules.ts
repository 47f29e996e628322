// biome-ignore-all lint/suspicious/noTemplateCurlyInString: GitHub expressions here are literal workflow text
import { isMap, isScalar, isSeq, type Node, parseDocument, type YAMLMap } from 'yaml'

/** golden-path's own actions: referenced by full path at the workflow's ref (see docs/workflows.md). */
export const ownActionPattern = /^[\w.-]+\/golden-path\/actions\/[\w.-]+@[^\s]+$/

export interface HardeningFinding {
  rule:
    | 'top-level-permissions'
    | 'uncommented-widening'
    | 'unpinned-action'
    | 'expression-in-run'
    | 'concurrency-key'
    | 'timeout-minutes'
    | 'pull-request-target-checkout'
    | 'own-action-reference'
  where: string
  message: string
}

/**
 * Expressions a concurrency group may contain besides literal text: the target
 * environment, and in this repository's own (non-called) workflows the ref or the
 * pull request. `github.workflow` is never one: in a called workflow it is the caller's.
 */
const concurrencyExpressions = new Set([
  'inputs.environment',
  'inputs.to-environment',
  'github.event.pull_request.number || github.sha',
  'github.ref',
])

const minimalTopLevel = [{}, { contents: 'read' }]

function lineOf(text: string, offset: number): number {
  return text.slice(0, offset).split('\n').length
}

function lineText(text: string, line: number): string {
  return text.split('\n')[line - 1] ?? ''
}

function plain(node: unknown): unknown {
  return isMap(node) || isSeq(node) || isScalar(node) ? (node as Node).toJSON() : node
}

function triggers(on: unknown): string[] {
  if (typeof on === 'string') return [on]
  if (Array.isArray(on)) return on.map(String)
  if (on !== null && typeof on === 'object') return Object.keys(on)
  return []
}

/** Every violation of the hardening rules in one workflow file. */
export function hardeningFindings(name: string, text: string): HardeningFinding[] {
  const findings: HardeningFinding[] = []
  const document = parseDocument(text, { keepSourceTokens: true })
  const workflow = document.toJSON() ?? {}
  const reusable = triggers(workflow.on).includes('workflow_call')
  const add = (rule: HardeningFinding['rule'], where: string, message: string) =>
    findings.push({ rule, where: `${name}: ${where}`, message })

  // 1. Top-level permissions exist and are minimal.
  const topLevel = workflow.permissions
  if (
    topLevel === undefined ||
    !minimalTopLevel.some((allowed) => JSON.stringify(allowed) === JSON.stringify(topLevel))
  ) {
    add(
      'top-level-permissions',
      'permissions',
      `top-level permissions must be {} or contents: read, found ${JSON.stringify(topLevel)}`,
    )
  }
  const topLevelScopes: Record<string, string> =
    topLevel && typeof topLevel === 'object' ? topLevel : {}

  const jobs = document.get('jobs') as YAMLMap | undefined
  for (const jobPair of jobs?.items ?? []) {
    const jobId = String(plain(jobPair.key))
    const jobNode = jobPair.value as YAMLMap
    const job = plain(jobNode) as Record<string, unknown>

    // 2. Per-job widenings carry a comment on their line.
    const permissions = jobNode.get('permissions', true) as Node | undefined
    if (isMap(permissions)) {
      for (const scope of permissions.items) {
        const key = String(plain(scope.key))
        const value = String(plain(scope.value))
        const widens = value === 'write' || (value === 'read' && topLevelScopes[key] === undefined)
        const range = (scope.key as Node).range
        const line = range ? lineOf(text, range[0]) : 0
        if (widens && !/#\s*\S/.test(lineText(text, line))) {
          add(
            'uncommented-widening',
            `jobs.${jobId}.permissions.${key} (line ${line})`,
            `widening to ${key}: ${value} needs a comment saying why`,
          )
        }
      }
    } else if (typeof job.permissions === 'string') {
      add(
        'uncommented-widening',
        `jobs.${jobId}.permissions`,
        `permissions: ${job.permissions} grants every scope; list the scopes`,
      )
    }

    // 6. Every job that runs steps has a timeout.
    if (job.steps !== undefined && job['timeout-minutes'] === undefined) {
      add('timeout-minutes', `jobs.${jobId}`, 'job has no timeout-minutes')
    }

    const steps = jobNode.get('steps', true)
    for (const [index, stepNode] of (isSeq(steps) ? steps.items : []).entries()) {
      if (!isMap(stepNode)) continue
      const step = stepNode.toJSON() as Record<string, unknown>
      const where = `jobs.${jobId}.steps[${index}]`

      // 3. Third-party actions pinned to a full commit SHA with a version comment.
      const uses = stepNode.get('uses', true)
      if (isScalar(uses) && typeof uses.value === 'string') {
        const reference = uses.value
        const line = uses.range ? lineOf(text, uses.range[0]) : 0
        if (ownActionPattern.test(reference)) {
          // checked across the file below
        } else if (reference.startsWith('./')) {
          if (reusable) {
            add(
              'own-action-reference',
              `${where} (line ${line})`,
              `'${reference}' would resolve against the caller's repository`,
            )
          }
        } else if (!reference.startsWith('docker://')) {
          if (!/^[\w.-]+\/[\w./-]+@[0-9a-f]{40}$/.test(reference)) {
            add(
              'unpinned-action',
              `${where} (line ${line})`,
              `'${reference}' is not pinned to a full commit SHA`,
            )
          } else if (!/#\s*v\d+\.\d+\.\d+\b/.test(lineText(text, line))) {
            add(
              'unpinned-action',
              `${where} (line ${line})`,
              `'${reference}' has no '# vX.Y.Z' comment naming the version`,
            )
          }
        }
        // 7. pull_request_target never checks out the pull request's code.
        if (
          triggers(workflow.on).includes('pull_request_target') &&
          reference.startsWith('actions/checkout@')
        ) {
          const withInputs = (step.with ?? {}) as Record<string, unknown>
          const ref = String(withInputs.ref ?? '')
          const repository = String(withInputs.repository ?? '')
          if (/pull_request\.head|head_ref|refs\/pull\//.test(`${ref} ${repository}`)) {
            add(
              'pull-request-target-checkout',
              `${where} (line ${line})`,
              'pull_request_target checks out pull request code with a privileged token',
            )
          }
        }
      }

      // 4. Untrusted values reach the shell only through env.
      if (typeof step.run === 'string' && step.run.includes('${{')) {
        add(
          'expression-in-run',
          where,
          'run: contains ${{ }}; pass the value through env: and quote "$VAR"',
        )
      }
    }

    // 5. Concurrency keys for jobs are checked like the workflow's.
    checkConcurrency(job.concurrency, `jobs.${jobId}.concurrency`)
  }
  checkConcurrency(workflow.concurrency, 'concurrency')

  // golden-path's own actions: all at one ref within a file, so a release pins them together.
  const ownRefs = new Set(
    [...text.matchAll(/uses:\s*([\w.-]+\/golden-path\/actions\/[\w.-]+)@([^\s#]+)/g)].map(
      (match) => match[2],
    ),
  )
  if (ownRefs.size > 1) {
    add(
      'own-action-reference',
      'uses',
      `golden-path actions at several refs (${[...ownRefs].join(', ')}); they must move together`,
    )
  }
  return findings

  function checkConcurrency(concurrency: unknown, where: string) {
    if (concurrency === undefined) return
    const group =
      typeof concurrency === 'string'
        ? concurrency
        : String((concurrency as Record<string, unknown>).group ?? '')
    const expressions = [...group.matchAll(/\$\{\{\s*(.*?)\s*\}\}/g)].map((match) => match[1])
    const literal = group.replace(/\$\{\{.*?\}\}/g, '')
    if (!/^[a-z0-9-]+$/.test(literal) || !literal.startsWith('golden-path-')) {
      add('concurrency-key', where, `group '${group}' must start with a literal golden-path- key`)
    }
    for (const expression of expressions) {
      if (!concurrencyExpressions.has(expression)) {
        add('concurrency-key', where, `group '${group}' is keyed to '${expression}'`)
      }
    }
  }
}
