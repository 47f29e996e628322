// Benchmark: build the reference service image twice from the same commit, once more
// after a one-line application change, and once from scratch (--no-cache); push each
// build to a loopback registry through a proxy that counts the bytes the registry
// receives. Prints build times, bytes pushed and whether identical commits gave
// identical digests. Then a two-platform image (linux/amd64 + linux/arm64: a Go program
// cross-compiled per TARGETARCH, FROM scratch, no emulation) built twice and pushed twice:
// the index digest must repeat and the second push send only the index.
// Needs root, buildah, skopeo, docker-registry and go (scripts/setup.sh).
//
//   npm run bench:build
//   npm run bench:build -- --only two-platform
import { spawn, spawnSync } from 'node:child_process'
import {
  appendFileSync,
  cpSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs'
import { createServer, request as httpRequest } from 'node:http'
import { createServer as createNetServer } from 'node:net'
import { tmpdir } from 'node:os'
import { dirname, join } from 'node:path'

const root = new URL('../..', import.meta.url).pathname
const cli = join(root, 'cli/dist/index.js')

function run(command, args, options = {}) {
  const result = spawnSync(command, args, {
    encoding: 'utf8',
    maxBuffer: 64 * 1024 * 1024,
    ...options,
  })
  if (result.status !== 0) {
    const reason = (result.stderr || result.stdout || '').trim().split('\n').slice(-5).join('\n')
    throw new Error(
      `${command} ${args.slice(0, 2).join(' ')} failed (exit ${result.status}):\n${reason}`,
    )
  }
  return result.stdout
}

// The counting proxy lives in this process, so builds and pushes must not block its event loop.
function runAsync(command, args, options = {}) {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { ...options, stdio: ['ignore', 'pipe', 'pipe'] })
    const out = []
    const err = []
    child.stdout.on('data', (chunk) => out.push(chunk))
    child.stderr.on('data', (chunk) => err.push(chunk))
    child.on('error', reject)
    child.on('close', (code) => {
      const stdout = Buffer.concat(out).toString('utf8')
      if (code === 0) return resolve(stdout)
      const reason = (Buffer.concat(err).toString('utf8') || stdout)
        .trim()
        .split('\n')
        .slice(-5)
        .join('\n')
      reject(
        new Error(`${command} ${args.slice(0, 2).join(' ')} failed (exit ${code}):\n${reason}`),
      )
    })
  })
}

function freePort() {
  return new Promise((resolve, reject) => {
    const server = createNetServer()
    server.once('error', reject)
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address()
      server.close(() => resolve(port))
    })
  })
}

async function startRegistry(dir) {
  const port = await freePort()
  const config = join(dir, 'registry.yml')
  writeFileSync(
    config,
    `version: 0.1\nlog:\n  level: error\nstorage:\n  filesystem:\n    rootdirectory: ${join(dir, 'registry')}\nhttp:\n  addr: 127.0.0.1:${port}\n`,
  )
  const child = spawn('docker-registry', ['serve', config], { stdio: 'ignore' })
  for (let tries = 0; tries < 150; tries++) {
    const up = await fetch(`http://127.0.0.1:${port}/v2/`).then(
      (r) => r.ok,
      () => false,
    )
    if (up) return { port, child }
    await new Promise((resolve) => setTimeout(resolve, 100))
  }
  child.kill()
  throw new Error('docker-registry did not start')
}

// Forwards everything to the registry and counts the request bytes of blob uploads and
// manifest writes: what a push actually sends over the wire.
async function startCountingProxy(registryPort) {
  const counter = { blobBytes: 0, manifestBytes: 0, blobUploads: 0 }
  const server = createServer((incoming, outgoing) => {
    const upstream = httpRequest(
      {
        host: '127.0.0.1',
        port: registryPort,
        method: incoming.method,
        path: incoming.url,
        headers: incoming.headers,
      },
      (response) => {
        outgoing.writeHead(response.statusCode ?? 502, response.headers)
        response.pipe(outgoing)
      },
    )
    const isBlob =
      /\/blobs\/uploads\//.test(incoming.url ?? '') &&
      ['PATCH', 'PUT', 'POST'].includes(incoming.method ?? '')
    const isManifest = /\/manifests\//.test(incoming.url ?? '') && incoming.method === 'PUT'
    if (isBlob && incoming.method !== 'POST')
      counter.blobUploads += incoming.method === 'PUT' ? 1 : 0
    incoming.on('data', (chunk) => {
      if (isBlob) counter.blobBytes += chunk.length
      if (isManifest) counter.manifestBytes += chunk.length
    })
    incoming.pipe(upstream)
    upstream.on('error', () => outgoing.destroy())
  })
  const port = await freePort()
  await new Promise((resolve) => server.listen(port, '127.0.0.1', resolve))
  return { port, server, counter }
}

