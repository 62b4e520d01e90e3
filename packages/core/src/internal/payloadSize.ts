/**
 * Payload sizes, and the parts `addAll` sends a batch in.
 *
 * @internal
 */
import type { NewEvent } from "../EventStream.js"

/** The largest `maxPayloadSize`: Redis's largest value (`proto-max-bulk-len`, 512 MiB by default). */
export const maxPayloadSizeLimit = 512 * 1024 * 1024

/**
 * The size in bytes of a payload as stored (strings as UTF-8), counted
 * exactly only when it matters: a string of `n` UTF-16 units takes from `n`
 * to `3n` bytes, so only strings whose range straddles `limit` are walked.
 */
export const payloadSize = (payload: Uint8Array | string, limit: number): number => {
  if (typeof payload !== "string") return payload.byteLength
  if (payload.length > limit || payload.length * 3 <= limit) return payload.length
  return utf8Length(payload)
}

const utf8Length = (text: string): number => {
  let bytes = 0
  for (let i = 0; i < text.length; i++) {
    const code = text.charCodeAt(i)
    if (code < 0x80) bytes += 1
    else if (code < 0x800) bytes += 2
    else if (code >= 0xd800 && code <= 0xdbff && i + 1 < text.length) {
      const next = text.charCodeAt(i + 1)
      if (next >= 0xdc00 && next <= 0xdfff) {
        bytes += 4
        i++
      } else bytes += 3
    } else bytes += 3
  }
  return bytes
}

/** The most events one part of an `addAll` holds. */
export const maxEventsPerPart = 1000

/**
 * About the most bytes one part of an `addAll` holds (one larger event goes
 * alone): Redis runs a part as one script, which a megabyte keeps to about
 * a millisecond, so other commands on the connection wait no longer.
 */
export const maxBytesPerPart = 1024 * 1024

/** Splits a batch into consecutive parts of at most `maxEventsPerPart` events and about `maxBytesPerPart` bytes. */
export const chunkBatch = (events: ReadonlyArray<NewEvent>): ReadonlyArray<ReadonlyArray<NewEvent>> => {
  const parts: Array<ReadonlyArray<NewEvent>> = []
  let start = 0
  let bytes = 0
  for (let i = 0; i < events.length; i++) {
    const event = events[i]!
    // Strings are counted as UTF-16 units here: a bound on work, not an exact byte count.
    const size =
      (typeof event.payload === "string" ? event.payload.length : event.payload.byteLength) +
      event.name.length +
      (event.topic?.length ?? 0)
    if (i > start && (i - start >= maxEventsPerPart || bytes + size > maxBytesPerPart)) {
      parts.push(events.slice(start, i))
      start = i
      bytes = 0
    }
    bytes += size
  }
  if (start < events.length) parts.push(events.slice(start))
  return parts
}
