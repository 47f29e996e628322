/** A build secret: mounted at build time with RUN --mount=type=secret, never stored in a layer. */
export type BuildSecret = { id: string; src: string } | { id: string; env: string }

/** Everything an engine needs for one build, already validated and resolved. */
export interface BuildPlan {
  contextDir: string
  dockerfile: string
  /** Full references (image:tag); the first names the image inside the OCI layout. */
  references: string[]
  labels: Record<string, string>
  buildArgs: [string, string][]
  secrets: BuildSecret[]
  target?: string
  platform?: string
  /** docker buildx cache specs, passed through (type=gha, type=registry,ref=...). */
  cacheFrom: string[]
  cacheTo: string[]
  /** Directory the OCI layout is written to (it must not exist yet). */
  outputDir: string
  sourceDateEpoch: number
  /** Rebuild every step instead of reusing the engine's layer cache. */
  noCache: boolean
  /** buildah only: how RUN steps are isolated (oci, rootless or chroot). */
  isolation?: string
}

export type BuildEngine = 'docker' | 'buildah'
