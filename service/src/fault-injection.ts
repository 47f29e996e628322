/**
 * Opt-in fault injection for tests of error-budget gates: a share of requests to the service's
 * own routes (never /health, /ready or /metrics) is answered 500 on purpose.
 */
export interface FaultInjection {
  errorRatio: number
}

const operationalRoutes = new Set(['/health', '/ready', '/metrics'])

/** Whether this request should fail; `random` is injectable so the choice is testable. */
export function shouldInjectFault(
  fault: FaultInjection | undefined,
  route: string | undefined,
  random: () => number = Math.random,
): boolean {
  if (fault === undefined || fault.errorRatio <= 0) return false
  // Unmatched requests (404s) are not the service's routes either.
  if (route === undefined || operationalRoutes.has(route)) return false
  return random() < fault.errorRatio
}
