/**
 * Decoding of whole `XREAD` / `XREADGROUP` replies straight from their bytes
 * (RESP2), into the same records `replies.ts` makes of ioredis's replies.
 *
 * This is the hot path of every reader and sink: a reply of 1,000 entries
 * is walked once, each ID read as text from its bytes, field names taken
 * from a table, and field values kept as views of the reply (no copy, as
 * ioredis would give them).
 *
 * @internal
 */
import type { RedisClient } from "@effect-pulse/core"
import { CR, DOLLAR, MINUS, STAR, ZERO } from "./respBytes.js"

type GroupEntry = RedisClient.StreamEntry | RedisClient.DeletedEntry

const emptyArray: ReadonlyArray<never> = Object.freeze([])

// Field names are nearly always one ASCII byte (Pulse's `n`, `p`, `t`): those strings are made once.
const oneByteNames = Array.from({ length: 128 }, (_, code) => String.fromCharCode(code))

/** A reply of a shape `XREAD` never sends: a defect, reported with what was found. */
const unexpected = (what: string, found: number): Error =>
  new Error(`unexpected ${what} in a stream read reply: ${JSON.stringify(String.fromCharCode(found))}`)

/** The walk over one reply: its bytes and where the next element starts. */
class Walk {
  constructor(
    readonly bytes: Buffer,
    public position: number
  ) {}

  /** The count of an array (`*n`, -1 for nil) or the length of a bulk string (`$n`, -1 for nil). */
  header(type: number, what: string): number {
    const bytes = this.bytes
    let cursor = this.position
    const found = bytes[cursor]!
    if (found !== type) throw unexpected(what, found)
    cursor++
    const negative = bytes[cursor] === MINUS
    if (negative) cursor++
    let count = 0
    while (bytes[cursor] !== CR) count = count * 10 + bytes[cursor++]! - ZERO
    this.position = cursor + 2
    return negative ? -count : count
  }

  /** A bulk string as text (Latin-1: IDs are ASCII). */
  ascii(): string {
    const length = this.header(DOLLAR, "ID")
    const start = this.position
    this.position = start + length + 2
    return this.bytes.toString("latin1", start, start + length)
  }

  /** A bulk string as UTF-8 text. */
  text(): string {
    const length = this.header(DOLLAR, "key")
    const start = this.position
    this.position = start + length + 2
    return this.bytes.toString("utf8", start, start + length)
  }

  fieldName(): string {
    const length = this.header(DOLLAR, "field name")
    const start = this.position
    this.position = start + length + 2
    const first = this.bytes[start]!
    return length === 1 && first < 128 ? oneByteNames[first]! : this.bytes.toString("utf8", start, start + length)
  }

  /** A bulk string as a view of the reply's bytes. */
  bytesView(): Uint8Array {
    const length = this.header(DOLLAR, "field value")
    const start = this.position
    this.position = start + length + 2
    return this.bytes.subarray(start, start + length)
  }

  /** The fields of an entry, or `null` for the nil a deleted history entry has. */
  fields(): RedisClient.Fields | null {
    const count = this.header(STAR, "fields")
    if (count < 0) return null
    const pairs = new Array<readonly [string, Uint8Array]>(count >> 1)
    for (let i = 0; i < pairs.length; i++) pairs[i] = [this.fieldName(), this.bytesView()]
    return pairs
  }

  /** The streams of a read, each with its entries; `entry` reads one entry after its `*2` header. */
  streams<Entry>(entry: (walk: Walk) => Entry): ReadonlyArray<RedisClient.StreamRead<Entry>> {
    const count = this.header(STAR, "reply")
    if (count < 0) return emptyArray
    const reads = new Array<RedisClient.StreamRead<Entry>>(count)
    for (let i = 0; i < count; i++) {
      this.header(STAR, "stream")
      const key = this.text()
      const entryCount = this.header(STAR, "entries")
      const entries = new Array<Entry>(Math.max(entryCount, 0))
      for (let j = 0; j < entryCount; j++) {
        this.header(STAR, "entry")
        entries[j] = entry(this)
      }
      reads[i] = { key, entries }
    }
    return reads
  }
}

const readEntry = (walk: Walk): RedisClient.StreamEntry => {
  const id = walk.ascii()
  const fields = walk.fields()
  if (fields === null) throw new Error(`the entry ${id} of an XREAD reply has no fields`)
  return { id, fields }
}

const groupEntry = (walk: Walk): GroupEntry => {
  const id = walk.ascii()
  const fields = walk.fields()
  return fields === null ? { id, fields: null } : { id, fields }
}

/** An `XREAD` reply: nil when nothing was read. */
export const streamReads = (frame: Buffer, start: number): ReadonlyArray<RedisClient.StreamRead> =>
  new Walk(frame, start).streams(readEntry)

/**
 * An `XREADGROUP` reply: nil when nothing was read; a history entry deleted
 * since it was delivered has nil fields and becomes `{ id, fields: null }`.
 */
export const groupStreamReads = (frame: Buffer, start: number): ReadonlyArray<RedisClient.StreamRead<GroupEntry>> =>
  new Walk(frame, start).streams(groupEntry)
