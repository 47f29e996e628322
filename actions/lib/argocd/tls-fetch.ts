import { readFileSync } from 'node:fs'
import { rootCertificates } from 'node:tls'
import { Agent, fetch as undiciFetch } from 'undici'
import { UsageError } from '../errors'
import type { FetchPort } from './client'

export interface TlsSettings {
  /** PEM bundle of the CA that signed the server's certificate, trusted besides the public roots. */
  caFile?: string
  /** Skip certificate verification altogether; only when explicitly asked for. */
  insecure: boolean
}

/**
 * Node's global fetch cannot take a CA bundle or skip verification per call;
 * undici's own fetch can, through a dispatcher. Both come from the same undici
 * package here so that the dispatcher and the fetch always agree on its
 * interface, whichever undici the running Node bundles.
 */
export function createArgoCdFetch(tls: TlsSettings, label = '--ca-file'): FetchPort {
  if (!tls.caFile && !tls.insecure) return (url, init) => fetch(url, init)
  let ca: string[] | undefined
  if (tls.caFile) {
    let pem: string
    try {
      pem = readFileSync(tls.caFile, 'utf8')
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code ?? 'unreadable'
      throw new UsageError(`cannot read ${label} '${tls.caFile}' (${code})`)
    }
    if (!pem.includes('-----BEGIN CERTIFICATE-----')) {
      throw new UsageError(`${label} '${tls.caFile}' holds no PEM certificate`)
    }
    ca = [...rootCertificates, pem]
  }
  const dispatcher = new Agent({ connect: { ca, rejectUnauthorized: !tls.insecure } })
  return (url, init) =>
    undiciFetch(url, {
      ...(init as Record<string, unknown>),
      dispatcher,
    }) as unknown as Promise<Response>
}