function imageBytes(layout) {
  const index = JSON.parse(readFileSync(join(layout, 'index.json'), 'utf8'))
  const blob = (digest) => join(layout, 'blobs/sha256', digest.slice('sha256:'.length))
  const manifest = JSON.parse(readFileSync(blob(index.manifests[0].digest), 'utf8'))
  return {
    total: manifest.config.size + manifest.layers.reduce((sum, layer) => sum + layer.size, 0),
    layers: manifest.layers.map((layer) => layer.size),
  }
}

const mib = (bytes) => `${(bytes / 1024 / 1024).toFixed(2)} MiB`
const seconds = (ms) => `${(ms / 1000).toFixed(1)} s`

// The cross-build pattern: the binaries are compiled outside the image for each TARGETARCH.
const twoPlatformDockerfile = `FROM scratch
ARG TARGETARCH
COPY bin/\${TARGETARCH}/server /app/server
USER 65532:65532
ENTRYPOINT ["/app/server"]
`

async function benchTwoPlatforms(work, proxy, counter) {
  const project = join(work, 'two-platform')
  mkdirSync(project, { recursive: true })
  writeFileSync(join(project, 'go.mod'), 'module example.org/bench\n\ngo 1.22\n')
  writeFileSync(
    join(project, 'main.go'),
    'package main\n\nimport (\n\t"fmt"\n\t"net/http"\n\t"runtime"\n)\n\nfunc main() {\n\thttp.HandleFunc("/", func(w http.ResponseWriter, _ *http.Request) { fmt.Fprintln(w, runtime.GOARCH) })\n\t_ = http.ListenAndServe(":8080", nil)\n}\n',
  )
  writeFileSync(join(project, 'Dockerfile'), twoPlatformDockerfile)
  for (const arch of ['amd64', 'arm64']) {
    run('go', ['build', '-trimpath', '-ldflags=-s -w -buildid=', '-o', `bin/${arch}/server`, '.'], {
      cwd: project,
      env: { ...process.env, GOOS: 'linux', GOARCH: arch, CGO_ENABLED: '0', GOTOOLCHAIN: 'local' },
    })
  }
  const date = '2026-11-02T10:00:00Z'
  const gitEnv = {
    ...process.env,
    GIT_CONFIG_GLOBAL: '/dev/null',
    GIT_AUTHOR_NAME: 'bench',
    GIT_AUTHOR_EMAIL: 'bench@example.org',
    GIT_COMMITTER_NAME: 'bench',
    GIT_COMMITTER_EMAIL: 'bench@example.org',
    GIT_AUTHOR_DATE: date,
    GIT_COMMITTER_DATE: date,
  }
  run('git', ['init', '-q', '-b', 'main'], { cwd: project, env: gitEnv })
  run('git', ['add', '-A'], { cwd: project, env: gitEnv })
  run('git', ['commit', '-q', '-m', 'two-platform service'], { cwd: project, env: gitEnv })
  const env = Object.fromEntries(
    Object.entries(process.env).filter(([key]) => !key.startsWith('GITHUB_')),
  )
  const repository = `127.0.0.1:${proxy.port}/example-org/two-platform`
  const build = async (name) => {
    const started = performance.now()
    const output = await runAsync(
      'node',
      [
        cli,
        'build',
        '--image',
        repository,
        '--engine',
        'buildah',
        '--platform',
        'linux/amd64,linux/arm64',
        '--output',
        `oci:${join(work, name)}`,
        '--output-json',
      ],
      { cwd: project, env },
    )
    return { ms: performance.now() - started, ...JSON.parse(output) }
  }
  const push = async (name, tag) => {
    const before = { ...counter }
    const started = performance.now()
    const output = await runAsync('node', [
      cli,
      'push',
      '--oci',
      join(work, name),
      '--image',
      repository,
      '--tag',
      tag,
      '--tls-verify',
      'false',
      '--output',
      'json',
    ])
    return {
      ms: performance.now() - started,
      digest: JSON.parse(output).digest,
      blobBytes: counter.blobBytes - before.blobBytes,
      manifestBytes: counter.manifestBytes - before.manifestBytes,
      blobs: counter.blobUploads - before.blobUploads,
    }
  }
  console.log(
    '\nbench:build: two-platform image (linux/amd64 + linux/arm64, buildah, no emulation)',
  )
  const first = await build('two-first')
  const firstPush = await push('two-first', 'first')
  const second = await build('two-second')
  const secondPush = await push('two-second', 'second')
  const rows = [
    ['first two-platform build', first, firstPush],
    ['unchanged rebuild', second, secondPush],
  ]
  console.log(
    'build                          time      index digest     pushed (blobs + manifests)',
  )
  for (const [label, result, pushed] of rows) {
    console.log(
      `${label.padEnd(30)} ${seconds(result.ms).padStart(7)}   ${result.digest.slice(7, 19)}     ${mib(pushed.blobBytes)} in ${pushed.blobs} blob(s) + ${pushed.manifestBytes} B of manifests, ${seconds(pushed.ms)}`,
    )
  }
  const identical = first.digest === second.digest && firstPush.digest === first.digest
  console.log(
    `platforms: ${first.platforms.map((entry) => `${entry.platform} ${entry.digest.slice(7, 19)}`).join(', ')}`,
  )
  console.log(
    `unchanged rebuild has the same index digest: ${identical ? 'yes' : 'NO'} (${first.digest})`,
  )
  console.log(
    JSON.stringify({
      twoPlatform: {
        buildMs: { first: Math.round(first.ms), second: Math.round(second.ms) },
        pushedBytes: {
          first: firstPush.blobBytes + firstPush.manifestBytes,
          second: secondPush.blobBytes + secondPush.manifestBytes,
        },
        identicalIndexDigest: identical,
      },
    }),
  )
  if (!identical) process.exitCode = 1
}

