/**
 * Decoding of raw Redis replies (as the `Buffer` variants of ioredis return them:
 * strings as `Buffer`s, integers as numbers, nil as `null`) into the records
 * of `RedisClient`. These run once per entry read, so they build each result
 * in one pass and keep field values as the `Buffer`s ioredis produced (a
 * `Buffer` is a `Uint8Array`), without copying.
 *
 * @internal
 */
import type { RedisClient } from "@effect-pulse/core"

type Raw = unknown
type RawEntry = readonly [id: Buffer, fields: ReadonlyArray<Buffer> | null] | null

const emptyArray: ReadonlyArray<never> = Object.freeze([])

/** A bulk string reply as text. */
export const text = (reply: Raw): string => (reply as Buffer).toString()

/** A bulk string reply as text, or `null` for nil. */
export const textOrNull = (reply: Raw): string | null => (reply === null ? null : (reply as Buffer).toString())

/**
 * An integer reply. ioredis gives numbers, or strings when the client was
 * created with `stringNumbers`.
 */
export const integer = (reply: Raw): number => (typeof reply === "number" ? reply : Number(String(reply)))

/** An integer reply, or `null` for nil. */
export const integerOrNull = (reply: Raw): number | null => (reply === null ? null : integer(reply))

/** An integer reply of 0 or 1 as a boolean. */
export const flag = (reply: Raw): boolean => integer(reply) === 1

/** `OK` or nil (as `SET ... NX` answers) as a boolean. */
export const okOrNull = (reply: Raw): boolean => reply !== null

/** Any reply, ignored. */
export const ignore = (_reply: Raw): void => undefined

// Field names are nearly always one ASCII byte (Pulse's `n`, `p`, `t`): those strings are made once.
const oneByteNames = Array.from({ length: 128 }, (_, code) => String.fromCharCode(code))

const fieldName = (bytes: Buffer): string =>
  bytes.length === 1 && bytes[0]! < 128 ? oneByteNames[bytes[0]!]! : bytes.toString()

const fields = (flat: ReadonlyArray<Buffer>): RedisClient.Fields => {
  const pairs = new Array<readonly [string, Uint8Array]>(flat.length >> 1)
  for (let i = 0, j = 0; i < flat.length; i += 2, j++) pairs[j] = [fieldName(flat[i]!), flat[i + 1]!]
  return pairs
}

const entry = (raw: NonNullable<RawEntry>): RedisClient.StreamEntry => ({
  id: raw[0].toString(),
  fields: fields(raw[1]!)
})

/**
 * An array of entries (`XRANGE`, `XREVRANGE`). Redis answers a `COUNT` of 0
 * or less with a nil array: no entries.
 */
export const entries = (reply: Raw): ReadonlyArray<RedisClient.StreamEntry> => {
  if (reply === null) return emptyArray
  const raw = reply as ReadonlyArray<NonNullable<RawEntry>>
  const result = new Array<RedisClient.StreamEntry>(raw.length)
  for (let i = 0; i < raw.length; i++) result[i] = entry(raw[i]!)
  return result
}

/**
 * An array of entries where deleted ones (nil, or nil fields) are dropped,
 * as `XCLAIM` reports them on Redis versions before 7.
 */
export const existingEntries = (reply: Raw): ReadonlyArray<RedisClient.StreamEntry> => {
  const raw = reply as ReadonlyArray<RawEntry>
  const result: Array<RedisClient.StreamEntry> = []
  for (const item of raw) if (item !== null && item[1] !== null) result.push(entry(item))
  return result
}

/** An `XREAD` reply: nil when nothing was read. */
export const streamReads = (reply: Raw): ReadonlyArray<RedisClient.StreamRead> => {
  if (reply === null) return emptyArray
  const raw = reply as ReadonlyArray<readonly [Buffer, ReadonlyArray<NonNullable<RawEntry>>]>
  const result = new Array<RedisClient.StreamRead>(raw.length)
  for (let i = 0; i < raw.length; i++) result[i] = { key: raw[i]![0].toString(), entries: entries(raw[i]![1]) }
  return result
}

/**
 * An `XREADGROUP` reply: nil when nothing was read; a history entry deleted
 * since it was delivered has nil fields and becomes `{ id, fields: null }`.
 */
export const groupStreamReads = (
  reply: Raw
): ReadonlyArray<RedisClient.StreamRead<RedisClient.StreamEntry | RedisClient.DeletedEntry>> => {
  if (reply === null) return emptyArray
  const raw = reply as ReadonlyArray<readonly [Buffer, ReadonlyArray<NonNullable<RawEntry>>]>
  const result = new Array<RedisClient.StreamRead<RedisClient.StreamEntry | RedisClient.DeletedEntry>>(raw.length)
  for (let i = 0; i < raw.length; i++) {
    const items = raw[i]![1]
    const decoded = new Array<RedisClient.StreamEntry | RedisClient.DeletedEntry>(items.length)
    for (let j = 0; j < items.length; j++) {
      const item = items[j]!
      decoded[j] = item[1] === null ? { id: item[0].toString(), fields: null } : entry(item)
    }
    result[i] = { key: raw[i]![0].toString(), entries: decoded }
  }
  return result
}

