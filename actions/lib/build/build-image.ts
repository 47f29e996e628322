import { mkdir, readFile, realpath, rename, rm, stat } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { basename, dirname, isAbsolute, join, relative, resolve } from 'node:path'
import { UsageError } from '../errors'
import { setImageCreated } from '../oci/image-created'
import { OciLayoutError, readLayoutImages } from '../oci/oci-layout'
import type { Clock, CommandRunner, Logger } from '../ports'
import { CommandNotFoundError } from '../ports'
import { parseRepository } from '../registry/image-reference'
import { type PushResult, pushImage } from '../registry/push-image'
import type { BuildEngine, BuildPlan, BuildSecret } from './build-plan'
import { buildahArguments, buildxArguments, engineEnvironment } from './engine-arguments'
import { readGitRevision } from './git-revision'
import { type ImageMetadata, imageMetadata } from './image-metadata'
import {
  assembleIndex,
  checkEmulation,
  formatPlatform,
  hostArchitecture,
  type Platform,
  parsePlatforms,
} from './platforms'

export interface BuildRequest {
  context: string
  /** Dockerfile, relative to the context unless absolute; default <context>/Dockerfile. */
  file?: string
  /** Repository without tag. */
  image: string
  tags: string[]
  engine: BuildEngine | 'auto'
  /** K=V pairs. */
  buildArgs: string[]
  secrets: BuildSecret[]
  target?: string
  platform?: string
  cacheFrom: string[]
  cacheTo: string[]
  noCache: boolean
  /** K=V pairs added to (and overriding) the generated OCI labels. */
  labels: string[]
  title?: string
  description?: string
  licenses?: string
  /** OCI layout directory to write; replaced if it exists. */
  output?: string
  push: boolean
  tlsVerify: boolean
  /** Directory the context and Dockerfile must be inside. */
  workspace: string
  env: NodeJS.ProcessEnv
}

export interface BuildPorts {
  runner: CommandRunner
  logger: Logger
  clock: Clock
  /** Sees the builder's output as it arrives (see build-progress.ts). */
  onBuilderOutput?: (text: string) => void
}

export interface BuildResult {
  engine: BuildEngine
  digest: string
  /** image@sha256:...: the reference that pins exactly these bytes. */
  imageRef: string
  /** image:tag for every tag. */
  tags: string[]
  ociLayout: string
  metadata: ImageMetadata & {
    image: string
    digest: string
    engine: BuildEngine
    revision?: string
  }
  push?: PushResult
  /** Each platform's manifest in the index (one entry for a single-platform image). */
  platforms: { platform: string; digest: string }[]
}

/** The engine ran and the build failed (a Dockerfile step, a missing base image). */
export class BuildFailedError extends Error {
  constructor(
    message: string,
    readonly output: string,
  ) {
    super(message)
    this.name = 'BuildFailedError'
  }
}

function keyValue(flag: string, entry: string): [string, string] {
  const equals = entry.indexOf('=')
  if (equals <= 0) throw new UsageError(`invalid ${flag} '${entry}': expected KEY=VALUE`)
  return [entry.slice(0, equals), entry.slice(equals + 1)]
}

function isInside(parent: string, child: string): boolean {
  const path = relative(parent, child)
  return path === '' || (!path.startsWith('..') && !isAbsolute(path))
}

async function existingPath(
  path: string,
  kind: 'file' | 'directory',
  what: string,
): Promise<string> {
  const info = await stat(path).catch(() => undefined)
  if (!info) throw new UsageError(`${what} ${path} not found`)
  if (kind === 'file' ? !info.isFile() : !info.isDirectory()) {
    throw new UsageError(`${what} ${path} is not a ${kind}`)
  }
  return realpath(path)
}

async function succeeds(runner: CommandRunner, command: string, args: string[]): Promise<boolean> {
  const result = await runner.run(command, args, { timeoutMs: 15_000 }).catch(() => undefined)
  return result?.exitCode === 0
}

/**
 * docker buildx when a daemon answers (GitHub-hosted runners), buildah otherwise
 * (daemonless machines). An explicit choice is only checked for presence.
 */
