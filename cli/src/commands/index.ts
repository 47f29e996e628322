import type { Command } from '../command'
import { validateCommand } from './validate'
import { versionCommand } from './version'

/** Every `golden-path` command, in the order `--help` lists them. */
export const commands: readonly Command[] = [versionCommand, validateCommand]
