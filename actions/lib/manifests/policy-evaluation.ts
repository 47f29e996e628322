import type {
  PathCondition,
  PolicyCondition,
  PolicyPack,
  PolicyRule,
  PolicyTarget,
} from './policy-pack'
import { parsePointer, toPointer } from './positions'

type KubeObject = Record<string, unknown>

/** A rule broken by a resource, before positioning. */
export interface PolicyViolation {
  rule: string
  severity: PolicyRule['severity']
  message: string
  /** JSON pointer relative to the resource. */
  path: string
}

/** Where a kind keeps its pod spec. */
const podSpecPaths: Record<string, string[]> = {
  Pod: ['spec'],
  Deployment: ['spec', 'template', 'spec'],
  StatefulSet: ['spec', 'template', 'spec'],
  DaemonSet: ['spec', 'template', 'spec'],
  ReplicaSet: ['spec', 'template', 'spec'],
  ReplicationController: ['spec', 'template', 'spec'],
  Job: ['spec', 'template', 'spec'],
  CronJob: ['spec', 'jobTemplate', 'spec', 'template', 'spec'],
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value)
}

function get(root: unknown, segments: readonly string[]): unknown {
  let node = root
  for (const segment of segments) {
    if (Array.isArray(node)) node = node[Number(segment)]
    else if (isRecord(node)) node = node[segment]
    else return undefined
  }
  return node
}

/** A PodDisruptionBudget of the input, reduced to what matching needs. */
export interface DisruptionBudget {
  namespace: string
  matchLabels: Record<string, string>
}

export function disruptionBudgetOf(resource: KubeObject): DisruptionBudget | undefined {
  if (resource.kind !== 'PodDisruptionBudget') return undefined
  const metadata = isRecord(resource.metadata) ? resource.metadata : {}
  const matchLabels = get(resource, ['spec', 'selector', 'matchLabels'])
  return {
    namespace: typeof metadata.namespace === 'string' ? metadata.namespace : '',
    matchLabels: isRecord(matchLabels) ? (matchLabels as Record<string, string>) : {},
  }
}

interface Scope {
  object: KubeObject
  /** Pointer segments from the object root to the pod spec, if the kind has one. */
  pod?: string[]
  /** Pointer segments from the object root to the rule's target. */
  target: string[]
  budgets: readonly DisruptionBudget[]
}

interface Outcome {
  ok: boolean
  /** Absolute pointer segments of what failed. */
  path: string[]
}

function hasBudget(scope: Scope): boolean {
  const namespace = get(scope.object, ['metadata', 'namespace'])
  const labels = scope.pod
    ? get(scope.object, [...scope.pod.slice(0, -1), 'metadata', 'labels'])
    : undefined
  if (!isRecord(labels)) return false
  return scope.budgets.some(
    (budget) =>
      budget.namespace === (typeof namespace === 'string' ? namespace : '') &&
      Object.keys(budget.matchLabels).length > 0 &&
      Object.entries(budget.matchLabels).every(([key, value]) => labels[key] === value),
  )
}

function expand(root: unknown, base: string[], segments: readonly string[]): string[][] {
  let paths: string[][] = [base]
  for (const segment of segments) {
    if (segment !== '*') {
      paths = paths.map((path) => [...path, segment])
      continue
    }
    const next: string[][] = []
    for (const path of paths) {
      const value = get(root, path)
      if (Array.isArray(value)) {
        for (let index = 0; index < value.length; index++) next.push([...path, String(index)])
      }
    }
    paths = next
  }
  return paths
}

/** A condition's path, split once: a pack's few paths are tested against every resource. */
interface ConditionPath {
  segments: string[]
  wildcard: boolean
}

const conditionPaths = new Map<string, ConditionPath>()

function conditionPath(pointer: string): ConditionPath {
  let path = conditionPaths.get(pointer)
  if (path === undefined) {
    const segments = parsePointer(pointer)
    path = { segments, wildcard: segments.includes('*') }
    conditionPaths.set(pointer, path)
  }
  return path
}

const patterns = new Map<string, RegExp>()

function pattern(source: string): RegExp {
  let compiled = patterns.get(source)
  if (compiled === undefined) {
    compiled = new RegExp(source)
    patterns.set(source, compiled)
  }
  return compiled
}

