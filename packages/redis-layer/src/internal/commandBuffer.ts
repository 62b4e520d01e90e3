/**
 * Commands encoded as Redis reads them (RESP arrays of bulk strings), for the
 * connections effect-pulse writes itself (see `directReads.ts`).
 *
 * @internal
 */

import { CR, DOLLAR, LF, STAR, ZERO } from "./respBytes.js"
import type { Argument } from "./send.js"

/** Texts up to this long are tried as ASCII and copied char by char. */
const shortText = 64

/**
 * Where commands are encoded until they are written: straight into a large
 * buffer, one after the other, with no buffer or string made per command or
 * per argument (those allocations were most of the garbage of an add). The
 * bytes of the commands not written yet are taken as one view, for one
 * socket write.
 *
 * A view taken is never written again: the socket may hold on to it until the
 * kernel has it. When a buffer is full, the commands not taken yet move to a
 * new one, and the old one goes once the socket lets go of its views.
 *
 * Strings are written as UTF-8, numbers in decimal and bytes as they are, as
 * ioredis writes them.
 */
export class CommandBuffer {
  private slab: Buffer
  /** Where the bytes not taken yet start. */
  private start = 0
  /** Where the next byte goes. */
  private end = 0

  /**
   * `slabSize` is the size of the buffers commands are encoded into: large
   * for a connection that writes many commands (a few hundred adds each), small
   * for one that writes a command now and then (a blocking read).
   */
  constructor(private readonly slabSize = 4096) {
    this.slab = Buffer.allocUnsafe(slabSize)
  }

  /** Whether every command appended has been taken. */
  get isEmpty(): boolean {
    return this.start === this.end
  }

  /** Appends the command `name args...`. */
  append(name: string, args: ReadonlyArray<Argument>): void {
    this.reserve(24)
    this.header(STAR, args.length + 1)
    this.text(name)
    for (let i = 0; i < args.length; i++) {
      const arg = args[i]!
      if (typeof arg === "string") this.text(arg)
      else if (typeof arg === "number") this.text(String(arg))
      else this.bytes(arg)
    }
  }

  /** The bytes of the commands appended since the last `take`, as a view for one write. */
  take(): Buffer {
    const view = this.slab.subarray(this.start, this.end)
    this.start = this.end
    return view
  }

  /** Forgets the commands not taken yet (their connection is gone). */
  clear(): void {
    this.start = this.end
  }

  private text(text: string): void {
    const count = text.length
    if (count <= shortText) {
      // Most arguments are short ASCII (keys, options, IDs, field names): copied char by char, no call into Node.
      this.reserve(count + 16)
      const slab = this.slab
      const start = this.end
      this.header(DOLLAR, count)
      let at = this.end
      let i = 0
      for (; i < count; i++) {
        const code = text.charCodeAt(i)
        if (code >= 128) break
        slab[at++] = code
      }
      if (i === count) {
        slab[at++] = CR
        slab[at++] = LF
        this.end = at
        return
      }
      this.end = start
    }
    const length = Buffer.byteLength(text)
    this.reserve(length + 16)
    this.header(DOLLAR, length)
    // A text whose UTF-8 is as long as it is is ASCII: Latin-1 writes the same bytes, faster.
    this.end += this.slab.write(text, this.end, length === count ? "latin1" : "utf8")
    this.slab[this.end++] = CR
    this.slab[this.end++] = LF
  }

  private bytes(bytes: Uint8Array): void {
    const length = bytes.length
    this.reserve(length + 16)
    this.header(DOLLAR, length)
    this.slab.set(bytes, this.end)
    this.end += length
    this.slab[this.end++] = CR
    this.slab[this.end++] = LF
  }

  /** `*n` or `$n` and CR LF. */
  private header(type: number, value: number): void {
    const slab = this.slab
    let at = this.end
    slab[at++] = type
    if (value < 10) slab[at++] = ZERO + value
    else if (value < 100) {
      slab[at++] = ZERO + ((value / 10) | 0)
      slab[at++] = ZERO + (value % 10)
    } else at += slab.write(String(value), at, "latin1")
    slab[at++] = CR
    slab[at++] = LF
    this.end = at
  }

  /**
   * Makes room for `size` more bytes, moving what is not taken yet (the
   * command being appended included) to a new buffer. The new buffer is at
   * least twice what moves, so that a command larger than a buffer (a batch
   * of a thousand adds) moves a few times, not once per argument.
   */
  private reserve(size: number): void {
    if (this.end + size <= this.slab.length) return
    const pending = this.end - this.start
    const next = Buffer.allocUnsafe(Math.max(this.slabSize, pending + size, 2 * pending))
    this.slab.copy(next, 0, this.start, this.end)
    this.slab = next
    this.start = 0
    this.end = pending
  }
}
