import { execFile, execFileSync } from 'node:child_process'
import { generateKeyPairSync, randomBytes } from 'node:crypto'
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { dirname, join } from 'node:path'
import { promisify } from 'node:util'
import { RegistryClient } from '../../actions/lib/registry/registry-client'
import { parsePinnedImage } from '../../actions/lib/supply-chain/pinned-image'
import { findBundleReferrers, readReferrerBundle } from '../../actions/lib/supply-chain/referrers'
import { requireTools } from './required-tools'

export const crane = {
  command: 'crane',
  install: 'go install github.com/google/go-containerregistry/cmd/crane@v0.21.9',
}
export const syft = {
  command: 'syft',
  install: 'go install github.com/anchore/syft/cmd/syft@v1.57.2',
}
export const cosign = {
  command: 'cosign',
  install: 'go install github.com/sigstore/cosign/v3/cmd/cosign@v3.1.3',
}

/**
 * Pushes a small single-layer OCI image with unique content to a loopback registry with
 * crane (no build needed), returning `host/name@sha256:…`.
 */
export function pushUniqueImage(
  registryHost: string,
  name: string,
  files: Record<string, string> = {},
  /** crane's environment, e.g. DOCKER_CONFIG holding a login for a registry with auth. */
  env: NodeJS.ProcessEnv = process.env,
): string {
  requireTools(crane)
  const dir = mkdtempSync(join(tmpdir(), 'golden-path-image-'))
  try {
    const content = join(dir, 'content')
    const root = join(dir, 'root')
    mkdirSync(root)
    writeFileSync(join(root, 'marker.txt'), randomBytes(16).toString('hex'))
    for (const [path, text] of Object.entries(files)) {
      mkdirSync(dirname(join(root, path)), { recursive: true })
      writeFileSync(join(root, path), text)
    }
    execFileSync('tar', ['-cf', content, '-C', root, '.'])
    const reference = `${registryHost}/${name}:latest`
    execFileSync(
      'crane',
      ['append', '--oci-empty-base', '--insecure', '-f', content, '-t', reference],
      { stdio: ['ignore', 'pipe', 'pipe'], env },
    )
    const digest = execFileSync('crane', ['digest', '--insecure', reference], {
      encoding: 'utf8',
      env,
    }).trim()
    return `${registryHost}/${name}@${digest}`
  } finally {
    rmSync(dir, { recursive: true, force: true })
  }
}

export interface KeyPairFiles {
  dir: string
  privateKey: string
  publicKey: string
  /** The private key encrypted with `password` (PKCS#8, AES-256-CBC). */
  encryptedKey: string
  password: string
}

/** An EC P-256 key pair written as openssl writes it (PKCS#8 PEM and SPKI PEM). */
export function writeKeyPair(): KeyPairFiles {
  const dir = mkdtempSync(join(tmpdir(), 'golden-path-keys-'))
  const password = `pw-${randomBytes(6).toString('hex')}`
  const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' })
  const files = {
    dir,
    privateKey: join(dir, 'key.pem'),
    publicKey: join(dir, 'pub.pem'),
    encryptedKey: join(dir, 'key.enc.pem'),
    password,
  }
  writeFileSync(files.privateKey, privateKey.export({ type: 'pkcs8', format: 'pem' }), {
    mode: 0o600,
  })
  writeFileSync(files.publicKey, publicKey.export({ type: 'spki', format: 'pem' }))
  writeFileSync(
    files.encryptedKey,
    privateKey.export({
      type: 'pkcs8',
      format: 'pem',
      cipher: 'aes-256-cbc',
      passphrase: password,
    }),
    { mode: 0o600 },
  )
  return files
}

/**
 * The image as a build leaves it, an OCI layout on disk, pulled with crane into a new
 * directory under `parent`; with `withoutLayers`, its layer blobs are removed (index,
 * manifest and config stay), a layout syft cannot read.
 */
