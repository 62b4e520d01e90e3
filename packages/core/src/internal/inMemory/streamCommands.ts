/**
 * The stream commands that do not involve consumer groups: `XADD` (with
 * `MAXLEN` trimming), `XRANGE`, `XREVRANGE`, `XLEN`, `XDEL`, `XINFO STREAM`.
 * Arguments are checked in the order Redis checks them, so that a call with
 * several faults gets the same error reply.
 *
 * @internal
 */
import type { AddOptions, Expiry, FieldsInput, StreamEntry, StreamInfo, Trim } from "../../RedisClient.js"
import {
  compareIds,
  formatId,
  idsEqual,
  maxId,
  nextAutoId,
  parseAddId,
  parseRangeEnd,
  parseRangeStart,
  parseStrictId,
  type StreamId,
  u64Max
} from "./ids.js"
import { overTheWire } from "./keyspace.js"
import { err, int64Argument, wrongArity } from "./replies.js"
import { entryReply, type Store } from "./store.js"
import type { StoredFields, Stream } from "./streamStore.js"

const encoder = new TextEncoder()

/** Field values are stored as copies, strings as their UTF-8 bytes. */
const storedFields = (fields: FieldsInput): StoredFields =>
  fields.map(([field, value]) => [
    overTheWire(field),
    typeof value === "string" ? encoder.encode(value) : value.slice()
  ])

const checkedMaxLen = (trim: Trim | undefined): number | undefined => {
  if (trim === undefined) return undefined
  const maxLen = int64Argument(trim.maxLen)
  if (maxLen < 0n) throw err("The MAXLEN argument must be >= 0.")
  return Number(maxLen)
}

const notAboveTop = () => err("The ID specified in XADD is equal or smaller than the target stream top item")

/** The ID of a new entry: `*`, `<ms>-*` or an explicit one above the stream's last ID. */
const newEntryId = (stream: Stream, requested: ReturnType<typeof parseAddId> | undefined, now: number): StreamId => {
  const last = stream.lastId
  if (requested === undefined) return nextAutoId(last, now)!
  let id = requested.id
  if (!requested.seqGiven && id.ms === last.ms) {
    if (last.seq === u64Max) throw notAboveTop()
    id = { ms: last.ms, seq: last.seq + 1n }
  }
  if (compareIds(id, last) <= 0) throw notAboveTop()
  return id
}

/** `XADD key [NOMKSTREAM] [MAXLEN [~|=] n] id field value ...`; `null` when NOMKSTREAM finds no key. */
export const xadd = (
  store: Store,
  key: string,
  fields: FieldsInput,
  options: AddOptions | undefined,
  now: number
): string | null => {
  // The Redis layer's script looks the idempotency key up before anything else, then adds, then sets it.
  const dedupe = options?.dedupe
  if (dedupe !== undefined) {
    // As the Redis layer refuses an add without fields before running the script.
    if (fields.length === 0) throw wrongArity("XADD")
    const first = store.keyspace.get(dedupe.key, now)
    if (first !== null) return first
    const added = xadd(store, key, fields, { ...options, dedupe: undefined, expire: undefined }, now)
    if (added === null) return null
    store.keyspace.set(dedupe.key, added, { expireMillis: dedupe.windowMillis }, now)
    const expire = options?.expire
    if (expire !== undefined) store.keyspace.pexpire(key, expire.millis, expire.condition, now)
    return added
  }
  // Redis counts the arguments first: without a trim, `XADD key id` is short of the minimum.
  if (fields.length === 0 && options?.trim === undefined) throw wrongArity("XADD")
  const maxLen = checkedMaxLen(options?.trim)
  const requested = options?.id === undefined || options.id === "*" ? undefined : parseAddId(options.id)
  if (fields.length === 0) throw wrongArity("XADD")
  if (requested?.seqGiven === true && idsEqual(requested.id, { ms: 0n, seq: 0n })) {
    throw err("The ID specified in XADD must be greater than 0-0")
  }
  let stream = store.keyspace.stream(key, now)
  if (stream === undefined) {
    if (options?.noMkStream === true) return null
    stream = store.keyspace.addStream(key)
  }
  if (idsEqual(stream.lastId, maxId)) {
    throw err("The stream has exhausted the last possible ID, unable to add more items")
  }
  const id = newEntryId(stream, requested, now)
  stream.append(id, storedFields(fields))
  if (maxLen !== undefined) stream.trim(maxLen, options!.trim!.approximate)
  if (options?.expire !== undefined) store.keyspace.pexpire(key, options.expire.millis, options.expire.condition, now)
  store.signal(key)
  return formatId(id)
}

/**
 * Successive `XADD`s in one atomic step, as the Redis layer's script runs
 * them: a batch with an entry without fields is refused whole; otherwise the
 * first add that fails stops the batch, and the adds before it stay. Blocked
 * readers are served once the batch is done, so one reader can get them all.
 */
export const xaddAll = (
  store: Store,
  key: string,
  entries: ReadonlyArray<FieldsInput>,
  options: { readonly trim?: Trim | undefined; readonly expire?: Expiry | undefined } | undefined,
  now: number
): ReadonlyArray<string> => {
  if (entries.some((fields) => fields.length === 0)) throw wrongArity("XADD")
  const trim = options?.trim
  // Only the first entry (which checks the trim) and the last trim, as the Redis layer's script does:
  // the same result as a trim per entry but for the cap of an approximate trim.
  const last = entries.length - 1
  const ids = entries.map(
    (fields, i) => xadd(store, key, fields, { trim: i === 0 || i === last ? trim : undefined }, now)!
  )
  if (options?.expire !== undefined) store.keyspace.pexpire(key, options.expire.millis, options.expire.condition, now)
  return ids
}

/** `XRANGE` and `XREVRANGE`: the lower bound is parsed first in both. */
export const xrange = (
  store: Store,
  key: string,
  bounds: { readonly start: string; readonly end: string },
  count: number | undefined,
  reverse: boolean,
  now: number
): ReadonlyArray<StreamEntry> => {
  const start = parseRangeStart(bounds.start)
  const end = parseRangeEnd(bounds.end)
  const limit = count === undefined ? undefined : int64Argument(count)
  const stream = store.keyspace.stream(key, now)
  if (stream === undefined || (limit !== undefined && limit <= 0n)) return []
  return stream.range(start, end, limit === undefined ? 0 : Number(limit), reverse).map(entryReply)
}

/** `XLEN`: 0 for a missing key. */
export const xlen = (store: Store, key: string, now: number): number => store.keyspace.stream(key, now)?.length ?? 0

/** `XDEL`: how many of the IDs were live entries. */
export const xdel = (store: Store, key: string, ids: ReadonlyArray<string>, now: number): number => {
  const stream = store.keyspace.stream(key, now)
  if (stream === undefined) return 0
  // All IDs are checked before any is deleted.
  const parsed = ids.map(parseStrictId)
  return parsed.filter((id) => stream.delete(id)).length
}

/** `XINFO STREAM`: the part of the reply the service exposes. */
export const xinfoStream = (store: Store, key: string, now: number): StreamInfo => {
  const stream = store.keyspace.stream(key, now)
  if (stream === undefined) throw err("no such key")
  return {
    length: stream.length,
    lastGeneratedId: formatId(stream.lastId),
    entriesAdded: stream.entriesAdded,
    groups: stream.groups.size
  }
}
