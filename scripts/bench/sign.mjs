// Benchmark of the supply-chain steps one delivery adds, against a docker-registry on
// loopback (no referrers API, so the fallback tag is written and read) or, with
// --registry referrers-api, the OCI 1.1 registry of scripts/oci-registry: golden-path sign,
// attest slsaprovenance1, attest cyclonedx, then verify-image requiring both attestations,
// each as its own CLI process as a workflow runs them. Key-based: keyless signing talks to
// Fulcio and Rekor, which cannot be reached from here, so it is not timed.
// The SBOM comes from syft when it is on PATH (its scan is timed apart), else from a
// small CycloneDX file given with --sbom.
// A second figure times the same four steps as `deliver --local` runs them: one process,
// the SBOM made by syft from the build's OCI layout while the signature and the provenance
// are made, then verify-image. Each run is a fresh Node process (bundled steps, see
// sign-steps-entry.ts), timed from before its modules load, so module loading counts and
// Node's own start-up, which a delivery pays once anyway, does not.
// A third figure times the CLI the way a workflow can run it: sign, one `attest` with
// --type slsaprovenance1 --type cyclonedx --oci (the SBOM made beside the provenance), and
// verify-image, each its own process.
// Usage: npm run bench:sign [-- --runs 5] [--registry docker-registry|referrers-api]
import { execFileSync, spawn, spawnSync } from 'node:child_process'
import { generateKeyPairSync, randomBytes } from 'node:crypto'
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
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

const stepsEntryDir = join(root, '.cache/bench-sign')
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

const bundled = spawnSync(
  'npx',
  ['ncc', 'build', 'scripts/bench/sign-steps-entry.ts', '--out', stepsEntryDir, '--quiet'],
  { cwd: root, stdio: 'inherit' },
)
if (bundled.status !== 0) {
  console.error('bench:sign: bundling the delivery steps failed')
  process.exit(1)
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

/** The layout the build would leave for the pushed image (not timed). */
function layoutOf(image, run) {
  const layout = join(work, `layout-${run}`)
  execFileSync('crane', ['pull', '--insecure', '--format', 'oci', image, layout], {
    stdio: 'ignore',
  })
  return layout
}

// One delivery's sign and verify-image steps in a fresh process, as deliver --local runs them.
const deliverSteps = `
const started = performance.now()
const [entry, settings] = process.argv.slice(2)
const { runDelivery, signStep, verifyImageStep, nullLogger, spawnRunner, systemClock } =
  await import(entry)
const { image, ociLayout, keyDirectory } = JSON.parse(settings)
const ports = { runner: spawnRunner, logger: nullLogger, clock: systemClock }
const options = {
  keyDirectory,
  env: process.env,
  facts: { repository: 'example-org/payments', serverUrl: 'https://github.com', inputs: {}, baseImages: [] },
}
const report = await runDelivery(
  [signStep(options, ports), verifyImageStep(options, ports)],
  { image: image.split('@')[0], imageRef: image, ociLayout },
  ports,
)
const total = performance.now() - started
console.log(JSON.stringify({ total, steps: report.steps }))
`

function timedDeliverSteps(image, ociLayout, keyDirectory) {
  const script = join(work, 'deliver-steps.mjs')
  if (!existsSync(script)) writeFileSync(script, deliverSteps)
  const output = execFileSync(
    process.execPath,
    [script, join(stepsEntryDir, 'index.js'), JSON.stringify({ image, ociLayout, keyDirectory })],
    { encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'] },
  )
  const { total, steps } = JSON.parse(output)
  const failed = steps.find((step) => step.status !== 'passed')
  if (failed) throw new Error(`deliver step ${failed.name} ${failed.status}: ${failed.detail}`)
  return { total, sign: steps[0].durationMs, verify: steps[1].durationMs, detail: steps[0].detail }
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
  // deliver --local keeps its key as <state>/signing/signing-key.pem and signing-key.pub.pem.
  const keyDirectory = join(work, 'state', 'signing')
  mkdirSync(keyDirectory, { recursive: true })
  writeFileSync(
    join(keyDirectory, 'signing-key.pem'),
    privateKey.export({ type: 'pkcs8', format: 'pem' }),
    {
      mode: 0o600,
    },
  )
  writeFileSync(
    join(keyDirectory, 'signing-key.pub.pem'),
    publicKey.export({ type: 'spki', format: 'pem' }),
  )
  const delivered = { sign: [], verify: [], total: [] }
  let deliveredDetail = ''
  const combined = { sign: [], attest: [], verify: [], total: [] }
  const provenanceFacts = [
    '--source-repository',
    'example-org/payments',
    '--builder-id',
    'https://golden-path.dev/bench',
  ]
  const verifyBoth = (image) => [
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
  ]
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
      ...provenanceFacts,
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
    const verify = timed(verifyBoth(image))
    phases.sign.push(sign)
    phases.provenance.push(provenance)
    phases.sbom.push(sbom)
    phases.verify.push(verify)
    phases.total.push(sign + provenance + sbom + verify)

    const local = pushImage()
    const steps = timedDeliverSteps(local, layoutOf(local, `local-${run}`), keyDirectory)
    delivered.sign.push(steps.sign)
    delivered.verify.push(steps.verify)
    delivered.total.push(steps.total)
    deliveredDetail = steps.detail

    const cli = pushImage()
    const layout = layoutOf(cli, `cli-${run}`)
    const cliSign = timed(['sign', '--image', cli, ...common])
    const attestBoth = timed([
      'attest',
      '--image',
      cli,
      '--type',
      'slsaprovenance1',
      '--type',
      'cyclonedx',
      '--oci',
      layout,
      ...common,
      ...provenanceFacts,
      ...(syft ? [] : ['--sbom', sbomFile]),
    ])
    const cliVerify = timed(verifyBoth(cli))
    combined.sign.push(cliSign)
    combined.attest.push(attestBoth)
    combined.verify.push(cliVerify)
    combined.total.push(cliSign + attestBoth + cliVerify)
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
  console.log(
    `  as deliver --local runs them, one process (${syft ? 'syft reads the OCI layout' : 'no SBOM: syft not installed'}):`,
  )
  console.log(
    `    sign step: signature, provenance, SBOM side by side   ${median(delivered.sign).toFixed(0)}`,
  )
  console.log(
    `    verify-image step (signature, provenance)             ${median(delivered.verify).toFixed(0)}`,
  )
  console.log(
    `    added per delivery, module loading included           ${median(delivered.total).toFixed(0)}  (target <= 2000)`,
  )
  console.log(`    (${deliveredDetail.replace(/ with \S+/, '')})`)
  console.log('  as the CLI runs them with one attest for both types, one process each:')
  console.log(
    `    sign                                                  ${median(combined.sign).toFixed(0)}`,
  )
  console.log(
    `    attest --type slsaprovenance1 --type cyclonedx --oci  ${median(combined.attest).toFixed(0)}${syft ? '' : ' (given SBOM)'}`,
  )
  console.log(
    `    verify-image (both)                                   ${median(combined.verify).toFixed(0)}`,
  )
  console.log(
    `    added per delivery                                    ${median(combined.total).toFixed(0)}  (target <= 2000)`,
  )
  console.log(
    `  load average after the runs: ${loadavg()
      .map((value) => value.toFixed(2))
      .join(' ')}`,
  )
  console.log('  keyless: not timed (Fulcio and Rekor are not reachable from here)')
} finally {
  registry.kill('SIGTERM')
  await new Promise((resolve) => registry.once('exit', resolve))
  rmSync(work, { recursive: true, force: true })
}
