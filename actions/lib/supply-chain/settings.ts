import { UsageError } from '../errors'
import { loadTrustedRoot, oidcIdentity } from './keyless'
import { type AttestationType, attestationTypeNames } from './media-types'
import { defaultFulcioUrl, defaultRekorUrl, type SigningMethod } from './signing'
import { loadSigningKey, loadVerificationKey } from './signing-key'
import type { VerificationPolicy } from './verify-image'

/** How the CLI flags and the action inputs name the same settings, for error messages. */
export interface SettingNames {
  key: string
  keyless: string
  password: string
  identity: string
  issuer: string
  attestation: string
  sourceRepository: string
  builderId: string
}

export const flagNames: SettingNames = {
  key: '--key',
  keyless: '--keyless',
  password: '--key-password-stdin',
  identity: '--certificate-identity-regexp',
  issuer: '--certificate-oidc-issuer',
  attestation: '--require-attestation',
  sourceRepository: '--source-repository',
  builderId: '--builder-id-regexp',
}

export interface SigningSettings {
  /** PEM text of the private key (never a message's content). */
  keyPem?: string
  /** Where the key came from, for messages: a path or an input name. */
  keySource?: string
  keyless: boolean
  password?: string
  fulcioUrl?: string
  rekorUrl?: string
}

function serviceUrl(name: string, value: string | undefined, fallback: string): string {
  const url = value ?? fallback
  if (!/^https?:\/\/\S+$/.test(url))
    throw new UsageError(`invalid ${name} '${url}': expected an http(s) URL`)
  return url.replace(/\/+$/, '')
}

/** A key or keyless, exactly one. */
export function signingMethod(
  settings: SigningSettings,
  names: SettingNames,
  env: NodeJS.ProcessEnv,
): SigningMethod {
  if ((settings.keyPem === undefined) === !settings.keyless) {
    throw new UsageError(`give exactly one of ${names.key} PEM or ${names.keyless}`)
  }
  if (settings.keyPem !== undefined) {
    return {
      kind: 'key',
      key: loadSigningKey(
        settings.keyPem,
        `${names.key} ${settings.keySource ?? ''}`.trim(),
        settings.password,
      ),
    }
  }
  if (settings.password !== undefined) {
    throw new UsageError(`${names.password} goes with ${names.key}, not ${names.keyless}`)
  }
  return {
    kind: 'keyless',
    identity: oidcIdentity(env),
    fulcioUrl: serviceUrl('fulcio-url', settings.fulcioUrl, defaultFulcioUrl),
    rekorUrl: serviceUrl('rekor-url', settings.rekorUrl, defaultRekorUrl),
  }
}

export interface PolicySettings {
  publicKeyPem?: string
  publicKeySource?: string
  identityRegexp?: string
  issuer?: string
  trustedRootPath?: string
  requiredAttestations: string[]
  sourceRepository?: string
  builderIdRegexp?: string
}

function regexp(name: string, value: string): RegExp {
  try {
    return new RegExp(value)
  } catch {
    throw new UsageError(`invalid ${name} '${value}': not a regular expression`)
  }
}

/** The signer (a public key, or a keyless identity and issuer) and what attestations must say. */
export async function verificationPolicy(
  settings: PolicySettings,
  names: SettingNames,
): Promise<VerificationPolicy> {
  const { identityRegexp, issuer } = settings
  if (
    settings.publicKeyPem !== undefined &&
    (identityRegexp !== undefined || issuer !== undefined)
  ) {
    throw new UsageError(`give ${names.key} or ${names.identity}/${names.issuer}, not both`)
  }
  if (
    settings.publicKeyPem === undefined &&
    (identityRegexp === undefined || issuer === undefined)
  ) {
    throw new UsageError(
      `name the signer: ${names.key} PUB.pem, or ${names.identity} R with ${names.issuer} I`,
    )
  }
  const required = settings.requiredAttestations.map((type) => {
    if (!(attestationTypeNames as string[]).includes(type)) {
      throw new UsageError(
        `invalid ${names.attestation} '${type}': expected one of ${attestationTypeNames.join(', ')}`,
      )
    }
    return type as AttestationType
  })
  const repository = settings.sourceRepository
  if (repository !== undefined && !/^[\w.-]+\/[\w.-]+$/.test(repository)) {
    throw new UsageError(`invalid ${names.sourceRepository} '${repository}': expected OWNER/NAME`)
  }
  return {
    signer:
      settings.publicKeyPem !== undefined
        ? {
            kind: 'key',
            publicKey: loadVerificationKey(
              settings.publicKeyPem,
              `${names.key} ${settings.publicKeySource ?? ''}`.trim(),
            ),
          }
        : {
            kind: 'keyless',
            identityRegexp: regexp(names.identity, identityRegexp!),
            issuer: issuer!,
            trustedRoot: await loadTrustedRoot(settings.trustedRootPath),
          },
    requiredAttestations: [...new Set(required)],
    sourceRepository: repository,
    builderIdRegexp:
      settings.builderIdRegexp === undefined
        ? undefined
        : regexp(names.builderId, settings.builderIdRegexp),
  }
}
