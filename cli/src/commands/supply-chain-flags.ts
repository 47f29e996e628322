import { UsageError } from '../../../actions/lib/errors'
import {
  githubOidcIssuer,
  loadTrustedRoot,
  oidcIdentity,
} from '../../../actions/lib/supply-chain/keyless'
import {
  type AttestationType,
  attestationTypeNames,
} from '../../../actions/lib/supply-chain/media-types'
import type { PinnedImage } from '../../../actions/lib/supply-chain/pinned-image'
import {
  credentialsFromEnv,
  RegistryClient,
} from '../../../actions/lib/supply-chain/registry-client'
import {
  defaultFulcioUrl,
  defaultRekorUrl,
  type SigningMethod,
} from '../../../actions/lib/supply-chain/signing'
import {
  loadSigningKey,
  loadVerificationKey,
  readKeyFile,
} from '../../../actions/lib/supply-chain/signing-key'
import type { VerificationPolicy } from '../../../actions/lib/supply-chain/verify-image'
import { listFlag, type ParsedFlags, stringFlag } from '../args'
import type { CliIO } from '../command'
import { parseBoolean } from './flag-values'

type Values = ParsedFlags['values']

export const signingFlags = {
  key: { type: 'string' },
  keyless: { type: 'boolean' },
  'key-password-stdin': { type: 'boolean' },
  'fulcio-url': { type: 'string' },
  'rekor-url': { type: 'string' },
  'tls-verify': { type: 'string' },
  output: { type: 'string' },
} as const

export const policyFlags = {
  key: { type: 'string' },
  'certificate-identity-regexp': { type: 'string' },
  'certificate-oidc-issuer': { type: 'string' },
  'trusted-root': { type: 'string' },
  'require-attestation': { type: 'string', multiple: true },
  'source-repository': { type: 'string' },
  'builder-id-regexp': { type: 'string' },
} as const

export const signingUsage = `  --key PEM              EC P-256 private key, PKCS#8 PEM as openssl writes it (optionally encrypted)
  --keyless              sign with the job's OIDC identity: Fulcio certificate, Rekor entry
  --key-password-stdin   read the key's password from stdin
  --fulcio-url URL       Fulcio for --keyless (default ${defaultFulcioUrl})
  --rekor-url URL        Rekor for --keyless (default ${defaultRekorUrl})
  --tls-verify BOOL      verify the registry's TLS certificate (default true; false allows plain http)
  --output text|json     how to print the result (default text)`

export const policyUsage = `  --key PUB.pem                         accept signatures by this EC P-256 public key
  --certificate-identity-regexp R       or keyless: the signer's certificate identity must match R
  --certificate-oidc-issuer I           and its OIDC issuer must be I (GitHub: ${githubOidcIssuer})
  --trusted-root FILE                   Sigstore trusted_root.json for keyless (default: public-good via TUF)
  --require-attestation TYPE            slsaprovenance1 or cyclonedx; repeatable
  --source-repository OWNER/NAME        the provenance must name this repository
  --builder-id-regexp R                 the provenance's builder id must match R`

export async function readStdin(io: CliIO): Promise<string> {
  const chunks: Buffer[] = []
  for await (const chunk of io.stdin) chunks.push(Buffer.from(chunk as Buffer))
  return Buffer.concat(chunks)
    .toString('utf8')
    .replace(/\r?\n$/, '')
}

export function tlsVerifyFlag(values: Values): boolean {
  return parseBoolean('--tls-verify', stringFlag(values, 'tls-verify'), true)
}

export function registryClientFor(image: PinnedImage, values: Values, io: CliIO): RegistryClient {
  return new RegistryClient(image.registry, {
    tlsVerify: tlsVerifyFlag(values),
    credentials: credentialsFromEnv(io.env),
  })
}