export function pullLayout(imageRef: string, parent: string, withoutLayers = false): string {
  requireTools(crane)
  const layout = mkdtempSync(join(parent, 'layout-'))
  execFileSync('crane', ['pull', '--insecure', '--format', 'oci', imageRef, layout], {
    stdio: 'ignore',
  })
  if (withoutLayers) {
    const blob = (digest: string) => join(layout, 'blobs', 'sha256', digest.slice('sha256:'.length))
    const index = JSON.parse(readFileSync(join(layout, 'index.json'), 'utf8'))
    const manifest = JSON.parse(readFileSync(blob(index.manifests[0].digest), 'utf8'))
    for (const layer of manifest.layers as { digest: string }[]) rmSync(blob(layer.digest))
  }
  return layout
}

/** Provenance facts for `golden-path attest` where no GitHub Actions environment gives them. */
export const provenanceFlags = [
  '--source-repository',
  'example-org/payments',
  '--builder-id',
  'https://example.org/builder',
]

/** `golden-path attest` with a key against a plain-http loopback registry, a --type per type. */
export function attestArgs(
  image: string,
  privateKey: string,
  types: string[],
  extra: string[] = [],
): string[] {
  return [
    'attest',
    '--image',
    image,
    ...types.flatMap((type) => ['--type', type]),
    '--key',
    privateKey,
    '--tls-verify',
    'false',
    ...(types.includes('slsaprovenance1') ? provenanceFlags : []),
    ...extra,
  ]
}

/** `golden-path verify-image` with a public key against a plain-http loopback registry. */
export function verifyImageArgs(
  image: string,
  publicKey: string,
  attestations: string[] = [],
  extra: string[] = [],
): string[] {
  return [
    'verify-image',
    '--image',
    image,
    '--key',
    publicKey,
    '--tls-verify',
    'false',
    ...attestations.flatMap((type) => ['--require-attestation', type]),
    ...extra,
  ]
}

/** Every in-toto statement stored by an image on a plain-http loopback registry, decoded. */
export async function storedStatements(
  imageRef: string,
): Promise<{ predicateType: string; predicate: Record<string, unknown> }[]> {
  const image = parsePinnedImage(imageRef)
  const client = new RegistryClient(image.registry, undefined, { tlsVerify: false })
  const { descriptors } = await findBundleReferrers(client, image.repository, image.digest)
  const statements = []
  for (const descriptor of descriptors) {
    const stored = await readReferrerBundle(client, image.repository, descriptor)
    const bundle = JSON.parse(stored!.bundle.toString())
    statements.push(JSON.parse(Buffer.from(bundle.dsseEnvelope.payload, 'base64').toString()))
  }
  return statements
}

const execFileAsync = promisify(execFile)

/**
 * Runs the real cosign with `keys`' password and a HOME of their own (cosign writes there),
 * answering yes to its prompts; never throws, returns the exit code and both outputs.
 */
export async function cosignRun(
  keys: KeyPairFiles,
  args: string[],
): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const result = await execFileAsync('cosign', args, {
      env: {
        PATH: process.env.PATH,
        HOME: keys.dir,
        COSIGN_PASSWORD: keys.password,
        COSIGN_YES: 'true',
      },
      timeout: 120_000,
      maxBuffer: 16 * 1024 * 1024,
    })
    return { code: 0, stdout: result.stdout, stderr: result.stderr }
  } catch (error) {
    const failure = error as { code?: number; stdout?: string; stderr?: string }
    return { code: failure.code ?? 1, stdout: failure.stdout ?? '', stderr: failure.stderr ?? '' }
  }
}

/** cosign signs with its own key format: the same openssl key, imported as `<dir>/cosign.key`. */
export async function importCosignKey(keys: KeyPairFiles) {
  return cosignRun(keys, [
    'import-key-pair',
    '--key',
    keys.privateKey,
    '--output-key-prefix',
    join(keys.dir, 'cosign'),
  ])
}
