import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { buildImage } from '../../actions/lib/build/build-image'
import { writeSecretFiles } from '../../actions/lib/build/build-secret'
import { readLayerTar, readLayoutImage } from '../../actions/lib/oci/oci-layout'
import { nullLogger, spawnRunner, systemClock } from '../../actions/lib/ports'
import { commitFiles } from '../support/git-project'
import { buildah, requireTools } from '../support/required-tools'
import { standinBaseImages } from '../support/standin-images'

const token = 'npm_T0ken-only-for-this-build-7f3a'
let root: string

beforeAll(() => {
  requireTools(buildah)
  root = mkdtempSync(join(tmpdir(), 'golden-path-secrets-test-'))
})
afterAll(() => rmSync(root, { recursive: true, force: true }))

describe('build secrets given as id=value lines (the workflow build-secrets secret)', () => {
  it('writes each value to a private file, and removes them afterwards', async () => {
    const files = await writeSecretFiles(`NPM_TOKEN=${token}\n\nother.id=a=b\n`, root)
    expect(files.secrets.map((secret) => secret.id)).toEqual(['NPM_TOKEN', 'other.id'])
    const src = (files.secrets[0] as { src: string }).src
    expect(readFileSync(src, 'utf8')).toBe(token)
    expect(statSync(src).mode & 0o777).toBe(0o600)
    expect(readFileSync((files.secrets[1] as { src: string }).src, 'utf8')).toBe('a=b')
    expect(files.values).toEqual([token, 'a=b'])
    await files.remove()
    expect(readdirSync(root).filter((name) => name.startsWith('golden-path-secrets-'))).toEqual([])
  })

  it.each([
    [`just-a-value-${token}`, /^build-secrets line 1: expected id=value/],
    [`A=1\nA=2`, /id 'A' is given twice/],
  ])('rejects a malformed line without printing its value (%#)', async (lines, message) => {
    const error = await writeSecretFiles(lines, root).catch((caught: unknown) => caught)
    expect((error as Error).message).toMatch(message)
    expect((error as Error).message).not.toContain(token)
  })

  it('mounts the secret for a RUN step and leaves it out of every layer', async () => {
    const bases = await standinBaseImages()
    const project = join(root, 'project')
    commitFiles(
      project,
      {
        // The step fails unless the secret is readable; it records only a hash of it.
        Dockerfile: `FROM ${bases.build}
RUN --mount=type=secret,id=NPM_TOKEN node -e "const fs = require('fs'); const v = fs.readFileSync('/run/secrets/NPM_TOKEN', 'utf8'); if (!v) process.exit(1); fs.writeFileSync('/token.sha256', require('crypto').createHash('sha256').update(v).digest('hex'))"
USER 65532:65532
`,
      },
      'uses a build secret',
    )
    const files = await writeSecretFiles(`NPM_TOKEN=${token}`, root)
    try {
      const result = await buildImage(
        {
          context: '.',
          image: 'example.org/secret-user',
          tags: [],
          engine: 'buildah',
          buildArgs: [],
          secrets: files.secrets,
          cacheFrom: [],
          cacheTo: [],
          noCache: false,
          labels: [],
          output: join(root, 'layout'),
          push: false,
          tlsVerify: true,
          workspace: project,
          env: { PATH: process.env.PATH, HOME: process.env.HOME },
        },
        { runner: spawnRunner, logger: nullLogger, clock: systemClock },
      )
      const image = await readLayoutImage(result.ociLayout)
      const layers = await Promise.all(
        image.layers.map((layer) => readLayerTar(result.ociLayout, layer)),
      )
      const { createHash } = await import('node:crypto')
      const expectedHash = createHash('sha256').update(token).digest('hex')
      // Readable in the RUN step: its hash landed in a layer...
      expect(layers.some((tar) => tar.includes(Buffer.from(expectedHash)))).toBe(true)
      // ...but the value itself is in no layer, nor in the config or its history.
      for (const tar of layers) expect(tar.includes(Buffer.from(token))).toBe(false)
      expect(JSON.stringify(image.config)).not.toContain(token)
      const blobs = readdirSync(join(result.ociLayout, 'blobs/sha256'))
      for (const name of blobs) {
        expect(readFileSync(join(result.ociLayout, 'blobs/sha256', name)).includes(token)).toBe(
          false,
        )
      }
    } finally {
      await files.remove()
    }
  }, 300_000)
})
