/**
 * Node's fetch (undici) refuses the ports the Fetch standard blocks (6000, 6665-6669, 10080
 * and others) before connecting, with nothing but "fetch failed", cause "bad port". That
 * reads like a network fault; this says what it is and what to do.
 */
export function isBlockedPortError(error: unknown): boolean {
  const cause = (error as { cause?: { message?: string } } | undefined)?.cause
  return cause?.message === 'bad port'
}

/** The one line for a port fetch refuses to use. */
export function blockedPortMessage(url: string): string {
  let port = ''
  try {
    port = new URL(url).port
  } catch {
    // The caller's URL is already validated; the message still stands without the number.
  }
  return `port ${port || `of ${url}`} is one Node's fetch refuses to connect to (undici's "bad port": the Fetch standard blocks it); use another port, e.g. 8080, 5050 or 443`
}

/** True when fetch refuses `url`'s port outright; it fails before any connection is tried. */
export async function fetchRefusesPort(url: string): Promise<boolean> {
  try {
    await fetch(url, { method: 'HEAD', signal: AbortSignal.timeout(1000) })
    return false
  } catch (error) {
    return isBlockedPortError(error)
  }
}
