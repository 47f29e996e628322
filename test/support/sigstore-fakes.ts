import { createHash, generateKeyPairSync } from 'node:crypto'
import { writeFileSync } from 'node:fs'
import { createServer, type Server } from 'node:http'
import { join } from 'node:path'
import {
  fulcioHandler,
  type HandlerFn,
  initializeCA,
  initializeCTLog,
  initializeTLog,
  rekorHandler,
} from '@sigstore/mock'
import { HashAlgorithm, PublicKeyDetails, TrustedRoot } from '@sigstore/protobuf-specs'

/**
 * Fulcio, Rekor and GitHub's OIDC token endpoint on loopback: the boundary this machine cannot
 * reach. Fulcio and Rekor answer with @sigstore/mock's handlers, which implement their
 * published APIs (POST /api/v2/signingCert, POST /api/v1/log/entries) with a real CA, CT log
 * and transparency log key; the token endpoint answers as GitHub's does
 * (GET ?audience= with a bearer token -> {"value": <JWT>}).
 */
export interface SigstoreFakes {
  url: string
  /** A trusted_root.json naming the fake CA, CT log and Rekor keys. */
  trustedRootPath: string
  /** Environment a GitHub job with id-token: write has. */
  oidcEnv: Record<string, string>
  /** How many signing certificates Fulcio issued. */
  issued(): number
  stop(): Promise<void>
}

export const fakeIssuer = 'https://token.actions.githubusercontent.com'

function unsignedJwt(claims: Record<string, unknown>): string {
  const encode = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url')
  return `${encode({ alg: 'RS256', typ: 'JWT' })}.${encode(claims)}.${Buffer.from('signature').toString('base64url')}`
}

export async function startSigstoreFakes(
  dir: string,
  claims: { job_workflow_ref: string; repository: string; sha?: string },
): Promise<SigstoreFakes> {
  const keyPair = () => generateKeyPairSync('ec', { namedCurve: 'P-256' })
  const ctLog = await initializeCTLog(keyPair())
  const ca = await initializeCA(keyPair(), ctLog)
  let url = ''
  const tlogKeys = keyPair()
  // Fulcio's GitHub issuer makes the certificate's URI SAN from job_workflow_ref.
  const fulcio = fulcioHandler(ca, { subjectClaim: 'fulcio_subject' })
  let tlogHandler: { path: string; fn: HandlerFn } | undefined
  let issued = 0
  const bearer = `request-token-${process.pid}`
  const server: Server = createServer((request, response) => {
    const chunks: Buffer[] = []
    request.on('data', (chunk: Buffer) => chunks.push(chunk))
    request.on('end', async () => {
      const path = new URL(request.url ?? '/', 'http://x').pathname
      const reply = (status: number, body: string | ArrayBufferView, type = 'application/json') => {
        response.writeHead(status, { 'content-type': type })
        response.end(body)
      }
      try {
        if (request.method === 'GET' && path === '/oidc/token') {
          if (request.headers.authorization !== `Bearer ${bearer}`) return reply(401, '{}')
          const audience = new URL(request.url ?? '/', 'http://x').searchParams.get('audience')
          const token = unsignedJwt({
            iss: fakeIssuer,
            aud: audience,
            sub: `repo:${claims.repository}:ref:refs/heads/main`,
            ...claims,
          })
          return reply(200, JSON.stringify({ value: token }))
        }
        const body = Buffer.concat(chunks).toString('utf8')
        if (request.method === 'POST' && path === fulcio.path) {
          const json = JSON.parse(body)
          const token = json.credentials.oidcIdentityToken as string
          const payload = JSON.parse(Buffer.from(token.split('.')[1]!, 'base64url').toString())
          payload.fulcio_subject = `https://github.com/${payload.job_workflow_ref}`
          json.credentials.oidcIdentityToken = unsignedJwt(payload)
          const answer = await fulcio.fn(JSON.stringify(json))
          if (answer.statusCode === 201) issued++
          return reply(answer.statusCode, answer.response, answer.contentType)
        }
        if (request.method === 'POST' && tlogHandler && path === tlogHandler.path) {
          const answer = await tlogHandler.fn(body)
          return reply(answer.statusCode, answer.response, answer.contentType)
        }
        reply(404, '{}')
      } catch (error) {
        reply(500, JSON.stringify({ message: (error as Error).message }))
      }
    })
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const address = server.address()
  if (address === null || typeof address === 'string') throw new Error('no address')
  url = `http://127.0.0.1:${address.port}`
  const tlog = await initializeTLog(url, tlogKeys)
  tlogHandler = rekorHandler(tlog)
  const earlier = new Date(Date.now() - 60_000)
  const root = TrustedRoot.toJSON({
    mediaType: 'application/vnd.dev.sigstore.trustedroot+json;version=0.1',
    certificateAuthorities: [
      {
        subject: { organization: 'sigstore.mock', commonName: 'sigstore' },
        uri: url,
        certChain: { certificates: [{ rawBytes: Buffer.from(ca.rootCertificate.buffer) }] },
        validFor: { start: earlier },
        operator: 'sigstore.mock',
      },
    ],
    tlogs: [
      {
        baseUrl: url,
        hashAlgorithm: HashAlgorithm.SHA2_256,
        publicKey: {
          rawBytes: tlog.publicKey,
          keyDetails: PublicKeyDetails.PKIX_ECDSA_P256_SHA_256,
          validFor: { start: earlier },
        },
        logId: { keyId: createHash('sha256').update(tlog.publicKey).digest() },
        checkpointKeyId: undefined,
        operator: 'sigstore.mock',
      },
    ],
    ctlogs: [
      {
        baseUrl: url,
        hashAlgorithm: HashAlgorithm.SHA2_256,
        publicKey: {
          rawBytes: ctLog.publicKey,
          keyDetails: PublicKeyDetails.PKIX_ECDSA_P256_SHA_256,
          validFor: { start: earlier },
        },
        logId: { keyId: Buffer.from(ctLog.logID.buffer) },
        checkpointKeyId: undefined,
        operator: 'sigstore.mock',
      },
    ],
    timestampAuthorities: [],
  } as unknown as TrustedRoot)
  const trustedRootPath = join(dir, 'trusted_root.json')
  writeFileSync(trustedRootPath, JSON.stringify(root))
  return {
    url,
    trustedRootPath,
    oidcEnv: {
      ACTIONS_ID_TOKEN_REQUEST_URL: `${url}/oidc/token`,
      ACTIONS_ID_TOKEN_REQUEST_TOKEN: bearer,
    },
    issued: () => issued,
    stop: () => new Promise((resolve) => server.close(() => resolve())),
  }
}
