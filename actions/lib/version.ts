import packageJson from '../../package.json'

/** The golden-path release this code belongs to. */
export const goldenPathVersion: string = packageJson.version
