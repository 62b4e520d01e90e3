/**
 * The byte size of Redis's stream nodes. Redis keeps a stream's entries in
 * listpacks of at most `stream-node-max-entries` (100) entries and, roughly,
 * `stream-node-max-bytes` (4096) bytes; approximate trimming removes whole
 * nodes only, so where a node ends decides what `MAXLEN ~` keeps. Counting the
 * bytes the way listpacks encode them makes node boundaries, and therefore
 * approximate trimming, match Redis for entries of any size.
 *
 * @internal
 */

/** The listpack header (total bytes, element count) and its end marker. */
export const emptyListpackBytes = 7

const backlenBytes = (length: number): number =>
  length <= 127 ? 1 : length < 16383 ? 2 : length < 2097151 ? 3 : length < 268435455 ? 4 : 5

/** One integer element, encoded in the smallest listpack integer form. */
export const integerBytes = (value: bigint): number => {
  const encoded =
    value >= 0n && value <= 127n
      ? 1
      : value >= -4096n && value <= 4095n
        ? 2
        : value >= -32768n && value <= 32767n
          ? 3
          : value >= -8388608n && value <= 8388607n
            ? 4
            : value >= -2147483648n && value <= 2147483647n
              ? 5
              : 9
  return encoded + backlenBytes(encoded)
}

const int64Min = -(2n ** 63n)
const int64Max = 2n ** 63n - 1n

/** Listpack's `lpStringToInt64`: decimal text without leading zeros or signs other than `-`. */
const asInteger = (bytes: Uint8Array): bigint | undefined => {
  if (bytes.length === 0 || bytes.length >= 21) return undefined
  let index = bytes[0] === 45 ? 1 : 0
  if (index === bytes.length) return undefined
  if (bytes.length === 1 && bytes[0] === 48) return 0n
  if (bytes[index]! < 49 || bytes[index]! > 57) return undefined
  let value = 0n
  for (; index < bytes.length; index++) {
    const byte = bytes[index]!
    if (byte < 48 || byte > 57) return undefined
    value = value * 10n + BigInt(byte - 48)
  }
  const signed = bytes[0] === 45 ? -value : value
  return signed >= int64Min && signed <= int64Max ? signed : undefined
}

/** One string element: stored as an integer when it reads as one, as listpacks do. */
export const stringBytes = (bytes: Uint8Array): number => {
  const integer = asInteger(bytes)
  if (integer !== undefined) return integerBytes(integer)
  const length = bytes.length
  const encoded = length + (length < 64 ? 1 : length < 4096 ? 2 : 5)
  return encoded + backlenBytes(encoded)
}

/** A 64-bit difference as Redis stores it (an unsigned subtraction read back as signed). */
const signedDelta = (a: bigint, b: bigint): bigint => BigInt.asIntN(64, a - b)

/**
 * The master entry a node starts with: live count, deleted count, the field
 * names of the node's first entry, and a terminator. The counts stay below
 * 128 (a node holds at most 100 entries), so their size never changes.
 */
export const masterEntryBytes = (fieldNames: ReadonlyArray<Uint8Array>): number =>
  integerBytes(1n) +
  integerBytes(0n) +
  integerBytes(BigInt(fieldNames.length)) +
  fieldNames.reduce((total, name) => total + stringBytes(name), 0) +
  integerBytes(0n)

/** One entry: flags, ID deltas from the node's master ID, fields (names omitted when they match the master's), back-count. */
export const entryBytes = (options: {
  readonly ms: bigint
  readonly seq: bigint
  readonly masterMs: bigint
  readonly masterSeq: bigint
  readonly names: ReadonlyArray<Uint8Array>
  readonly values: ReadonlyArray<Uint8Array>
  readonly sameFields: boolean
}): number => {
  const fieldCount = options.values.length
  let total =
    integerBytes(0n) +
    integerBytes(signedDelta(options.ms, options.masterMs)) +
    integerBytes(signedDelta(options.seq, options.masterSeq))
  if (!options.sameFields) {
    total += integerBytes(BigInt(fieldCount))
    for (const name of options.names) total += stringBytes(name)
  }
  for (const value of options.values) total += stringBytes(value)
  const pieces = fieldCount + 3 + (options.sameFields ? 0 : fieldCount + 1)
  return total + integerBytes(BigInt(pieces))
}
