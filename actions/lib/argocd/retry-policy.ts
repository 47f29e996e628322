/**
 * How long to wait before retrying a request that failed with a 5xx, a 429 or
 * a network error: exponential backoff with full jitter, capped, and at most
 * `maxAttempts` tries in all. A 429's Retry-After wins when it is longer.
 */
export interface RetryPolicy {
  maxAttempts: number
  baseDelayMs: number
  maxDelayMs: number
}

export const defaultRetryPolicy: RetryPolicy = {
  maxAttempts: 6,
  baseDelayMs: 250,
  maxDelayMs: 5_000,
}

export function retryDelayMs(
  policy: RetryPolicy,
  attempt: number,
  retryAfterHeader: string | null,
  random: () => number = Math.random,
): number {
  const exponential = Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** (attempt - 1))
  const jittered = exponential / 2 + random() * (exponential / 2)
  const retryAfter = parseRetryAfterMs(retryAfterHeader)
  return Math.round(Math.min(policy.maxDelayMs, Math.max(jittered, retryAfter ?? 0)))
}

/** Retry-After is either delta-seconds or an HTTP date (RFC 9110 section 10.2.3). */
export function parseRetryAfterMs(
  value: string | null,
  now: number = Date.now(),
): number | undefined {
  if (value === null || value.trim() === '') return undefined
  if (/^\d+$/.test(value.trim())) return Number(value.trim()) * 1000
  const date = Date.parse(value)
  return Number.isNaN(date) ? undefined : Math.max(0, date - now)
}
