import { ActionInputs } from '../../lib/action-input'
import { type Logger, spawnRunner } from '../../lib/ports'
import { inputNames, policyInputs } from '../../lib/supply-chain/action-settings'
import { verificationPolicy } from '../../lib/supply-chain/settings'
import { type GatedImage, requireVerifiedImages } from '../../lib/supply-chain/signature-gate'

/**
 * The require-signature inputs: every image is verified before the bump writes it. Returns
 * the refusal, or undefined when every image passed or no signature was required.
 */
export async function signatureGate(
  images: readonly GatedImage[],
  env: NodeJS.ProcessEnv,
  logger: Logger,
): Promise<string | undefined> {
  const inputs = new ActionInputs(env)
  if (!inputs.boolean('require-signature', false)) return undefined
  const username = inputs.optional('registry-username')
  const password = inputs.optional('registry-password')
  const result = await requireVerifiedImages(
    images,
    await verificationPolicy(policyInputs(inputs), inputNames),
    {
      tlsVerify: inputs.boolean('registry-tls-verify', true),
      credentials: {
        env,
        runner: spawnRunner,
        logger,
        explicit: username && password ? { username, password } : undefined,
      },
    },
    { logger },
  )
  for (const verified of result.verified) logger.info(`verified ${verified}`)
  if (result.refused.length === 0) return undefined
  return `refusing to write unverified image(s): ${result.refused.join(' | ')}`
}
