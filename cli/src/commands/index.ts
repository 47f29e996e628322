import type { Command } from '../command'
import { bumpCommand } from './bump'
import { versionCommand } from './version'

/** Every `golden-path` command, in the order `--help` lists them. */
export const commands: readonly Command[] = [versionCommand, bumpCommand]