async function main() {
  const onlyTwoPlatform = process.argv.includes('two-platform')
  run('node', [join(root, 'scripts/build.mjs'), 'cli'], { stdio: 'inherit' })
  if (onlyTwoPlatform) {
    const work = mkdtempSync(join(tmpdir(), 'golden-path-bench-build-'))
    const registry = await startRegistry(work)
    const proxy = await startCountingProxy(registry.port)
    try {
      await benchTwoPlatforms(work, proxy, proxy.counter)
    } finally {
      proxy.server.close()
      registry.child.kill()
      rmSync(work, { recursive: true, force: true })
    }
    return
  }
  const [buildImage, runtimeImage] = run('bash', [join(root, 'scripts/standin-bases.sh')])
    .trim()
    .split('\n')
  const work = mkdtempSync(join(tmpdir(), 'golden-path-bench-build-'))
  const project = join(work, 'project')
  const registry = await startRegistry(work)
  const proxy = await startCountingProxy(registry.port)
  const repository = `127.0.0.1:${proxy.port}/example-org/golden-path-reference-service`
  try {
    // A repository of its own, so "the same commit" is a fixed commit with a fixed date.
    const tracked = run('git', ['ls-files', 'service'], { cwd: root }).trim().split('\n')
    for (const file of tracked) {
      mkdirSync(dirname(join(project, file)), { recursive: true })
      cpSync(join(root, file), join(project, file))
    }
    const gitEnv = {
      ...process.env,
      GIT_CONFIG_GLOBAL: '/dev/null',
      GIT_AUTHOR_NAME: 'bench',
      GIT_AUTHOR_EMAIL: 'bench@example.org',
      GIT_COMMITTER_NAME: 'bench',
      GIT_COMMITTER_EMAIL: 'bench@example.org',
    }
    const git = (args, date = '2026-11-02T10:00:00Z') =>
      run('git', args, {
        cwd: project,
        env: { ...gitEnv, GIT_AUTHOR_DATE: date, GIT_COMMITTER_DATE: date },
      })
    git(['init', '-q', '-b', 'main'])
    git(['remote', 'add', 'origin', 'https://github.com/example-org/golden-path.git'])
    git(['add', '-A'])
    git(['commit', '-q', '-m', 'reference service'])

    const env = Object.fromEntries(
      Object.entries(process.env).filter(([key]) => !key.startsWith('GITHUB_')),
    )
    const build = async (name, extra = []) => {
      const started = performance.now()
      const output = await runAsync(
        'node',
        [
          cli,
          'build',
          '--context',
          'service',
          '--image',
          repository,
          '--engine',
          'buildah',
          '--build-arg',
          `BUILD_IMAGE=${buildImage}`,
          '--build-arg',
          `RUNTIME_IMAGE=${runtimeImage}`,
          '--oci',
          join(work, name),
          '--output',
          'json',
          ...extra,
        ],
        { cwd: project, env },
      )
      return { ms: performance.now() - started, ...JSON.parse(output) }
    }
    const push = async (name, tag) => {
      const before = { ...proxy.counter }
      const started = performance.now()
      const output = await runAsync('node', [
        cli,
        'push',
        '--oci',
        join(work, name),
        '--image',
        repository,
        '--tag',
        tag,
        '--tls-verify',
        'false',
        '--output',
        'json',
      ])
      return {
        ms: performance.now() - started,
        digest: JSON.parse(output).digest,
        blobBytes: proxy.counter.blobBytes - before.blobBytes,
        manifestBytes: proxy.counter.manifestBytes - before.manifestBytes,
        blobs: proxy.counter.blobUploads - before.blobUploads,
      }
    }

    console.log('\nbench:build: building the reference service image (buildah, stand-in bases)')
    const first = await build('first')
    const firstPush = await push('first', 'first')
    const second = await build('second')
    const secondPush = await push('second', 'second')
    appendFileSync(
      join(project, 'service/src/app.ts'),
      "export const benchmarkEdition = 'one-line change'\n",
    )
    git(['commit', '-q', '-am', 'one-line application change'], '2026-11-02T11:00:00Z')
    const changed = await build('changed')
    const changedPush = await push('changed', 'changed')
    git(['reset', '-q', '--hard', 'HEAD~1'])
    const fromScratch = await build('no-cache', ['--no-cache'])

    const size = imageBytes(join(work, 'first'))
    const rows = [
      ['first build (same commit)', first, firstPush],
      ['second build (same commit)', second, secondPush],
      ['after a one-line app change', changed, changedPush],
      ['same commit, --no-cache', fromScratch, undefined],
    ]
    console.log(
      `\nimage: ${mib(size.total)} in ${size.layers.length} layers (${size.layers.map(mib).join(', ')})\n`,
    )
    console.log(
      'build                          time      digest           pushed (blobs + manifest)',
    )
    for (const [label, result, pushed] of rows) {
      const sent = pushed
        ? `${mib(pushed.blobBytes)} in ${pushed.blobs} blob(s) + ${pushed.manifestBytes} B, ${((100 * (pushed.blobBytes + pushed.manifestBytes)) / size.total).toFixed(2)}% of the image, ${seconds(pushed.ms)}`
        : '(not pushed)'
      console.log(
        `${label.padEnd(30)} ${seconds(result.ms).padStart(7)}   ${result.digest.slice(7, 19)}     ${sent}`,
      )
    }
    const identical = second.digest === first.digest
    const scratchIdentical = fromScratch.digest === first.digest
    console.log(
      `\nidentical builds have equal digests: ${identical ? 'yes' : 'NO'} (${first.digest})`,
    )
    console.log(
      `a --no-cache rebuild of the same commit has the same digest: ${scratchIdentical ? 'yes' : 'NO'}`,
    )
    console.log(
      `push after the app change sent ${((100 * (changedPush.blobBytes + changedPush.manifestBytes)) / size.total).toFixed(2)}% of the image's bytes (target < 5%)`,
    )
    console.log(
      JSON.stringify({
        imageBytes: size.total,
        buildMs: {
          first: Math.round(first.ms),
          second: Math.round(second.ms),
          changed: Math.round(changed.ms),
          noCache: Math.round(fromScratch.ms),
        },
        pushedBytes: {
          first: firstPush.blobBytes + firstPush.manifestBytes,
          second: secondPush.blobBytes + secondPush.manifestBytes,
          changed: changedPush.blobBytes + changedPush.manifestBytes,
        },
        identicalDigests: identical,
        noCacheIdenticalDigest: scratchIdentical,
      }),
    )
    if (!identical || !scratchIdentical) process.exitCode = 1
    await benchTwoPlatforms(work, proxy, proxy.counter)
  } finally {
    proxy.server.close()
    registry.child.kill()
    rmSync(work, { recursive: true, force: true })
  }
}

main().catch((error) => {
  console.error(`bench:build: ${error.message}`)
  process.exitCode = 1
})
