import type { Command } from '../command'
import { deliverCommand } from './deliver'
import { versionCommand } from './version'

/** Every `golden-path` command, in the order `--help` lists them. */
export const commands: readonly Command[] = [versionCommand, deliverCommand]
