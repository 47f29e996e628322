/**
 * One member of a layer tarball, with the attributes the hardening checks read.
 * `content` is present for regular files only.
 */
export interface TarEntry {
  path: string
  type: 'file' | 'directory' | 'symlink' | 'hardlink' | 'other'
  mode: number
  size: number
  linkTarget: string
  content?: Buffer
}

const blockSize = 512

/** Thrown for a layer that is not a well-formed tar archive. */
export class TarFormatError extends Error {
  constructor(message: string) {
    super(message)
    this.name = 'TarFormatError'
  }
}

function readString(block: Buffer, offset: number, length: number): string {
  const field = block.subarray(offset, offset + length)
  const end = field.indexOf(0)
  return field.subarray(0, end === -1 ? field.length : end).toString('utf8')
}

// Numeric fields are octal text, or base-256 when the high bit of the first byte is set (GNU/star).
function readNumber(block: Buffer, offset: number, length: number): number {
  const field = block.subarray(offset, offset + length)
  if (field[0] !== undefined && (field[0] & 0x80) !== 0) {
    let value = field[0] & 0x7f
    for (let index = 1; index < field.length; index++) value = value * 256 + (field[index] ?? 0)
    return value
  }
  const text = readString(block, offset, length).trim()
  if (text === '') return 0
  if (!/^[0-7]+$/.test(text)) throw new TarFormatError(`invalid numeric field '${text}'`)
  return Number.parseInt(text, 8)
}

// PAX extended headers are records of the form "<length> <key>=<value>\n".
function parsePax(data: Buffer): Record<string, string> {
  const records: Record<string, string> = {}
  let offset = 0
  while (offset < data.length) {
    const space = data.indexOf(0x20, offset)
    if (space === -1) break
    const length = Number.parseInt(data.subarray(offset, space).toString('ascii'), 10)
    if (!Number.isFinite(length) || length <= 0) break
    const record = data.subarray(space + 1, offset + length - 1).toString('utf8')
    const equals = record.indexOf('=')
    if (equals > 0) records[record.slice(0, equals)] = record.slice(equals + 1)
    offset += length
  }
  return records
}

function entryType(flag: string): TarEntry['type'] {
  switch (flag) {
    case '0':
    case '':
    case '7':
      return 'file'
    case '5':
      return 'directory'
    case '2':
      return 'symlink'
    case '1':
      return 'hardlink'
    default:
      return 'other'
  }
}

/** Paths in layers are relative ("./usr/bin", "usr/bin"); the checks speak of absolute ones. */
export function normaliseLayerPath(path: string): string {
  const trimmed = path.replace(/^\.\//, '').replace(/^\/+/, '').replace(/\/+$/, '')
  return trimmed === '' || trimmed === '.' ? '/' : `/${trimmed}`
}

/** The entries of an uncompressed tar archive, in order (ustar, PAX and GNU long names). */
export function* readTarEntries(archive: Buffer): Generator<TarEntry> {
  let offset = 0
  let pax: Record<string, string> = {}
  let longName: string | undefined
  let longLink: string | undefined
  while (offset + blockSize <= archive.length) {
    const header = archive.subarray(offset, offset + blockSize)
    if (header.every((byte) => byte === 0)) return
    const size = readNumber(header, 124, 12)
    const flag = String.fromCharCode(header[156] ?? 0).replace('\0', '')
    const dataStart = offset + blockSize
    const dataEnd = dataStart + size
    if (dataEnd > archive.length) throw new TarFormatError('archive ends inside an entry')
    const data = archive.subarray(dataStart, dataEnd)
    offset = dataStart + Math.ceil(size / blockSize) * blockSize
    if (flag === 'x') {
      pax = parsePax(data)
      continue
    }
    if (flag === 'g') continue
    if (flag === 'L') {
      longName = readString(data, 0, data.length)
      continue
    }
    if (flag === 'K') {
      longLink = readString(data, 0, data.length)
      continue
    }
    const magic = readString(header, 257, 6)
    const prefix = magic.startsWith('ustar') ? readString(header, 345, 155) : ''
    const name = readString(header, 0, 100)
    const path = pax.path ?? longName ?? (prefix ? `${prefix}/${name}` : name)
    const linkTarget = pax.linkpath ?? longLink ?? readString(header, 157, 100)
    const type = entryType(flag)
    yield {
      path: normaliseLayerPath(path),
      type,
      // Some writers (Go's archive/tar) include the file-type bits; only permissions matter here.
      mode: readNumber(header, 100, 8) & 0o7777,
      size,
      linkTarget,
      content: type === 'file' ? data : undefined,
    }
    pax = {}
    longName = undefined
    longLink = undefined
  }
}
