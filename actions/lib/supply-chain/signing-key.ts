import {
  createPrivateKey,
  createPublicKey,
  generateKeyPairSync,
  type KeyObject,
  sign,
} from 'node:crypto'
import { existsSync } from 'node:fs'
import { mkdir, readFile, rename, writeFile } from 'node:fs/promises'
import { dirname, join } from 'node:path'
import type { Signature, Signer } from '@sigstore/sign'
import { UsageError } from '../errors'

/**
 * An EC P-256 private key as openssl writes it (PKCS#8 PEM, optionally encrypted). The PEM
 * and the password stay inside this module: no message quotes either.
 */
export function loadSigningKey(pem: string, what: string, password?: string): KeyObject {
  if (!/-----BEGIN (ENCRYPTED |EC )?PRIVATE KEY-----/.test(pem)) {
    throw new UsageError(
      `${what} is not a PEM private key: give an EC P-256 key in PKCS#8 PEM (openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256)`,
    )
  }
  const encrypted = pem.includes('BEGIN ENCRYPTED PRIVATE KEY')
  if (encrypted && password === undefined) {
    throw new UsageError(
      `${what} is encrypted: pass its password on stdin with --key-password-stdin`,
    )
  }
  let key: KeyObject
  try {
    key = createPrivateKey({
      key: pem,
      format: 'pem',
      passphrase: encrypted ? password : undefined,
    })
  } catch {
    throw new UsageError(
      encrypted
        ? `cannot decrypt ${what}: the password is wrong or the key is damaged`
        : `cannot read ${what}: not a valid PKCS#8 private key`,
    )
  }
  assertP256(key, what)
  return key
}

/** A PEM public key (`PUBLIC KEY`, as openssl and cosign write it), EC P-256. */
export function loadVerificationKey(pem: string, what: string): KeyObject {
  if (!pem.includes('-----BEGIN PUBLIC KEY-----')) {
    throw new UsageError(`${what} is not a PEM public key (-----BEGIN PUBLIC KEY-----)`)
  }
  let key: KeyObject
  try {
    key = createPublicKey({ key: pem, format: 'pem' })
  } catch {
    throw new UsageError(`cannot read ${what}: not a valid public key`)
  }
  assertP256(key, what)
  return key
}

function assertP256(key: KeyObject, what: string): void {
  if (key.asymmetricKeyType !== 'ec' || key.asymmetricKeyDetails?.namedCurve !== 'prime256v1') {
    throw new UsageError(
      `${what} is a ${key.asymmetricKeyType ?? 'unknown'} key: expected EC P-256 (prime256v1)`,
    )
  }
}

/** The public half in PEM (SubjectPublicKeyInfo). */
export function publicKeyPem(key: KeyObject): string {
  const publicKey = key.type === 'private' ? createPublicKey(key) : key
  return publicKey.export({ type: 'spki', format: 'pem' }).toString()
}

/**
 * A Sigstore Signer over a local key: ECDSA P-256 with SHA-256, DER-encoded, which is what
 * the Sigstore bundle and cosign expect. The bundle builders of @sigstore/sign call it with
 * the bytes to sign (the DSSE pre-authentication encoding).
 */
export class KeySigner implements Signer {
  readonly #key: KeyObject
  constructor(key: KeyObject) {
    this.#key = key
  }

  async sign(data: Buffer): Promise<Signature> {
    // No key hint: it becomes the DSSE signature's keyid, and cosign's DSSE verifier skips a
    // signature whose keyid differs from the id it derives for the key it was given.
    return {
      signature: sign('sha256', data, this.#key),
      key: { $case: 'publicKey', publicKey: publicKeyPem(this.#key) },
    }
  }
}

export interface LocalSigningKey {
  privateKeyPath: string
  publicKeyPath: string
  created: boolean
}

/**
 * The key local delivery signs with: made once in its state directory (private key 0600,
 * unencrypted since nobody is there to type a password) and reused on every later run, so
 * the images of one machine verify against one public key.
 */
export async function ensureLocalSigningKey(directory: string): Promise<LocalSigningKey> {
  const privateKeyPath = join(directory, 'signing-key.pem')
  const publicKeyPath = join(directory, 'signing-key.pub.pem')
  if (existsSync(privateKeyPath) && existsSync(publicKeyPath)) {
    return { privateKeyPath, publicKeyPath, created: false }
  }
  await mkdir(dirname(privateKeyPath), { recursive: true })
  const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' })
  const temporary = `${privateKeyPath}.${process.pid}.tmp`
  await writeFile(temporary, privateKey.export({ type: 'pkcs8', format: 'pem' }), { mode: 0o600 })
  await writeFile(publicKeyPath, publicKey.export({ type: 'spki', format: 'pem' }))
  await rename(temporary, privateKeyPath)
  return { privateKeyPath, publicKeyPath, created: true }
}

/** Reads a key file, turning a missing or unreadable file into one line naming the flag. */
export async function readKeyFile(path: string, what: string): Promise<string> {
  try {
    return await readFile(path, 'utf8')
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code ?? 'unreadable'
    throw new UsageError(`cannot read ${what} '${path}' (${code})`)
  }
}
