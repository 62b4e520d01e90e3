/**
 * RESP2 framing for the connections whose replies effect-pulse reads itself
 * (see `directReads.ts`): the bytes that come back cut into whole replies
 * (commands are encoded by `commandBuffer.ts`).
 *
 * @internal
 */
import { CR, DOLLAR, MINUS, STAR, ZERO } from "./respBytes.js"

/** Receives one whole reply: the bytes `frame[start, end)`. */
export type OnFrame = (frame: Buffer, start: number, end: number) => void

// What the skim expects next.
const TYPE = 0
const NUMBER = 1
const NUMBER_END = 2
const BODY = 3
const LINE = 4

/**
 * Cuts a byte stream into whole RESP2 replies, as they arrive: each byte of
 * a header is looked at once, bulk strings are skipped over, nothing is built
 * or copied until a reply is complete. A reply within one chunk is handed
 * over as a view of it; one that spans chunks is joined into a buffer of its
 * size first (a buffer grown as bytes come would be allocated again and
 * again, and large fresh allocations cost more than the copy).
 *
 * A reply is handed over as a view of the bytes it came in: views taken of it
 * stay valid, since bytes already handed over are never written again.
 */
export class FrameReader {
  /** The chunks of the reply being read, the first from `frameStart` on. */
  private readonly chunks: Array<Buffer> = []
  private frameStart = 0
  private mode = TYPE
  private type = 0
  private negative = false
  private number = 0
  /** Bytes of a bulk string (and its CR LF) still to skip. */
  private toSkip = 0
  /** The elements still to come in each array open, innermost last. */
  private readonly remaining: Array<number> = []

  constructor(private readonly onFrame: OnFrame) {}

  /** Forgets any partial reply (the connection it came on is gone). */
  reset(): void {
    this.chunks.length = 0
    this.frameStart = 0
    this.mode = TYPE
    this.remaining.length = 0
  }

  /** Takes the next bytes off the connection; hands over every reply they complete. */
  push(chunk: Buffer): void {
    const length = chunk.length
    const remaining = this.remaining
    let position = 0
    if (this.chunks.length === 0) this.frameStart = 0
    this.chunks.push(chunk)
    while (position < length) {
      let complete = false
      switch (this.mode) {
        case TYPE: {
          const type = chunk[position++]!
          this.type = type
          if (type === DOLLAR || type === STAR) {
            this.mode = NUMBER
            this.negative = false
            this.number = 0
          } else this.mode = LINE
          continue
        }
        case NUMBER: {
          let number = this.number
          while (position < length) {
            const byte = chunk[position++]!
            if (byte === CR) {
              this.mode = NUMBER_END
              break
            }
            if (byte === MINUS) this.negative = true
            else number = number * 10 + byte - ZERO
          }
          this.number = number
          continue
        }
        case NUMBER_END: {
          position++ // LF
          if (this.negative) complete = true
          else if (this.type === STAR) {
            if (this.number > 0) {
              remaining.push(this.number)
              this.mode = TYPE
              continue
            }
            complete = true
          } else {
            this.toSkip = this.number + 2
            this.mode = BODY
            continue
          }
          break
        }
        case BODY: {
          const step = Math.min(this.toSkip, length - position)
          position += step
          this.toSkip -= step
          complete = this.toSkip === 0
          break
        }
        case LINE: {
          const lineFeed = chunk.indexOf(10, position)
          if (lineFeed === -1) position = length
          else {
            position = lineFeed + 1
            complete = true
          }
          break
        }
      }
      if (!complete) continue
      this.mode = TYPE
      while (remaining.length > 0 && --remaining[remaining.length - 1]! === 0) remaining.pop()
      if (remaining.length === 0 && !this.handOver(chunk, position)) return
    }
    const chunks = this.chunks
    if (chunks.length === 1 && chunks[0] === chunk && this.frameStart === length) chunks.length = 0
  }

  /**
   * Hands over the reply that ends at `end` of `chunk`, the last of `chunks`;
   * `false` when the receiver reset the reader meanwhile (the rest of the
   * chunk belongs to a connection that is gone).
   */
  private handOver(chunk: Buffer, end: number): boolean {
    const chunks = this.chunks
    let frame = chunk
    let start = this.frameStart
    let stop = end
    if (chunks.length > 1) {
      chunks[0] = chunks[0]!.subarray(start)
      chunks[chunks.length - 1] = chunk.subarray(0, end)
      frame = Buffer.concat(chunks)
      start = 0
      stop = frame.length
    }
    chunks.length = 0
    chunks.push(chunk)
    this.frameStart = end
    this.onFrame(frame, start, stop)
    return chunks.length > 0
  }
}
