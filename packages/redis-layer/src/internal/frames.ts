/**
 * RESP2 framing for the connections whose replies effect-pulse reads itself
 * (see `directReads.ts`): commands encoded as bytes, and the bytes that come
 * back cut into whole replies.
 *
 * @internal
 */
import type { Argument } from "./send.js"

const CR = 13
const DOLLAR = 36
const STAR = 42
const MINUS = 45
const ZERO = 48

/**
 * A command as Redis reads it: an array of bulk strings. Strings are written
 * as UTF-8 and numbers in decimal, as ioredis writes them; one text when no
 * argument is bytes.
 */
export const encodeCommand = (args: ReadonlyArray<Argument>): string | Buffer => {
  let text = `*${args.length}\r\n`
  let parts: Array<Buffer> | undefined
  for (const arg of args) {
    if (typeof arg === "string") text += `$${Buffer.byteLength(arg)}\r\n${arg}\r\n`
    else if (typeof arg === "number") {
      const digits = String(arg)
      text += `$${digits.length}\r\n${digits}\r\n`
    } else {
      parts ??= []
      parts.push(Buffer.from(`${text}$${arg.length}\r\n`), arg)
      text = "\r\n"
    }
  }
  if (parts === undefined) return text
  parts.push(Buffer.from(text))
  return Buffer.concat(parts)
}

/** Receives one whole reply: the bytes `frame[start, end)`. */
export type OnFrame = (frame: Buffer, start: number, end: number) => void

/**
 * Cuts a byte stream into whole RESP2 replies. Each chunk is skimmed once:
 * headers are read and bulk strings skipped, without building anything. A
 * reply that spans chunks is gathered into one buffer (grown by doubling, so
 * a large reply costs one copy or two), and handed over only once complete,
 * so decoding it never has to stop and resume.
 *
 * A reply is handed over as a view of the bytes it came in: views taken of it
 * stay valid, since bytes already handed over are never written again.
 */
export class FrameReader {
  private buffer: Buffer | undefined
  /** Whether `buffer` is ours to write past `length` (a socket's chunk is not). */
  private owned = false
  private length = 0
  /** Where the reply being read starts. */
  private frameStart = 0
  /** Where skimming resumes: the start of an element not yet complete. */
  private position = 0
  /** The elements still to come in each array open at `position`, innermost last. */
  private readonly remaining: Array<number> = []

  constructor(private readonly onFrame: OnFrame) {}

  /** Takes the next bytes off the connection; hands over every reply they complete. */
  push(chunk: Buffer): void {
    if (this.buffer === undefined) {
      this.buffer = chunk
      this.owned = false
      this.length = chunk.length
    } else this.append(chunk)
    this.skim()
  }

  /** Forgets any partial reply (the connection it came on is gone). */
  reset(): void {
    this.buffer = undefined
    this.length = 0
    this.frameStart = 0
    this.position = 0
    this.remaining.length = 0
  }

  private append(chunk: Buffer): void {
    const buffer = this.buffer!
    const live = this.length - this.frameStart
    const needed = live + chunk.length
    if (this.owned && this.length + chunk.length <= buffer.length) {
      chunk.copy(buffer, this.length)
      this.length += chunk.length
      return
    }
    // A new buffer: bytes already handed over may still be viewed, so the old one is never reused.
    const grown = Buffer.allocUnsafe(Math.max(needed * 2, 16 * 1024))
    buffer.copy(grown, 0, this.frameStart, this.length)
    chunk.copy(grown, live)
    this.position -= this.frameStart
    this.frameStart = 0
    this.buffer = grown
    this.owned = true
    this.length = needed
  }

  private skim(): void {
    const buffer = this.buffer!
    const length = this.length
    const remaining = this.remaining
    let position = this.position
    while (position < length) {
      const type = buffer[position]!
      let cursor = position + 1
      let next: number
      if (type === DOLLAR || type === STAR) {
        const negative = cursor < length && buffer[cursor] === MINUS
        if (negative) cursor++
        let count = 0
        while (cursor < length && buffer[cursor] !== CR) count = count * 10 + buffer[cursor++]! - ZERO
        if (cursor + 1 >= length) break
        next = cursor + 2
        if (type === STAR) {
          position = next
          if (!negative && count > 0) {
            remaining.push(count)
            continue
          }
        } else {
          if (!negative) next += count + 2
          if (next > length) break
          position = next
        }
      } else {
        // A simple string, error or integer: one line.
        while (cursor < length && buffer[cursor] !== CR) cursor++
        if (cursor + 1 >= length) break
        position = cursor + 2
      }
      while (remaining.length > 0 && --remaining[remaining.length - 1]! === 0) remaining.pop()
      if (remaining.length === 0) {
        const start = this.frameStart
        this.frameStart = position
        this.position = position
        this.onFrame(buffer, start, position)
        if (this.buffer !== buffer) return
      }
    }
    this.position = position
    if (this.frameStart === length) this.reset()
  }
}