/**
 * An `XAUTOCLAIM` reply: `[next, entries, deletedIds]` since Redis 7; Redis
 * 6.2 has no third element and reports deleted entries with nil fields.
 */
export const autoClaim = (reply: Raw): RedisClient.AutoClaimResult => {
  const [next, rawEntries, rawDeleted] = reply as readonly [Buffer, ReadonlyArray<RawEntry>, ReadonlyArray<Buffer>?]
  const claimed: Array<RedisClient.StreamEntry> = []
  const deletedIds: Array<string> = []
  for (const item of rawEntries) {
    if (item === null) continue
    if (item[1] === null) deletedIds.push(item[0].toString())
    else claimed.push(entry(item))
  }
  if (rawDeleted !== undefined) for (const id of rawDeleted) deletedIds.push(id.toString())
  return { next: next.toString(), entries: claimed, deletedIds }
}

/** The reply of `XPENDING key group`; an empty group answers `[0, nil, nil, nil]`. */
export const pendingSummary = (reply: Raw): RedisClient.PendingSummary => {
  const [count, smallest, largest, consumers] = reply as readonly [Raw, Buffer | null, Buffer | null, Raw]
  const rawConsumers = (consumers ?? emptyArray) as ReadonlyArray<readonly [Buffer, Raw]>
  return {
    count: integer(count),
    smallestId: textOrNull(smallest),
    largestId: textOrNull(largest),
    consumers: rawConsumers.map(([name, pending]) => ({ name: name.toString(), count: integer(pending) }))
  }
}

/** The reply of `XPENDING key group [IDLE ms] start end count [consumer]`. */
export const pendingEntries = (reply: Raw): ReadonlyArray<RedisClient.PendingEntry> =>
  (reply as ReadonlyArray<readonly [Buffer, Buffer, Raw, Raw]>).map(([id, consumer, idle, deliveries]) => ({
    id: id.toString(),
    consumer: consumer.toString(),
    idleMillis: integer(idle),
    deliveries: integer(deliveries)
  }))

/** The fields of a flat `name value name value ...` reply (what RESP2 makes of a map), by name. */
const record = (reply: Raw): Map<string, Raw> => {
  const flat = reply as ReadonlyArray<Raw>
  const map = new Map<string, Raw>()
  for (let i = 0; i + 1 < flat.length; i += 2) map.set(String(flat[i]), flat[i + 1])
  return map
}

/** The reply of `XINFO STREAM key`. */
export const streamInfo = (reply: Raw): RedisClient.StreamInfo => {
  const info = record(reply)
  return {
    length: integer(info.get("length")),
    lastGeneratedId: text(info.get("last-generated-id")),
    entriesAdded: integer(info.get("entries-added")),
    groups: integer(info.get("groups"))
  }
}

/** The reply of `XINFO GROUPS key`. */
export const groupInfos = (reply: Raw): ReadonlyArray<RedisClient.GroupInfo> =>
  (reply as ReadonlyArray<Raw>).map((group) => {
    const info = record(group)
    return {
      name: text(info.get("name")),
      consumers: integer(info.get("consumers")),
      pending: integer(info.get("pending")),
      lastDeliveredId: text(info.get("last-delivered-id")),
      entriesRead: integerOrNull(info.get("entries-read") ?? null),
      lag: integerOrNull(info.get("lag") ?? null)
    }
  })

/** The reply of `SCAN`: the next cursor and the keys found. */
export const scanPage = (reply: Raw): RedisClient.ScanPage => {
  const [cursor, keys] = reply as readonly [Buffer, ReadonlyArray<Buffer>]
  return { cursor: cursor.toString(), keys: keys.map(text) }
}

/** The reply of `XINFO CONSUMERS key group`. */
export const consumerInfos = (reply: Raw): ReadonlyArray<RedisClient.ConsumerInfo> =>
  (reply as ReadonlyArray<Raw>).map((consumer) => {
    const info = record(consumer)
    return {
      name: text(info.get("name")),
      pending: integer(info.get("pending")),
      idleMillis: integer(info.get("idle"))
    }
  })

/**
 * The reply of `HGETALL`: a flat `field value ...` array, or the object
 * ioredis builds from it for a command named `hgetall`.
 */
export const hash = (reply: Raw): Readonly<Record<string, string>> => {
  const result: Record<string, string> = {}
  const put = (field: string, value: unknown) => {
    // A plain assignment to `__proto__` would change the prototype instead of adding the field.
    if (field === "__proto__") {
      Object.defineProperty(result, field, {
        value: String(value),
        enumerable: true,
        writable: true,
        configurable: true
      })
    } else result[field] = String(value)
  }
  if (Array.isArray(reply)) {
    for (let i = 0; i + 1 < reply.length; i += 2) put(String(reply[i]), reply[i + 1])
  } else if (reply !== null && typeof reply === "object") {
    for (const [field, value] of Object.entries(reply)) put(field, value)
  }
  return result
}

/**
 * A script's reply as plain values: bulk strings as text, integers as
 * numbers, nil as `null`, arrays item by item.
 */
export const scriptReply = (reply: Raw): unknown =>
  Buffer.isBuffer(reply) ? reply.toString() : Array.isArray(reply) ? reply.map(scriptReply) : reply
