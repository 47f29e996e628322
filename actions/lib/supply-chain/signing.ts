import type { KeyObject } from 'node:crypto'
import type { Bundle } from '@sigstore/bundle'
import {
  DSSEBundleBuilder,
  FulcioSigner,
  type IdentityProvider,
  RekorWitness,
  type Signer,
  type Witness,
} from '@sigstore/sign'
import { UsageError } from '../errors'
import type { Clock, Logger } from '../ports'
import type { Descriptor, RegistryClient } from '../registry/registry-client'
import { RegistryError } from '../registry/registry-errors'
import { Annotation, MediaType } from './media-types'
import type { PinnedImage } from './pinned-image'
import { attachReferrer, imageDescriptor } from './referrers'
import { KeySigner } from './signing-key'
import type { InTotoStatement } from './statements'

export const defaultFulcioUrl = 'https://fulcio.sigstore.dev'
export const defaultRekorUrl = 'https://rekor.sigstore.dev'

/** How a statement is signed: with a local key (no transparency log), or keyless. */
export type SigningMethod =
  | { kind: 'key'; key: KeyObject }
  | {
      kind: 'keyless'
      identity: IdentityProvider
      fulcioUrl: string
      rekorUrl: string
    }

/** Signing or storing did not complete; the message names what and why, and no secret. */
export class SigningFailure extends Error {
  constructor(message: string) {
    super(message)
    this.name = 'SigningFailure'
  }
}

export interface SignedReference {
  image: string
  digest: string
  predicateType: string
  /** The referrer manifest that stores the bundle. */
  referrer: string
  storedVia: 'referrers-api' | 'fallback-tag'
  /** 'key' or 'keyless'. */
  method: SigningMethod['kind']
  /** Rekor log index of a keyless signature. */
  logIndex?: string
  bundle: Bundle
}

export interface SigningPorts {
  registry: RegistryClient
  logger: Logger
  clock: Clock
}

function signerFor(method: SigningMethod): { signer: Signer; witnesses: Witness[] } {
  if (method.kind === 'key') {
    // A key-based signature stays offline: no transparency log, as cosign's
    // --tlog-upload=false, so air-gapped and local runs sign without a network.
    return { signer: new KeySigner(method.key), witnesses: [] }
  }
  return {
    signer: new FulcioSigner({
      identityProvider: method.identity,
      fulcioBaseURL: method.fulcioUrl,
      retry: 2,
      timeout: 30_000,
    }),
    witnesses: [
      new RekorWitness({
        rekorBaseURL: method.rekorUrl,
        entryType: 'intoto',
        retry: 2,
        timeout: 30_000,
      }),
    ],
  }
}

/** A statement signed into a Sigstore bundle, not stored yet. */
export interface SignedBundle {
  image: PinnedImage
  /** The image's descriptor, the referrer's subject. */
  subject: Descriptor
  predicateType: string
  method: SigningMethod['kind']
  bundle: Bundle
}

/**
 * What every bundle about one image needs before it is signed: the image's descriptor (the
 * referrers' subject; the image must be in the registry at that digest) and, for keyless
 * signing, the OIDC token. Both are looked up once however many bundles are made from it.
 */
export interface SigningContext {
  image: PinnedImage
  subject: Promise<Descriptor>
  method: Promise<SigningMethod>
}

export function prepareSigning(
  image: PinnedImage,
  method: SigningMethod,
  ports: SigningPorts,
): SigningContext {
  const subject = imageDescriptor(ports.registry, image.repository, image.digest)
    .catch(rethrowRegistry)
    .then((descriptor) => {
      if (!descriptor) {
        throw new UsageError(
          `${image.name}@${image.digest} is not in the registry: push it before signing`,
        )
      }
      return descriptor
    })
  // The token is fetched first, so that a job without id-token: write hears that plainly
  // instead of through Fulcio's client; the signer then reuses it. Only for an image that is
  // there: a missing image is the one reason given.
  const ready = subject.then(
    async (): Promise<SigningMethod> =>
      method.kind === 'keyless'
        ? { ...method, identity: await cachedIdentity(method.identity) }
        : method,
  )
  // Awaited only after the subject: its failure must not also surface as an unhandled one.
  ready.catch(() => {})
  return { image, subject, method: ready }
}

