export const recordCommand = undefined as never
