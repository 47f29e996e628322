import type { TextEdit } from './yaml-source'

/** One image moved to a new version: what a user asks golden-path to write back. */
export interface ImageBump {
  /** The repository to find: a kustomize `name`/`newName`, or a container image without tag. */
  image: string
  tag?: string
  digest?: string
  /**
   * Kustomize only: the repository the matched `images:` entry should render to
   * (`newName`), e.g. the registry the image was actually pushed to.
   */
  newName?: string
}

export interface ImageVersion {
  tag?: string
  digest?: string
}

/**
 * One place in one file where a bumped image's version is written, with the
 * edits that move it to the new version (none when it is already there).
 */
export interface ImageOccurrence {
  /** Stable across re-reads of the file, so a retry can find the same place again. */
  locator: string
  /** Offset of the value in the file: two finders reporting the same value are one occurrence. */
  at: number
  image: string
  old: ImageVersion
  new: ImageVersion
  edits: TextEdit[]
}

/** How the finders read a file: its path (for messages) and text. */
export interface SourceFile {
  path: string
  text: string
}

/**
 * The tag an image keeps after a bump. A digest bump without a tag must not leave a
 * tag naming another build beside the digest: the old tag stays only when the digest
 * is the one already pinned (so the tag still names the same image); otherwise it goes.
 */
export function tagAfterBump(old: ImageVersion, bump: ImageBump): string | undefined {
  if (bump.tag !== undefined) return bump.tag
  if (bump.digest === undefined) return old.tag
  return old.digest === bump.digest ? old.tag : undefined
}
