import { describe, expect, it } from 'vitest'
import { parseRetryAfterMs, retryDelayMs } from '../../actions/lib/argocd/retry-policy'
import { parseServerUrl } from '../../actions/lib/argocd/server-url'
import { decodeMessages, type StreamFormat } from '../../actions/lib/argocd/stream-decoder'

async function decode(chunks: string[], format: StreamFormat): Promise<string[]> {
  async function* body() {
    for (const chunk of chunks) yield new TextEncoder().encode(chunk)
  }
  const messages: string[] = []
  for await (const message of decodeMessages(body(), format)) messages.push(message)
  return messages
}

describe('decoding the watch stream', () => {
  it('splits JSON lines across chunk boundaries and drops a cut-off tail', async () => {
    expect(
      await decode(
        ['{"result":{"type":"ADD', 'ED"}}\n{"result":', '{"type":"MODIFIED"}}\n{"resu'],
        'ndjson',
      ),
    ).toEqual(['{"result":{"type":"ADDED"}}', '{"result":{"type":"MODIFIED"}}'])
  })

  it('reads server-sent events: data fields joined, comments and CRLF ignored', async () => {
    const stream = [
      ': keep-alive\r\n\r\n',
      'event: message\r\ndata: {"result":\r\ndata: {"type":"ADDED"}}\r\n\r\n',
      'data: {"a":1}\n\n',
      'data: {"cut"',
    ]
    expect(await decode(stream, 'sse')).toEqual(['{"result":\n{"type":"ADDED"}}', '{"a":1}'])
  })
})

describe('retry delays', () => {
  const policy = { maxAttempts: 6, baseDelayMs: 200, maxDelayMs: 5_000 }
  it.each([
    [1, 0, 100],
    [1, 1, 200],
    [3, 1, 800],
    [10, 1, 5_000],
  ])('attempt %i with random %d waits %i ms', (attempt, random, expected) => {
    expect(retryDelayMs(policy, attempt, null, () => random)).toBe(expected)
  })

  it("honours a 429's Retry-After up to the cap", () => {
    expect(retryDelayMs(policy, 1, '2', () => 0)).toBe(2_000)
    expect(retryDelayMs(policy, 1, '120', () => 0)).toBe(5_000)
  })

  it('reads Retry-After as seconds or as an HTTP date', () => {
    expect(parseRetryAfterMs('3')).toBe(3_000)
    expect(
      parseRetryAfterMs(
        'Wed, 21 Oct 2015 07:28:10 GMT',
        Date.parse('Wed, 21 Oct 2015 07:28:00 GMT'),
      ),
    ).toBe(10_000)
    expect(parseRetryAfterMs('soon')).toBeUndefined()
    expect(parseRetryAfterMs(null)).toBeUndefined()
  })
})

describe('the server URL', () => {
  it.each([
    ['argocd.example.com', 'https://argocd.example.com'],
    ['argocd.example.com:8443', 'https://argocd.example.com:8443'],
    ['https://argocd.example.com/', 'https://argocd.example.com'],
    ['https://example.com/argo-cd/', 'https://example.com/argo-cd'],
    ['http://127.0.0.1:8080', 'http://127.0.0.1:8080'],
  ])('%s is %s', (input, expected) => {
    expect(parseServerUrl(input)).toBe(expected)
  })

  it.each([
    ['https://argocd.example.com/?x=1', 'no query, fragment or credentials'],
    ['https://user:pw@argocd.example.com', 'no query, fragment or credentials'],
    ['grpc://argocd', 'expected an http or https URL'],
    ['https://exa mple.com', 'expected a URL such as'],
  ])('rejects %s', (input, message) => {
    expect(() => parseServerUrl(input)).toThrow(message)
  })
})
