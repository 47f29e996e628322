import { type Logger, nullLogger, spawnRunner } from '../../../actions/lib/ports'
import type {
  CredentialLookup,
  RegistryCredential,
} from '../../../actions/lib/registry/credentials'
import { connectRegistry, type RegistryClient } from '../../../actions/lib/registry/registry-client'
import { githubOidcIssuer } from '../../../actions/lib/supply-chain/keyless'
import type { PinnedImage } from '../../../actions/lib/supply-chain/pinned-image'
import {
  flagNames,
  signingMethod,
  verificationPolicy,
} from '../../../actions/lib/supply-chain/settings'
import {
  defaultFulcioUrl,
  defaultRekorUrl,
  type SigningMethod,
} from '../../../actions/lib/supply-chain/signing'
import { readKeyFile } from '../../../actions/lib/supply-chain/signing-key'
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

/** Where sign, attest, verify-image and bump's gate find registry credentials: as push does. */
export function credentialLookup(io: CliIO, logger: Logger = nullLogger): CredentialLookup {
  return { env: io.env, runner: spawnRunner, logger }
}

/** The client for the image's registry, with the credential resolved for it. */
export function registryClientFor(
  image: PinnedImage,
  values: Values,
  io: CliIO,
): Promise<{ client: RegistryClient; credential?: RegistryCredential }> {
  return connectRegistry(image.name, { tlsVerify: tlsVerifyFlag(values) }, credentialLookup(io))
}

/** --key or --keyless, exactly one; the key's password comes from stdin only. */
export async function signingMethodFromFlags(values: Values, io: CliIO): Promise<SigningMethod> {
  const keyPath = stringFlag(values, 'key')
  const password = values['key-password-stdin'] === true ? await readStdin(io) : undefined
  return signingMethod(
    {
      keyPem: keyPath === undefined ? undefined : await readKeyFile(keyPath, '--key'),
      keySource: keyPath === undefined ? undefined : `'${keyPath}'`,
      keyless: values.keyless === true,
      password,
      fulcioUrl: stringFlag(values, 'fulcio-url'),
      rekorUrl: stringFlag(values, 'rekor-url'),
    },
    flagNames,
    io.env,
  )
}

/** True when any policy flag was given (bump uses them only with --require-signature). */
export function hasPolicyFlags(values: Values): boolean {
  return Object.keys(policyFlags).some((flag) => values[flag] !== undefined)
}

/** --key PUB.pem or the keyless identity pair, plus what the attestations must say. */
export async function policyFromFlags(values: Values): Promise<VerificationPolicy> {
  const keyPath = stringFlag(values, 'key')
  return verificationPolicy(
    {
      publicKeyPem: keyPath === undefined ? undefined : await readKeyFile(keyPath, '--key'),
      publicKeySource: keyPath === undefined ? undefined : `'${keyPath}'`,
      identityRegexp: stringFlag(values, 'certificate-identity-regexp'),
      issuer: stringFlag(values, 'certificate-oidc-issuer'),
      trustedRootPath: stringFlag(values, 'trusted-root'),
      requiredAttestations: listFlag(values, 'require-attestation'),
      sourceRepository: stringFlag(values, 'source-repository'),
      builderIdRegexp: stringFlag(values, 'builder-id-regexp'),
    },
    flagNames,
  )
}
