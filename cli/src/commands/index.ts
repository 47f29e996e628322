import type { Command } from '../command'
import { buildCommand } from './build'
import { bumpCommand } from './bump'
import { deliverCommand } from './deliver'
import { pushCommand } from './push'
import { scanCommand } from './scan'
import { validateCommand } from './validate'
import { verifyCommand } from './verify'
import { versionCommand } from './version'

/** Every `golden-path` command, in the order `--help` lists them. */
export const commands: readonly Command[] = [
  deliverCommand,
  buildCommand,
  scanCommand,
  pushCommand,
  validateCommand,
  bumpCommand,
  verifyCommand,
  versionCommand,
]
