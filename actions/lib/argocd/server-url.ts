import { UsageError } from '../errors'

/**
 * The Argo CD server as a base URL. Like the argocd CLI, a bare host[:port]
 * means https; a path is kept because Argo CD can be served under a root path.
 */
export function parseServerUrl(input: string, label = '--server'): string {
  const trimmed = input.trim()
  const withScheme = /^[a-z][a-z0-9+.-]*:\/\//i.test(trimmed) ? trimmed : `https://${trimmed}`
  let url: URL
  try {
    url = new URL(withScheme)
  } catch {
    throw new UsageError(
      `invalid ${label} '${input}': expected a URL such as https://argocd.example.com`,
    )
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') {
    throw new UsageError(`invalid ${label} '${input}': expected an http or https URL`)
  }
  if (url.search || url.hash || url.username || url.password) {
    throw new UsageError(
      `invalid ${label} '${input}': no query, fragment or credentials in the server URL`,
    )
  }
  return `${url.origin}${url.pathname.replace(/\/+$/, '')}`
}