function testValue(condition: PathCondition, value: unknown): boolean {
  const present = value !== undefined
  if (condition.exists !== undefined && condition.exists !== present) return false
  if ('equals' in condition && value !== condition.equals) return false
  if ('notEquals' in condition && value === condition.notEquals) return false
  if (condition.oneOf && !condition.oneOf.includes(value)) return false
  if (condition.notOneOf?.includes(value)) return false
  if (condition.matches !== undefined) {
    if (typeof value !== 'string' || !pattern(condition.matches).test(value)) return false
  }
  if (condition.notMatches !== undefined && typeof value === 'string') {
    if (pattern(condition.notMatches).test(value)) return false
  }
  if (condition.minimum !== undefined) {
    if (typeof value !== 'number' || value < condition.minimum) return false
  }
  if ('contains' in condition) {
    if (!Array.isArray(value) || !value.includes(condition.contains)) return false
  }
  return true
}

function evaluate(condition: PolicyCondition, scope: Scope): Outcome {
  if ('all' in condition) {
    for (const part of condition.all) {
      const outcome = evaluate(part, scope)
      if (!outcome.ok) return outcome
    }
    return { ok: true, path: scope.target }
  }
  if ('any' in condition) {
    let first: Outcome | undefined
    for (const part of condition.any) {
      const outcome = evaluate(part, scope)
      if (outcome.ok) return outcome
      first ??= outcome
    }
    return first ?? { ok: true, path: scope.target }
  }
  if ('not' in condition) {
    const outcome = evaluate(condition.not, scope)
    return { ok: !outcome.ok, path: outcome.path }
  }
  if ('podDisruptionBudget' in condition) {
    return { ok: hasBudget(scope), path: [] }
  }
  const base =
    condition.from === 'object' ? [] : condition.from === 'pod' ? (scope.pod ?? []) : scope.target
  const { segments, wildcard } = conditionPath(condition.path)
  if (!wildcard) {
    // One path: walk it from the base without building it unless it fails.
    const value = get(get(scope.object, base), segments)
    if (!testValue(condition, value)) return { ok: false, path: [...base, ...segments] }
    return { ok: true, path: base }
  }
  for (const path of expand(scope.object, base, segments)) {
    if (!testValue(condition, get(scope.object, path))) return { ok: false, path }
  }
  return { ok: true, path: base }
}

function appliesTo(rule: PolicyRule, kind: string, target: PolicyTarget): boolean {
  if (rule.kinds) return rule.kinds.includes(kind)
  return target === 'object' || kind in podSpecPaths
}

function containerTargets(object: KubeObject, pod: string[], all: boolean): string[][] {
  const lists = all ? ['initContainers', 'containers', 'ephemeralContainers'] : ['containers']
  const targets: string[][] = []
  for (const list of lists) {
    const containers = get(object, [...pod, list])
    if (Array.isArray(containers)) {
      for (let index = 0; index < containers.length; index++)
        targets.push([...pod, list, String(index)])
    }
  }
  return targets
}

/** Runs every rule of a pack against one resource. */
export function policyViolations(
  pack: PolicyPack,
  object: KubeObject,
  budgets: readonly DisruptionBudget[],
): PolicyViolation[] {
  const kind = typeof object.kind === 'string' ? object.kind : ''
  const pod = podSpecPaths[kind]
  const violations: PolicyViolation[] = []
  const hasPod = pod !== undefined && isRecord(get(object, pod))
  // Most rules target containers: the lists are found once per resource, not once per rule.
  let containers: string[][] | undefined
  let allContainers: string[][] | undefined
  for (const rule of pack.rules) {
    if (!appliesTo(rule, kind, rule.target)) continue
    let targets: string[][]
    if (rule.target === 'object') targets = [[]]
    else if (!hasPod) continue
    else if (rule.target === 'pod') targets = [pod]
    else if (rule.target === 'allContainers') {
      allContainers ??= containerTargets(object, pod, true)
      targets = allContainers
    } else {
      containers ??= containerTargets(object, pod, false)
      targets = containers
    }
    for (const target of targets) {
      const scope: Scope = { object, pod, target, budgets }
      if (rule.when && !evaluate(rule.when, scope).ok) continue
      const outcome = evaluate(rule.require, scope)
      if (outcome.ok) continue
      const container =
        rule.target === 'containers' || rule.target === 'allContainers'
          ? get(object, [...target, 'name'])
          : undefined
      violations.push({
        rule: rule.id,
        severity: rule.severity,
        message:
          typeof container === 'string' ? `container '${container}' ${rule.message}` : rule.message,
        path: toPointer(outcome.path),
      })
    }
  }
  return violations
}
