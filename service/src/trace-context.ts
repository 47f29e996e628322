import { randomBytes } from 'node:crypto'
import type { IncomingHttpHeaders } from 'node:http'

/** The W3C Trace Context of one request: the trace it belongs to and this service's span. */
export interface TraceContext {
  traceId: string
  /** This service's span, sent on as the parent id of anything it calls. */
  spanId: string
  flags: string
  /** Whether the trace id came from the caller (false: started here). */
  propagated: boolean
}

// version-traceid-parentid-flags, lowercase hex (https://www.w3.org/TR/trace-context/#traceparent-header).
const traceparentPattern = /^([0-9a-f]{2})-([0-9a-f]{32})-([0-9a-f]{16})-([0-9a-f]{2})(-.*)?$/

function randomHex(bytes: number): string {
  for (;;) {
    const hex = randomBytes(bytes).toString('hex')
    // An all-zero id is invalid by the spec.
    if (/[^0]/.test(hex)) return hex
  }
}

/**
 * Continues the caller's trace when its `traceparent` is valid and starts a new one otherwise
 * (absent, malformed, version ff, or all-zero ids), so every request has a trace id to log.
 */
export function traceContextOf(headers: IncomingHttpHeaders): TraceContext {
  const header = headers.traceparent
  const match = typeof header === 'string' ? traceparentPattern.exec(header.trim()) : null
  if (match) {
    const [, version, traceId, parentId, flags, rest] = match
    const valid =
      version !== 'ff' &&
      (version !== '00' || rest === undefined) &&
      /[^0]/.test(traceId) &&
      /[^0]/.test(parentId)
    if (valid) return { traceId, spanId: randomHex(8), flags, propagated: true }
  }
  return { traceId: randomHex(16), spanId: randomHex(8), flags: '01', propagated: false }
}

export function traceparentOf(context: TraceContext): string {
  return `00-${context.traceId}-${context.spanId}-${context.flags}`
}
