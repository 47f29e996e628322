// Benchmark of the supply-chain steps one delivery adds, against a docker-registry on
// loopback (no referrers API, so the fallback tag is written and read) or, with
// --registry referrers-api, the OCI 1.1 registry of scripts/oci-registry: golden-path sign,
// attest slsaprovenance1, attest cyclonedx, then verify-image requiring both attestations,
// each as its own CLI process as a workflow runs them. Key-based: keyless signing talks to
// Fulcio and Rekor, which cannot be reached from here, so it is not timed.
// The SBOM comes from syft when it is on PATH (its scan is timed apart), else from a
// small CycloneDX file given with --sbom.
// Usage: npm run bench:sign [-- --runs 5] [--registry docker-registry|referrers-api]
import { execFileSync, spawn } from 'node:child_process'
import { generateKeyPairSync, randomBytes } from 'node:crypto'
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { createServer } from 'node:net'
import { availableParallelism, loadavg, tmpdir } from 'node:os'
import { delimiter, join } from 'node:path'
import { parseArgs } from 'node:util'

const root = new URL('../..', import.meta.url).pathname
const cli = join(root, 'cli/dist/index.js')
const { values } = parseArgs({
  options: {
    runs: { type: 'string', default: '5' },
    registry: { type: 'string', default: 'docker-registry' },
  },
})
const runs = Math.min(Math.max(Number(values.runs) || 5, 1), 50)
const registries = {
  'docker-registry': { program: 'docker-registry', path: 'fallback tag' },
  'referrers-api': { program: 'golden-path-oci-registry', path: 'referrers API' },
}
const registryKind = registries[values.registry]
if (!registryKind) {
  console.error(
    `bench: --registry must be docker-registry or referrers-api, not '${values.registry}'`,
  )
  process.exit(2)
}

const onPath = (command) =>
  (process.env.PATH ?? '').split(delimiter).some((dir) => existsSync(join(dir, command)))
for (const tool of [registryKind.program, 'crane']) {
  if (!onPath(tool)) {
    console.error(`bench: ${tool} is not on PATH; run: source scripts/setup.sh`)
    process.exit(2)
  }
}
if (!existsSync(cli)) {
  console.log('bench: building the CLI first')
  execFileSync('node', [join(root, 'scripts/build.mjs'), 'cli'], { stdio: 'inherit' })
}

const freePort = () =>
  new Promise((resolve) => {
    const server = createServer()
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address()
      server.close(() => resolve(port))
    })
  })

const work = mkdtempSync(join(tmpdir(), 'golden-path-bench-sign-'))
const port = await freePort()
const config = join(work, 'config.yml')
writeFileSync(
  config,
  `version: 0.1\nlog:\n  level: error\nstorage:\n  filesystem:\n    rootdirectory: ${join(work, 'storage')}\nhttp:\n  addr: 127.0.0.1:${port}\n`,
)
const registry =
  values.registry === 'referrers-api'
    ? spawn(
        registryKind.program,
        ['-address', `127.0.0.1:${port}`, '-blob-dir', join(work, 'blobs')],
        { stdio: 'ignore' },
      )
    : spawn('docker-registry', ['serve', config], { stdio: 'ignore' })
const host = `127.0.0.1:${port}`

async function waitForRegistry() {
  for (let attempt = 0; attempt < 150; attempt++) {
    const ok = await fetch(`http://${host}/v2/`).then(
      (response) => response.ok,
      () => false,
    )
    if (ok) return
    await new Promise((resolve) => setTimeout(resolve, 100))
  }
  throw new Error(`${registryKind.program} did not start`)
}

function pushImage() {
  const layer = join(work, 'layer.tar')
  writeFileSync(join(work, 'marker'), randomBytes(16).toString('hex'))
  execFileSync('tar', ['-cf', layer, '-C', work, 'marker'])
  const reference = `${host}/bench/payments:latest`
  execFileSync(
    'crane',
    ['append', '--oci-empty-base', '--insecure', '-f', layer, '-t', reference],
    {
      stdio: 'ignore',
    },
  )
  const digest = execFileSync('crane', ['digest', '--insecure', reference], {
    encoding: 'utf8',
  }).trim()
  return `${host}/bench/payments@${digest}`
}

function timed(args) {
  const started = process.hrtime.bigint()
  execFileSync(process.execPath, [cli, ...args], { stdio: ['ignore', 'ignore', 'pipe'] })
  return Number(process.hrtime.bigint() - started) / 1e6
}

const median = (list) => [...list].sort((a, b) => a - b)[Math.floor(list.length / 2)]

try {
  await waitForRegistry()
  const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' })
  const key = join(work, 'key.pem')
  const pub = join(work, 'pub.pem')
  writeFileSync(key, privateKey.export({ type: 'pkcs8', format: 'pem' }), { mode: 0o600 })
  writeFileSync(pub, publicKey.export({ type: 'spki', format: 'pem' }))
  const syft = onPath('syft')
  const sbomFile = join(work, 'sbom.cdx.json')
  writeFileSync(
    sbomFile,
    JSON.stringify({ bomFormat: 'CycloneDX', specVersion: '1.6', version: 1, components: [] }),
  )
  const common = ['--key', key, '--tls-verify', 'false']
  const phases = { sign: [], provenance: [], sbom: [], verify: [], total: [] }
  for (let run = 0; run < runs; run++) {
    const image = pushImage()
    const sign = timed(['sign', '--image', image, ...common])
    const provenance = timed([
      'attest',
      '--image',
      image,
      '--type',
      'slsaprovenance1',
      ...common,
      '--source-repository',
      'example-org/payments',
      '--builder-id',
      'https://golden-path.dev/bench',
    ])
    const sbom = timed([
      'attest',
      '--image',
      image,
      '--type',
      'cyclonedx',
      ...common,
      ...(syft ? [] : ['--sbom', sbomFile]),
    ])
    const verify = timed([
      'verify-image',
      '--image',
      image,
      '--key',
      pub,
      '--tls-verify',
      'false',
      '--require-attestation',
      'slsaprovenance1',
      '--require-attestation',
      'cyclonedx',
    ])
    phases.sign.push(sign)
    phases.provenance.push(provenance)
    phases.sbom.push(sbom)
    phases.verify.push(verify)
    phases.total.push(sign + provenance + sbom + verify)
  }
  console.log(
    `bench:sign  ${runs} run(s), median ms, key-based, loopback ${registryKind.program} (${registryKind.path}), ${availableParallelism()} cores, load ${loadavg()[0].toFixed(2)}`,
  )
  console.log(`  sign                       ${median(phases.sign).toFixed(0)}`)
  console.log(`  attest slsaprovenance1     ${median(phases.provenance).toFixed(0)}`)
  console.log(
    `  attest cyclonedx           ${median(phases.sbom).toFixed(0)}${syft ? ' (syft scan included)' : ' (given SBOM; syft not installed)'}`,
  )
  console.log(`  verify-image (both)        ${median(phases.verify).toFixed(0)}`)
  console.log(`  added per delivery         ${median(phases.total).toFixed(0)}  (target <= 2000)`)
  console.log('  keyless: not timed (Fulcio and Rekor are not reachable from here)')
} finally {
  registry.kill('SIGTERM')
  await new Promise((resolve) => registry.once('exit', resolve))
  rmSync(work, { recursive: true, force: true })
}
