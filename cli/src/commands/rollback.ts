export const rollbackCommand = undefined as never