export async function detectEngine(
  choice: BuildEngine | 'auto',
  runner: CommandRunner,
): Promise<BuildEngine> {
  const dockerReady = async () =>
    (await succeeds(runner, 'docker', ['buildx', 'version'])) &&
    (await succeeds(runner, 'docker', ['version', '--format', '{{.Server.Version}}']))
  const buildahReady = () => succeeds(runner, 'buildah', ['--version'])
  if (choice === 'docker') {
    if (await dockerReady()) return 'docker'
    throw new UsageError('engine docker: docker buildx or the Docker daemon is not available')
  }
  if (choice === 'buildah') {
    if (await buildahReady()) return 'buildah'
    throw new UsageError(
      'engine buildah: buildah is not installed; run: apt-get install -y buildah',
    )
  }
  if (await dockerReady()) return 'docker'
  if (await buildahReady()) return 'buildah'
  throw new UsageError(
    'no build engine: install docker with buildx, or buildah (apt-get install -y buildah)',
  )
}

function tagOfReference(reference: string): string {
  const slash = reference.lastIndexOf('/')
  const colon = reference.lastIndexOf(':')
  return colon > slash ? reference.slice(colon + 1) : 'latest'
}

function defaultOutput(image: string, env: NodeJS.ProcessEnv): string {
  const base = env.RUNNER_TEMP || tmpdir()
  return join(base, 'golden-path', 'oci', image.replace(/[^a-zA-Z0-9._-]+/g, '_'))
}

/**
 * Builds an image into an OCI layout directory (and pushes it from there only
 * when asked). The layout is written next to its final place and renamed in
 * when complete, so a failed build never leaves a half-written layout behind.
 */
