export type StreamFormat = 'ndjson' | 'sse'

/**
 * Splits a response body into the text of its messages. Argo CD's gateway
 * writes one JSON object per line; asked for `text/event-stream` it writes each
 * object as the `data:` field of a server-sent event, ended by a blank line.
 */
export async function* decodeMessages(
  body: AsyncIterable<Uint8Array>,
  format: StreamFormat,
  maxMessageBytes = Number.POSITIVE_INFINITY,
): AsyncGenerator<string> {
  const decoder = new TextDecoder()
  let buffered = ''
  let eventData: string[] = []
  for await (const chunk of body) {
    buffered += decoder.decode(chunk, { stream: true })
    // One message is parsed at a time; a line that never ends is refused, not buffered forever.
    if (buffered.length > maxMessageBytes && buffered.indexOf('\n') === -1) {
      throw new StreamMessageTooLarge(maxMessageBytes)
    }
    let newline = buffered.indexOf('\n')
    while (newline !== -1) {
      const line = buffered.slice(0, newline).replace(/\r$/, '')
      buffered = buffered.slice(newline + 1)
      newline = buffered.indexOf('\n')
      if (format === 'ndjson') {
        if (line.trim() !== '') yield line
        continue
      }
      if (line === '') {
        if (eventData.length > 0) yield eventData.join('\n')
        eventData = []
      } else if (line.startsWith('data:')) {
        eventData.push(line.slice(5).replace(/^ /, ''))
      }
      // `event:`, `id:`, `retry:` and `:` comment lines carry nothing verification needs.
    }
  }
  // A stream cut mid-message leaves an incomplete tail; it is dropped, never parsed.
}

/** A message of the watch stream longer than any Application answer may be. */
export class StreamMessageTooLarge extends Error {
  constructor(limit: number) {
    super(`the watch stream sent a message over ${limit / 1024 / 1024} MiB; not reading it`)
    this.name = 'StreamMessageTooLarge'
  }
}