/**
 * Signs an in-toto statement about the context's image into a DSSE Sigstore bundle with
 * @sigstore/sign, without storing it: several bundles can be made side by side (while syft
 * reads the image) and stored only when all of them were made.
 */
export async function createSignedBundle(
  context: SigningContext,
  statement: InTotoStatement,
): Promise<SignedBundle> {
  const { image } = context
  const subject = await context.subject
  const signingMethod = await context.method
  const { signer, witnesses } = signerFor(signingMethod)
  const builder = new DSSEBundleBuilder({ signer, witnesses })
  let bundle: Bundle
  try {
    bundle = await builder.create({
      data: Buffer.from(JSON.stringify(statement)),
      type: MediaType.inTotoPayload,
    })
  } catch (error) {
    throw new SigningFailure(
      `${signingMethod.kind === 'keyless' ? 'keyless signing (Fulcio/Rekor)' : 'signing'} failed: ${describeSigstoreError(error)}`,
    )
  }
  return {
    image,
    subject,
    predicateType: statement.predicateType,
    method: signingMethod.kind,
    bundle,
  }
}

/**
 * Stores a signed bundle as an OCI referrer of its image, as cosign v3 stores `cosign sign`
 * and `cosign attest` results.
 */
export async function storeSignedBundle(
  signed: SignedBundle,
  ports: SigningPorts,
): Promise<SignedReference> {
  const { image, bundle } = signed
  const { bundleToJSON } = await import('@sigstore/bundle')
  const bytes = Buffer.from(JSON.stringify(bundleToJSON(bundle)))
  const attached = await attachReferrer(ports.registry, {
    repository: image.repository,
    subject: signed.subject,
    bundle: bytes,
    annotations: {
      [Annotation.created]: new Date(ports.clock.now()).toISOString().replace(/\.\d{3}Z$/, 'Z'),
      [Annotation.bundleContent]: 'dsse-envelope',
      [Annotation.predicateType]: signed.predicateType,
    },
  }).catch(rethrowRegistry)
  ports.logger.info(
    `stored ${signed.predicateType} bundle for ${image.name}@${image.digest} as ${attached.digest} (${attached.storedVia})`,
  )
  return {
    image: image.name,
    digest: image.digest,
    predicateType: signed.predicateType,
    referrer: attached.digest,
    storedVia: attached.storedVia,
    method: signed.method,
    logIndex: bundle.verificationMaterial.tlogEntries[0]?.logIndex,
    bundle,
  }
}

/**
 * Signs an in-toto statement about `image` into a DSSE Sigstore bundle with @sigstore/sign
 * and stores it as an OCI referrer of the image, as cosign v3 stores `cosign sign` and
 * `cosign attest` results. The image must already be in the registry at that digest.
 */
export async function signStatement(
  image: PinnedImage,
  statement: InTotoStatement,
  method: SigningMethod,
  ports: SigningPorts,
): Promise<SignedReference> {
  const context = prepareSigning(image, method, ports)
  return storeSignedBundle(await createSignedBundle(context, statement), ports)
}

async function cachedIdentity(identity: IdentityProvider): Promise<IdentityProvider> {
  const token = await identity.getToken()
  return { getToken: async () => token }
}

function rethrowRegistry(error: unknown): never {
  if (error instanceof RegistryError) throw new SigningFailure(error.message)
  throw error
}

/** A Sigstore library error on one line; its cause carries the HTTP detail. */
export function describeSigstoreError(error: unknown): string {
  if (typeof error === 'string') return error
  const message = error instanceof Error ? error.message : String(error)
  const cause = (error as { cause?: unknown }).cause
  const detail = cause instanceof Error ? `: ${cause.message}` : ''
  return `${message}${detail}`.replace(/\s*\n\s*/g, ' ')
}