export async function buildImage(request: BuildRequest, ports: BuildPorts): Promise<BuildResult> {
  const image = parseRepository(request.image, '--image')
  const workspace = await realpath(request.workspace)
  const contextDir = await existingPath(
    resolve(workspace, request.context),
    'directory',
    'build context',
  )
  if (!isInside(workspace, contextDir)) {
    throw new UsageError(`build context ${contextDir} is outside the workspace ${workspace}`)
  }
  const dockerfile = await existingPath(
    resolve(contextDir, request.file ?? 'Dockerfile'),
    'file',
    'Dockerfile',
  )
  if (!isInside(workspace, dockerfile)) {
    throw new UsageError(`Dockerfile ${dockerfile} is outside the workspace ${workspace}`)
  }
  const buildArgs = request.buildArgs.map((entry) => keyValue('--build-arg', entry))
  const extraLabels = Object.fromEntries(request.labels.map((entry) => keyValue('--label', entry)))
  const outputDir = resolve(workspace, request.output ?? defaultOutput(image, request.env))
  if (isInside(contextDir, outputDir)) {
    throw new UsageError(
      `output ${outputDir} is inside the build context: the layout would be copied into the next build`,
    )
  }
  for (const secret of request.secrets) {
    if ('src' in secret)
      await existingPath(resolve(workspace, secret.src), 'file', `secret ${secret.id}`)
  }
  const platforms = request.platform ? parsePlatforms(request.platform, '--platform') : []
  if (platforms.length > 0) {
    const emulation = await checkEmulation(
      await readFile(dockerfile, 'utf8'),
      platforms,
      hostArchitecture(),
    )
    if (emulation.missing.length > 0) {
      throw new UsageError(
        `RUN steps for ${emulation.missing.join(', ')} need emulation and no qemu binfmt_misc handler is registered on this ${hostArchitecture()} machine: build those steps in a stage FROM --platform=$BUILDPLATFORM (cross-compile), or register qemu (apt-get install -y qemu-user-static binfmt-support)`,
      )
    }
    for (const platform of emulation.emulated) {
      ports.logger.warning(
        `RUN steps for ${platform} run under qemu emulation: expect a slow build`,
      )
    }
  }
  const engine = await detectEngine(request.engine, ports.runner)
  const revision = await readGitRevision(contextDir, request.env, ports.runner)
  const metadata = imageMetadata({
    image,
    revision,
    extraTags: request.tags,
    sourceDateEpoch: request.env.SOURCE_DATE_EPOCH,
    title: request.title,
    description: request.description,
    licenses: request.licenses,
    labels: extraLabels,
    now: ports.clock.now(),
  })
  if (!metadata.reproducible) {
    ports.logger.warning(
      'not in a git repository and SOURCE_DATE_EPOCH is unset: timestamps are the build time, so rebuilds will differ',
    )
  }
  if (engine === 'buildah' && (request.cacheFrom.length || request.cacheTo.length)) {
    ports.logger.warning(
      'cache-from/cache-to are not used with buildah: golden-path builds with --no-cache there, because buildah 1.28 reuses cached layers without keying on --timestamp and the digest would stop being reproducible; use the docker engine (buildx) for type=gha or registry cache',
    )
  }
  const staging = join(dirname(outputDir), `.${basename(outputDir)}.partial-${process.pid}`)
  await mkdir(dirname(outputDir), { recursive: true })
  await rm(staging, { recursive: true, force: true })
  const plan: BuildPlan = {
    contextDir,
    dockerfile,
    references: metadata.references,
    labels: metadata.labels,
    buildArgs,
    secrets: request.secrets.map((secret) =>
      'src' in secret ? { id: secret.id, src: resolve(workspace, secret.src) } : secret,
    ),
    target: request.target,
    platform: platforms.length > 0 ? platforms.map(formatPlatform).join(',') : undefined,
    cacheFrom: request.cacheFrom,
    cacheTo: request.cacheTo,
    noCache: request.noCache,
    outputDir: staging,
    sourceDateEpoch: metadata.sourceDateEpoch,
    // chroot isolation runs RUN steps without an OCI runtime, so builds work inside CI
    // containers and on hosts where crun/runc cannot create containers; BUILDAH_ISOLATION
    // (buildah's own variable) chooses another.
    isolation: request.env.BUILDAH_ISOLATION || 'chroot',
  }
  const command = engine === 'docker' ? 'docker' : 'buildah'
  const runEngine = async (enginePlan: BuildPlan) => {
    const args = engine === 'docker' ? buildxArguments(enginePlan) : buildahArguments(enginePlan)
    ports.logger.info(`${command} ${args.join(' ')}`)
    const result = await ports.runner
      .run(command, args, {
        cwd: contextDir,
        env: engineEnvironment(enginePlan, request.env),
        onOutput: ports.onBuilderOutput,
      })
      .catch((error: unknown) => {
        if (error instanceof CommandNotFoundError) throw new UsageError(error.message)
        throw error
      })
    if (result.exitCode !== 0) {
      const output = `${result.stdout}\n${result.stderr}`.trim()
      const reason =
        result.stderr.trim().split('\n').filter(Boolean).pop() ?? `exit ${result.exitCode}`
      throw new BuildFailedError(`${command} build failed: ${reason}`, output)
    }
  }
  const partDirs: string[] = []
  try {
    let built: Awaited<ReturnType<typeof readLayoutImages>>
    try {
      if (engine === 'buildah' && platforms.length > 1) {
        // One build per platform, each dated like a single-platform build, then one index
        // over them written here: its digest depends only on the manifests, so a rebuild
        // of the same commit gives the same index digest.
        const parts: { platform: Platform; layoutDir: string }[] = []
        for (const platform of platforms) {
          const partDir = `${staging}-${platform.architecture}${platform.variant ?? ''}`
          partDirs.push(partDir)
          await rm(partDir, { recursive: true, force: true })
          await runEngine({ ...plan, platform: formatPlatform(platform), outputDir: partDir })
          await setImageCreated(partDir, metadata.sourceDateEpoch)
          parts.push({ platform, layoutDir: partDir })
        }
        await assembleIndex(parts, staging, tagOfReference(metadata.references[0]!))
      } else {
        await runEngine(plan)
        if (engine === 'buildah') await setImageCreated(staging, metadata.sourceDateEpoch)
      }
      built = await readLayoutImages(staging)
    } catch (error) {
      if (error instanceof OciLayoutError) {
        throw new BuildFailedError(`${command} wrote no usable OCI layout: ${error.message}`, '')
      }
      throw error
    }
    // A base image without the requested architecture can leave another one's config behind.
    const builtPlatforms = built.map((entry) => entry.platform)
    for (const platform of platforms.map(formatPlatform)) {
      if (!builtPlatforms.includes(platform)) {
        throw new BuildFailedError(
          `${command} built no image for ${platform} (built: ${builtPlatforms.join(', ')}): does every base image have that platform?`,
          '',
        )
      }
    }
    await rm(outputDir, { recursive: true, force: true })
    await rename(staging, outputDir)
    const digest = built[0]!.digest
    const buildResult: BuildResult = {
      engine,
      digest,
      imageRef: `${image}@${digest}`,
      tags: metadata.references,
      ociLayout: outputDir,
      metadata: { ...metadata, image, digest, engine, revision: revision?.sha },
      platforms: built.map((entry) => ({ platform: entry.platform, digest: entry.manifestDigest })),
    }
    if (request.push) {
      buildResult.push = await pushImage(
        {
          ociLayout: outputDir,
          image,
          tags: metadata.tags,
          tlsVerify: request.tlsVerify,
          attempts: 3,
          retryDelayMs: 2000,
        },
        ports,
      )
    }
    return buildResult
  } finally {
    await rm(staging, { recursive: true, force: true })
    for (const dir of partDirs) await rm(dir, { recursive: true, force: true })
  }
}
