import { readFile } from 'node:fs/promises'
import type { TrustedRoot } from '@sigstore/protobuf-specs'
import type { IdentityProvider } from '@sigstore/sign'
import { UsageError } from '../errors'

export const githubOidcIssuer = 'https://token.actions.githubusercontent.com'

/**
 * The job's OIDC token, requested for the `sigstore` audience from the endpoint GitHub
 * Actions exposes to jobs with `id-token: write` (ACTIONS_ID_TOKEN_REQUEST_URL and _TOKEN),
 * or taken from SIGSTORE_ID_TOKEN as cosign does. The token is never logged.
 */
export function oidcIdentity(
  env: NodeJS.ProcessEnv,
  fetchPort: typeof fetch = fetch,
): IdentityProvider {
  return {
    async getToken() {
      if (env.SIGSTORE_ID_TOKEN) return env.SIGSTORE_ID_TOKEN
      const url = env.ACTIONS_ID_TOKEN_REQUEST_URL
      const bearer = env.ACTIONS_ID_TOKEN_REQUEST_TOKEN
      if (!url || !bearer) {
        throw new UsageError(
          "keyless signing needs an OIDC token: give the job 'permissions: id-token: write' (or set SIGSTORE_ID_TOKEN), or sign with --key",
        )
      }
      const request = new URL(url)
      request.searchParams.set('audience', 'sigstore')
      const response = await fetchPort(request, {
        headers: { accept: 'application/json', authorization: `Bearer ${bearer}` },
        signal: AbortSignal.timeout(30_000),
      })
      if (!response.ok) {
        throw new UsageError(`the OIDC token request failed with HTTP ${response.status}`)
      }
      const body = (await response.json()) as { value?: string }
      if (!body.value) throw new UsageError('the OIDC token response held no token')
      return body.value
    },
  }
}

/**
 * The claims of a JWT, read without verifying it: only to name the builder in provenance
 * (job_workflow_ref is the reusable workflow's ref). Fulcio verifies the token itself.
 */
export function tokenClaims(token: string): Record<string, unknown> {
  const payload = token.split('.')[1]
  if (!payload) return {}
  try {
    return JSON.parse(Buffer.from(payload, 'base64url').toString('utf8')) as Record<string, unknown>
  } catch {
    return {}
  }
}

/**
 * The trust anchors for keyless verification: a trusted_root.json given by the user (a
 * private Sigstore, or an offline copy), or Sigstore's public-good root fetched and
 * checked through TUF, as cosign and sigstore-js do by default.
 */
export async function loadTrustedRoot(path: string | undefined): Promise<TrustedRoot> {
  const { TrustedRoot } = await import('@sigstore/protobuf-specs')
  if (path) {
    let text: string
    try {
      text = await readFile(path, 'utf8')
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code ?? 'unreadable'
      throw new UsageError(`cannot read --trusted-root '${path}' (${code})`)
    }
    try {
      return TrustedRoot.fromJSON(JSON.parse(text))
    } catch {
      throw new UsageError(`--trusted-root '${path}' is not a Sigstore trusted_root.json`)
    }
  }
  const { getTrustedRoot } = await import('@sigstore/tuf')
  try {
    return await getTrustedRoot()
  } catch (error) {
    throw new UsageError(
      `cannot fetch Sigstore's trusted root through TUF (${(error as Error).message}); give --trusted-root FILE`,
    )
  }
}
