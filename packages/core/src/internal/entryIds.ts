/**
 * Entry IDs and entries compared as Redis compares them, for the readers
 * and sinks that must tell a stream key re-created under them (its IDs
 * start from the clock again) from the key they were reading.
 *
 * @internal
 */
import type { StreamEntry } from "../RedisClient.js"
import { compareIds, decrementId, formatId, type StreamId } from "./inMemory/ids.js"

export { compareIds, decrementId, formatId, type StreamId }

/** An ID as Redis writes it (`<ms>-<seq>`, or `<ms>`), as numbers. */
export const parseId = (id: string): StreamId => {
  const dash = id.indexOf("-")
  return dash === -1 ? { ms: BigInt(id), seq: 0n } : { ms: BigInt(id.slice(0, dash)), seq: BigInt(id.slice(dash + 1)) }
}

/** Whether entry ID `a` comes before `b`. */
export const isBefore = (a: string, b: string): boolean => compareIds(parseId(a), parseId(b)) < 0

/** Whether the IDs `a` and `b` fall in the same millisecond. */
export const sameMillisecond = (a: string, b: string): boolean => parseId(a).ms === parseId(b).ms

/** The order of IDs `a` and `b`: negative, zero or positive. */
export const compare = (a: string, b: string): number => compareIds(parseId(a), parseId(b))

const sameBytes = (a: Uint8Array, b: Uint8Array): boolean =>
  a.length === b.length && a.every((byte, index) => byte === b[index])

/** Whether two entries hold the same fields and values, in the same order (their IDs aside). */
export const sameFields = (a: StreamEntry, b: StreamEntry): boolean =>
  a.fields.length === b.fields.length &&
  a.fields.every(([field, value], index) => field === b.fields[index]![0] && sameBytes(value, b.fields[index]![1]))
