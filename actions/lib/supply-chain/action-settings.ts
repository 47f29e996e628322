import type { ActionInputs } from '../action-input'
import type { ExplicitCredential } from '../registry/credentials'
import type { PolicySettings, SettingNames, SigningSettings } from './settings'

/** How the actions' inputs name the settings, for error messages. */
export const inputNames: SettingNames = {
  key: "input 'key'",
  keyless: "input 'keyless'",
  password: "input 'key-password'",
  identity: "input 'certificate-identity-regexp'",
  issuer: "input 'certificate-oidc-issuer'",
  attestation: "input 'require-attestations'",
  sourceRepository: "input 'source-repository'",
  builderId: "input 'builder-id-regexp'",
}

/** sign-image and attest-image: the key's PEM text (a secret) or keyless. */
export function signingInputs(inputs: ActionInputs): SigningSettings {
  return {
    keyPem: inputs.optional('key'),
    keySource: '',
    keyless: inputs.boolean('keyless', false),
    password: inputs.optional('key-password'),
    fulcioUrl: inputs.optional('fulcio-url'),
    rekorUrl: inputs.optional('rekor-url'),
  }
}

/** verify-image and bump-image-tag's signature gate. */
export function policyInputs(inputs: ActionInputs): PolicySettings {
  return {
    publicKeyPem: inputs.optional('public-key'),
    identityRegexp: inputs.optional('certificate-identity-regexp'),
    issuer: inputs.optional('certificate-oidc-issuer'),
    trustedRootPath: inputs.optional('trusted-root'),
    requiredAttestations: inputs.list('require-attestations', { commas: true }),
    sourceRepository: inputs.optional('source-repository'),
    builderIdRegexp: inputs.optional('builder-id-regexp'),
  }
}

/** The username/password inputs; without them the runner's docker login (or its helper) is used. */
export function registryInputs(inputs: ActionInputs): ExplicitCredential | undefined {
  const username = inputs.optional('username')
  const password = inputs.optional('password')
  return username && password ? { username, password } : undefined
}