function httpsUrl(flag: string, value: string | undefined, fallback: string): string {
  const url = value ?? fallback
  if (!/^https?:\/\/[^\s]+$/.test(url))
    throw new UsageError(`invalid --${flag} '${url}': expected an http(s) URL`)
  return url.replace(/\/+$/, '')
}

/** --key or --keyless, exactly one; the key's password comes from stdin only. */
export async function signingMethodFromFlags(values: Values, io: CliIO): Promise<SigningMethod> {
  const keyPath = stringFlag(values, 'key')
  const keyless = values.keyless === true
  if ((keyPath === undefined) === !keyless) {
    throw new UsageError('give exactly one of --key PEM or --keyless')
  }
  if (keyPath !== undefined) {
    const password = values['key-password-stdin'] === true ? await readStdin(io) : undefined
    const pem = await readKeyFile(keyPath, '--key')
    return { kind: 'key', key: loadSigningKey(pem, `--key '${keyPath}'`, password) }
  }
  if (values['key-password-stdin'] === true) {
    throw new UsageError('--key-password-stdin goes with --key, not --keyless')
  }
  return {
    kind: 'keyless',
    identity: oidcIdentity(io.env),
    fulcioUrl: httpsUrl('fulcio-url', stringFlag(values, 'fulcio-url'), defaultFulcioUrl),
    rekorUrl: httpsUrl('rekor-url', stringFlag(values, 'rekor-url'), defaultRekorUrl),
  }
}

function regexpFlag(flag: string, value: string): RegExp {
  try {
    return new RegExp(value)
  } catch {
    throw new UsageError(`invalid --${flag} '${value}': not a regular expression`)
  }
}

export function requiredAttestations(values: Values): AttestationType[] {
  return listFlag(values, 'require-attestation').map((type) => {
    if (!(attestationTypeNames as string[]).includes(type)) {
      throw new UsageError(
        `invalid --require-attestation '${type}': expected one of ${attestationTypeNames.join(', ')}`,
      )
    }
    return type as AttestationType
  })
}

/** True when any policy flag was given (bump uses them only with --require-signature). */
export function hasPolicyFlags(values: Values): boolean {
  return Object.keys(policyFlags).some((flag) => values[flag] !== undefined)
}

/** --key PUB.pem or the keyless identity pair, plus what the attestations must say. */
export async function policyFromFlags(values: Values): Promise<VerificationPolicy> {
  const keyPath = stringFlag(values, 'key')
  const identity = stringFlag(values, 'certificate-identity-regexp')
  const issuer = stringFlag(values, 'certificate-oidc-issuer')
  if (keyPath !== undefined && (identity !== undefined || issuer !== undefined)) {
    throw new UsageError(
      'give --key or --certificate-identity-regexp/--certificate-oidc-issuer, not both',
    )
  }
  if (keyPath === undefined && (identity === undefined || issuer === undefined)) {
    throw new UsageError(
      'name the signer: --key PUB.pem, or --certificate-identity-regexp R with --certificate-oidc-issuer I',
    )
  }
  const builder = stringFlag(values, 'builder-id-regexp')
  const sourceRepository = stringFlag(values, 'source-repository')
  if (sourceRepository !== undefined && !/^[\w.-]+\/[\w.-]+$/.test(sourceRepository)) {
    throw new UsageError(`invalid --source-repository '${sourceRepository}': expected OWNER/NAME`)
  }
  return {
    signer:
      keyPath !== undefined
        ? {
            kind: 'key',
            publicKey: loadVerificationKey(
              await readKeyFile(keyPath, '--key'),
              `--key '${keyPath}'`,
            ),
          }
        : {
            kind: 'keyless',
            identityRegexp: regexpFlag('certificate-identity-regexp', identity!),
            issuer: issuer!,
            trustedRoot: await loadTrustedRoot(stringFlag(values, 'trusted-root')),
          },
    requiredAttestations: requiredAttestations(values),
    sourceRepository,
    builderIdRegexp: builder === undefined ? undefined : regexpFlag('builder-id-regexp', builder),
  }
}
