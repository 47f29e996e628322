import { resolve } from 'node:path'
import { ActionInputs } from '../../lib/action-input'
import { UsageError } from '../../lib/errors'
import { parseRepository } from '../../lib/registry/image-reference'

/** The push-image inputs, keyed as in action.yml. */
export interface Inputs {
  oci: string
  image: string
  'additional-images': string[]
  tags: string[]
  'tls-verify': boolean
  username?: string
  password?: string
  attempts: number
}

export function parseInputs(
  env: NodeJS.ProcessEnv = process.env,
  workspace = process.cwd(),
): Inputs {
  const inputs = new ActionInputs(env)
  const username = inputs.optional('username')
  const password = inputs.optional('password')
  if ((username === undefined) !== (password === undefined)) {
    throw new UsageError("inputs 'username' and 'password' go together: give both or neither")
  }
  return {
    oci: resolve(workspace, inputs.required('oci', "build-image's oci-layout output")),
    image: parseRepository(inputs.required('image', 'ghcr.io/example-org/app'), "input 'image'"),
    'additional-images': inputs
      .list('additional-images', { commas: false })
      .map((entry) => parseRepository(entry, "input 'additional-images'")),
    tags: inputs.list('tags', { commas: true }),
    'tls-verify': inputs.boolean('tls-verify', true),
    username,
    password,
    attempts: inputs.integer('attempts', 3, 1),
  }
}
