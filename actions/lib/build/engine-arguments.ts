import type { BuildPlan, BuildSecret } from './build-plan'

function secretSpec(secret: BuildSecret): string {
  return 'src' in secret ? `id=${secret.id},src=${secret.src}` : `id=${secret.id},env=${secret.env}`
}

function tagOf(reference: string): string {
  const slash = reference.lastIndexOf('/')
  const colon = reference.lastIndexOf(':')
  return colon > slash ? reference.slice(colon + 1) : 'latest'
}

/** SOURCE_DATE_EPOCH also goes in as a build arg, so that a Dockerfile can use it (ARG). */
function buildArgs(plan: BuildPlan): [string, string][] {
  const given = plan.buildArgs.some(([key]) => key === 'SOURCE_DATE_EPOCH')
  return given
    ? plan.buildArgs
    : [...plan.buildArgs, ['SOURCE_DATE_EPOCH', String(plan.sourceDateEpoch)]]
}

function common(plan: BuildPlan): string[] {
  const args: string[] = ['--file', plan.dockerfile]
  for (const [key, value] of Object.entries(plan.labels)) args.push('--label', `${key}=${value}`)
  for (const [key, value] of buildArgs(plan)) args.push('--build-arg', `${key}=${value}`)
  for (const secret of plan.secrets) args.push('--secret', secretSpec(secret))
  if (plan.target) args.push('--target', plan.target)
  if (plan.platform) args.push('--platform', plan.platform)
  return args
}

/**
 * Every file buildah commits gets this mtime (--timestamp). It is fixed rather
 * than the commit date so that a layer's digest depends on its content alone:
 * unchanged layers keep their digest across commits (a push after an app-only
 * change sends only the app layer), and a layer reused from the local cache is
 * byte-identical to one built from scratch. The commit date goes into the config
 * afterwards (setImageCreated).
 */
export const layerTimestamp = 0

/**
 * `buildah bud` writing straight to an OCI layout, with file times fixed (see
 * layerTimestamp), compression switched on so the layout holds the gzip layers a
 * registry serves, and the buildah version label left out: two builds of the same
 * commit then give the same digest. --layers keeps one layer per instruction
 * (without it buildah squashes each stage into one layer, and an app-only change
 * would re-send the dependencies); --no-cache because buildah 1.28's layer cache
 * does not key on --timestamp, so a step cached by another build in the same
 * storage, with other file times, would change the digest. --force-rm removes
 * the build's containers even when a step fails. Cache specs are buildx-only and
 * not passed.
 */
export function buildahArguments(plan: BuildPlan): string[] {
  return [
    'bud',
    ...common(plan),
    '--timestamp',
    String(layerTimestamp),
    '--disable-compression=false',
    '--identity-label=false',
    '--layers',
    '--no-cache',
    '--force-rm',
    ...(plan.isolation ? ['--isolation', plan.isolation] : []),
    '--tag',
    `oci:${plan.outputDir}:${tagOf(plan.references[0]!)}`,
    plan.contextDir,
  ]
}

/**
 * `docker buildx build` exporting an OCI layout directory. rewrite-timestamp
 * (BuildKit >= 0.13) clamps file mtimes to SOURCE_DATE_EPOCH, which buildx
 * reads from the environment; provenance is off because its attestation holds
 * the build time and would change the index digest on every build.
 */
export function buildxArguments(plan: BuildPlan): string[] {
  const args = ['buildx', 'build', ...common(plan)]
  if (plan.noCache) args.push('--no-cache')
  for (const reference of plan.references) args.push('--tag', reference)
  for (const spec of plan.cacheFrom) args.push('--cache-from', spec)
  for (const spec of plan.cacheTo) args.push('--cache-to', spec)
  args.push(
    '--provenance=false',
    '--output',
    `type=oci,dest=${plan.outputDir},tar=false,rewrite-timestamp=true,name=${plan.references[0]}`,
    plan.contextDir,
  )
  return args
}

/** The environment an engine runs with: SOURCE_DATE_EPOCH is how buildx learns the build time. */
export function engineEnvironment(plan: BuildPlan, env: NodeJS.ProcessEnv): NodeJS.ProcessEnv {
  return { ...env, SOURCE_DATE_EPOCH: String(plan.sourceDateEpoch) }
}
