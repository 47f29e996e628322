import { createServer } from 'node:net'

/** A TCP port on 127.0.0.1 that nothing listens on right now (the kernel picks it). */
export function freeLoopbackPort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer()
    server.unref()
    server.on('error', reject)
    server.listen(0, '127.0.0.1', () => {
      const address = server.address()
      if (address === null || typeof address === 'string') {
        server.close()
        reject(new Error('no TCP address for the probe listener'))
        return
      }
      server.close(() => resolve(address.port))
    })
  })
}
