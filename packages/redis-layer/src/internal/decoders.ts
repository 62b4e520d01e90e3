/**
 * Replies that are decoded either way they arrive: as ioredis's reply (the
 * shared connection) or as bytes (a connection read directly, see
 * `directReads.ts` and `fastLane.ts`). Each decoder gives the same value
 * both ways, so a command can travel on either connection.
 *
 * @internal
 */
import * as Reply from "./replies.js"
import { COLON, CR, DOLLAR, MINUS, PLUS, STAR, ZERO } from "./respBytes.js"

/** How one command's reply becomes its result, from ioredis's reply or from the reply's bytes `frame[start, end)`. */
export interface Decoder<A> {
  readonly reply: (reply: unknown) => A
  readonly frame: (frame: Buffer, start: number, end: number) => A
}

/**
 * A decoder threw: the reply has a shape the command never gets from Redis.
 * Carried where an error is expected so that the caller can turn it into a
 * defect rather than a Redis error.
 */
export class DecodeDefect extends Error {
  override readonly name = "DecodeDefect"
  constructor(readonly defect: unknown) {
    super("the reply could not be decoded")
  }
}

/** Applies `decode`, or returns its failure as a `DecodeDefect`. */
export const tryDecode = <A>(decode: () => A): A | DecodeDefect => {
  try {
    return decode()
  } catch (defect) {
    return new DecodeDefect(defect)
  }
}

/** A reply of a shape the command never gets: a defect, reported with what was found. */
const unexpected = (frame: Buffer, start: number, end: number): Error =>
  new Error(`unexpected reply: ${JSON.stringify(frame.toString("latin1", start, Math.min(end, start + 40)))}`)

/**
 * The number after a reply's type byte (`:n`, `$n`, `*n`; -1 for nil), and
 * where what follows its CR LF starts.
 */
class Header {
  value = 0
  next = 0

  read(frame: Buffer, at: number): this {
    let cursor = at + 1
    const negative = frame[cursor] === MINUS
    if (negative) cursor++
    let value = 0
    while (frame[cursor] !== CR) value = value * 10 + frame[cursor++]! - ZERO
    this.value = negative ? -value : value
    this.next = cursor + 2
    return this
  }
}

// Decoding is synchronous and never nested: one header serves every call.
const header = new Header()

/** A bulk string read as ASCII (IDs), or `null` for nil. */
const asciiOrNull = (frame: Buffer, start: number, end: number): string | null => {
  if (frame[start] !== DOLLAR) throw unexpected(frame, start, end)
  const { value: length, next } = header.read(frame, start)
  return length < 0 ? null : frame.toString("latin1", next, next + length)
}

/** An entry ID, or `null` when nothing was added (`XADD ... NOMKSTREAM` on a missing stream, a script's nil). */
export const idOrNull: Decoder<string | null> = {
  reply: Reply.textOrNull,
  frame: asciiOrNull
}

/** An integer reply. */
export const integer: Decoder<number> = {
  reply: Reply.integer,
  frame: (frame, start, end) => {
    if (frame[start] !== COLON) throw unexpected(frame, start, end)
    return header.read(frame, start).value
  }
}

/** An integer reply of 0 or 1 as a boolean. */
export const flag: Decoder<boolean> = {
  reply: Reply.flag,
  frame: (frame, start, end) => integer.frame(frame, start, end) === 1
}

/** An array of entry IDs (the reply of the `xaddAll` scripts). */
export const ids: Decoder<ReadonlyArray<string>> = {
  reply: (reply) => {
    const raw = reply as ReadonlyArray<Buffer>
    const result = new Array<string>(raw.length)
    for (let i = 0; i < raw.length; i++) result[i] = raw[i]!.toString()
    return result
  },
  frame: (frame, start, end) => {
    if (frame[start] !== STAR) throw unexpected(frame, start, end)
    const { value: count, next } = header.read(frame, start)
    const result = new Array<string>(Math.max(count, 0))
    let position = next
    for (let i = 0; i < count; i++) {
      if (frame[position] !== DOLLAR) throw unexpected(frame, position, end)
      const { value: length, next: body } = header.read(frame, position)
      result[i] = frame.toString("latin1", body, body + length)
      position = body + length + 2
    }
    return result
  }
}

/**
 * Any reply as plain values, as `Reply.scriptReply` gives them: bulk strings
 * as UTF-8 text, integers as numbers, nil as `null`, arrays item by item.
 * Returns the value and leaves in `header.next` where the next reply starts.
 */
const plainValue = (frame: Buffer, start: number, end: number): unknown => {
  const type = frame[start]
  if (type === PLUS) {
    // A simple string (`+OK`): the line as it is.
    const lineEnd = frame.indexOf(CR, start)
    header.next = lineEnd + 2
    return frame.toString("utf8", start + 1, lineEnd)
  }
  if (type !== COLON && type !== DOLLAR && type !== STAR) throw unexpected(frame, start, end)
  const { value, next } = header.read(frame, start)
  if (type === COLON) return value
  if (value < 0) return null
  if (type === DOLLAR) {
    header.next = next + value + 2
    return frame.toString("utf8", next, next + value)
  }
  const items = new Array<unknown>(value)
  let position = next
  for (let i = 0; i < value; i++) {
    items[i] = plainValue(frame, position, end)
    position = header.next
  }
  header.next = position
  return items
}

/** A script's reply as plain values (see `Reply.scriptReply`). */
export const scriptReply: Decoder<unknown> = {
  reply: Reply.scriptReply,
  frame: plainValue
}
