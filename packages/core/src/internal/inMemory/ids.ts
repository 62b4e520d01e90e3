/**
 * Stream entry IDs: parsing exactly as Redis 7.0 parses them, comparison,
 * formatting, successor / predecessor, and the automatic `*` ID.
 *
 * Both halves of an ID are unsigned 64-bit integers, so they are bigints: a
 * JavaScript number would round IDs near the top of the range.
 *
 * @internal
 */
import { err, invalidStreamId } from "./replies.js"

/** `<ms>-<seq>`. */
export interface StreamId {
  readonly ms: bigint
  readonly seq: bigint
}

/** The largest value of either half of an ID. */
export const u64Max = 2n ** 64n - 1n

/** `0-0`, below every entry ID. */
export const minId: StreamId = { ms: 0n, seq: 0n }

/** The largest ID; XREADGROUP also uses it to stand for `>`, as Redis does. */
export const maxId: StreamId = { ms: u64Max, seq: u64Max }

/** Negative, zero or positive as `a` is before, equal to or after `b`. */
export const compareIds = (a: StreamId, b: StreamId): number =>
  a.ms < b.ms ? -1 : a.ms > b.ms ? 1 : a.seq < b.seq ? -1 : a.seq > b.seq ? 1 : 0

/** Whether two IDs are the same. */
export const idsEqual = (a: StreamId, b: StreamId): boolean => a.ms === b.ms && a.seq === b.seq

/** `<ms>-<seq>`, as Redis writes IDs. */
export const formatId = (id: StreamId): string => `${id.ms}-${id.seq}`

/** The next ID; `undefined` after the largest one (Redis wraps and reports an error). */
export const incrementId = (id: StreamId): StreamId | undefined =>
  id.seq < u64Max ? { ms: id.ms, seq: id.seq + 1n } : id.ms < u64Max ? { ms: id.ms + 1n, seq: 0n } : undefined

/** The previous ID; `undefined` before `0-0`. */
export const decrementId = (id: StreamId): StreamId | undefined =>
  id.seq > 0n ? { ms: id.ms, seq: id.seq - 1n } : id.ms > 0n ? { ms: id.ms - 1n, seq: u64Max } : undefined

/**
 * The ID `XADD *` gives: the current time, or, when the clock stands still or
 * went back, the last ID's time with the next sequence number (`undefined`
 * once the last possible ID is taken).
 */
export const nextAutoId = (last: StreamId, nowMillis: number): StreamId | undefined => {
  const now = BigInt(nowMillis)
  return now > last.ms ? { ms: now, seq: 0n } : incrementId(last)
}

const strictInteger = /^-?(0|[1-9][0-9]*)$/
// What C's strtoull accepts in base 10: leading white space, a sign, digits.
const looseInteger = /^[ \t\n\v\f\r]*([+-]?)([0-9]+)$/
const int64Min = -(2n ** 63n)
const int64Max = 2n ** 63n - 1n

/**
 * Redis's `string2ull`: a strict integer first (a negative one is refused),
 * else whatever `strtoull` accepts, which includes leading blanks, a `+`, and
 * even a `-` that wraps around.
 */
export const parseUnsigned64 = (text: string): bigint | undefined => {
  if (strictInteger.test(text)) {
    const value = BigInt(text)
    if (value >= int64Min && value <= int64Max && text !== "-0") return value < 0n ? undefined : value
  }
  const match = looseInteger.exec(text)
  if (match === null) return undefined
  const magnitude = BigInt(match[2]!)
  if (magnitude > u64Max) return undefined
  return match[1] === "-" && magnitude !== 0n ? u64Max + 1n - magnitude : magnitude
}

const encoder = new TextEncoder()

interface ParsedId {
  readonly id: StreamId
  /** False for `<ms>-*`, whose sequence XADD picks. */
  readonly seqGiven: boolean
}

/**
 * Redis's `streamGenericParseIDOrReply`. `-` and `+` are the smallest and
 * largest IDs unless `strict`; `<ms>` alone takes `missingSeq`; `<ms>-*` is
 * accepted only when `allowAutoSeq` (XADD).
 */
const parseGeneric = (
  text: string,
  options: { readonly missingSeq: bigint; readonly strict: boolean; readonly allowAutoSeq?: boolean }
): ParsedId => {
  // Redis copies the argument into a 128-byte buffer first.
  if (encoder.encode(text).length > 127) throw invalidStreamId()
  if (text === "-" || text === "+") {
    if (options.strict) throw invalidStreamId()
    return { id: text === "-" ? minId : maxId, seqGiven: true }
  }
  const dash = text.indexOf("-")
  const ms = parseUnsigned64(dash === -1 ? text : text.slice(0, dash))
  if (ms === undefined) throw invalidStreamId()
  if (dash === -1) return { id: { ms, seq: options.missingSeq }, seqGiven: true }
  const seqText = text.slice(dash + 1)
  if (options.allowAutoSeq === true && seqText === "*") return { id: { ms, seq: 0n }, seqGiven: false }
  const seq = parseUnsigned64(seqText)
  if (seq === undefined) throw invalidStreamId()
  return { id: { ms, seq }, seqGiven: true }
}

/** An ID where `-` and `+` are refused (XDEL, XACK, XCLAIM, XREAD, XGROUP CREATE, ...). */
export const parseStrictId = (text: string): StreamId => parseGeneric(text, { missingSeq: 0n, strict: true }).id

/** The ID argument of XADD, other than `*`: `<ms>-<seq>`, `<ms>` or `<ms>-*`. */
export const parseAddId = (text: string): ParsedId =>
  parseGeneric(text, { missingSeq: 0n, strict: true, allowAutoSeq: true })

/** A `(`-prefixed ID is exclusive; `(-` and `(+` are refused. */
const parseInterval = (text: string, missingSeq: bigint): { readonly id: StreamId; readonly exclusive: boolean } =>
  text.length > 1 && text.startsWith("(")
    ? { id: parseGeneric(text.slice(1), { missingSeq, strict: true }).id, exclusive: true }
    : { id: parseGeneric(text, { missingSeq, strict: false }).id, exclusive: false }

/** The start of a range (XRANGE, XPENDING, XAUTOCLAIM): `<ms>` means `<ms>-0`. */
export const parseRangeStart = (text: string): StreamId => {
  const { exclusive, id } = parseInterval(text, 0n)
  if (!exclusive) return id
  const next = incrementId(id)
  if (next === undefined) throw err("invalid start ID for the interval")
  return next
}

/** The end of a range: `<ms>` means the last ID of that millisecond. */
export const parseRangeEnd = (text: string): StreamId => {
  const { exclusive, id } = parseInterval(text, u64Max)
  if (!exclusive) return id
  const previous = decrementId(id)
  if (previous === undefined) throw err("invalid end ID for the interval")
  return previous
}
