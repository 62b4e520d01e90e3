/**
 * Blocking reads whose replies effect-pulse decodes itself.
 *
 * A blocking connection carries nothing but `XREAD`/`XREADGROUP`, one at a
 * time, and those replies are the bulk of what a reader or sink receives:
 * 1,000 entries a read. ioredis's reply decoder spends 1.5–3.5 µs an entry
 * on them before anything else happens, several times the cost of walking the
 * bytes once (`streamFrames.ts`). So once ioredis has connected a blocking
 * connection (TLS, credentials, database, client name: everything its
 * options say) and it stands idle, its socket is taken over: commands are
 * written to it directly and the replies cut and decoded here.
 *
 * ioredis keeps owning the connection's life: `disconnect()` closes it and
 * its status tells whether it is still up. A connection whose client cannot
 * be taken over safely (commands of its own still in flight, a key prefix to
 * apply, a protocol other than RESP2) goes on through ioredis.
 *
 * @internal
 */
import type { Redis } from "ioredis"
import { CommandBuffer } from "./commandBuffer.js"
import { FrameReader } from "./frames.js"
import { MINUS } from "./respBytes.js"
import type { Argument } from "./send.js"

/** A reply as bytes (`frame[start, end)`), or the failure that stands for it. */
export type OnReply = (error: Error | undefined, frame: Buffer | undefined, start: number, end: number) => void

/** An error reply from Redis: named as ioredis names them, so that `toRedisError` reads it the same way. */
export class ReplyError extends Error {
  override readonly name = "ReplyError"
}

/** The failure of a read whose connection closed before its reply came, as ioredis words it. */
const closed = () => new Error("Connection is closed.")

type Internals = {
  readonly commandQueue?: { readonly length: number }
  readonly condition?: { readonly subscriber?: unknown }
}

/** Whether ioredis has handed `client` over in a state where its socket can be read directly. */
const canTakeOver = (client: Redis): boolean => {
  const internals = client as unknown as Internals
  const stream = client.stream
  return (
    client.status === "ready" &&
    stream !== undefined &&
    stream.writable &&
    internals.commandQueue !== undefined &&
    internals.commandQueue.length === 0 &&
    !internals.condition?.subscriber &&
    client.options.protocol === 2 &&
    (client.options.keyPrefix ?? "") === "" &&
    client.options.replyMapping !== "resp3"
  )
}

/**
 * When commands sent while others are in flight are written: at the end of
 * the current task (a microtask), so that the commands of every fiber the
 * scheduler resumes in one run share one write, before the event loop polls
 * for I/O again.
 */
const scheduleFlush = queueMicrotask

/**
 * How many replies may be taken off the front of the waiting callbacks before
 * the ones left move to a new array: a connection that always has commands
 * in flight never empties it, and must not keep every callback it ever had.
 */
const compactAfter = 1024

/**
 * A taken-over connection: commands go out in order, replies come back to
 * their callbacks in the same order.
 *
 * Writes are coalesced: a command sent while none is in flight is written
 * at once (a lone read, an add awaited before the next: no wait at all);
 * commands sent while others are in flight are gathered and written together
 * at the end of the current task, so that many concurrent commands cost one
 * socket write rather than one each (each write is a system call, and on
 * loopback the delivery to Redis happens inside it). Nothing waits for an
 * earlier reply: a command goes out in the task it was sent in.
 */
export class DirectConnection {
  /** The callbacks of the commands written or gathered, oldest first from `head` (those before it are answered). */
  private waiting: Array<OnReply | undefined> = []
  private head = 0
  /** Commands encoded but not written yet, in the order they were sent. */
  private readonly gathered: CommandBuffer
  private flushScheduled = false
  private held = false
  private readonly reader = new FrameReader((frame, start, end) => this.reply(frame, start, end))
  private gone = false

  private constructor(
    private readonly stream: NonNullable<Redis["stream"]>,
    slabSize: number | undefined
  ) {
    this.gathered = new CommandBuffer(slabSize)
    stream.on("data", (chunk: Buffer) => this.reader.push(chunk))
    stream.once("close", () => this.fail())
  }

  /**
   * Takes over `client`'s socket, or returns `undefined` when ioredis must
   * keep reading it. `slabSize`: see `CommandBuffer`.
   */
  static takeOver(client: Redis, slabSize?: number): DirectConnection | undefined {
    if (!canTakeOver(client)) return undefined
    const stream = client.stream
    // ioredis's decoder is the only reader of its socket's data; with it gone, the bytes are ours.
    stream.removeAllListeners("data")
    return new DirectConnection(stream, slabSize)
  }

  /** Whether commands can still be sent: the socket has not closed. */
  get isOpen(): boolean {
    return !this.gone && this.stream.writable
  }

  /** Sends the command `name args...`; `onReply` gets its reply, or a failure if the connection closes first. */
  send(name: string, args: ReadonlyArray<Argument>, onReply: OnReply): void {
    if (!this.isOpen) {
      onReply(closed(), undefined, 0, 0)
      return
    }
    const idle = this.head === this.waiting.length && !this.held
    this.gathered.append(name, args)
    this.waiting.push(onReply)
    if (idle) {
      this.stream.write(this.gathered.take())
      return
    }
    if (!this.flushScheduled && !this.held) {
      this.flushScheduled = true
      scheduleFlush(this.flush)
    }
  }

  /**
   * Gathers commands without writing them until `release`: for a connection
   * that must not overtake commands still in flight elsewhere.
   */
  hold(): void {
    this.held = true
  }

  /** Writes what `hold` kept back, and writes as usual from now on. */
  release(): void {
    if (!this.held) return
    this.held = false
    this.flush()
  }

  private readonly flush = (): void => {
    this.flushScheduled = false
    if (this.held || this.gathered.isEmpty) return
    // After the socket closed, the commands gathered have failed already (`fail`).
    if (this.isOpen) this.stream.write(this.gathered.take())
  }

  private reply(frame: Buffer, start: number, end: number): void {
    const waiting = this.waiting
    if (this.head === waiting.length) return
    const onReply = waiting[this.head]!
    waiting[this.head++] = undefined
    if (this.head === waiting.length) {
      waiting.length = 0
      this.head = 0
    } else if (this.head >= compactAfter) {
      this.waiting = waiting.slice(this.head)
      this.head = 0
    }
    if (frame[start] === MINUS) onReply(new ReplyError(frame.toString("utf8", start + 1, end - 2)), undefined, 0, 0)
    else onReply(undefined, frame, start, end)
  }

  private fail(): void {
    this.gone = true
    this.reader.reset()
    this.gathered.clear()
    const waiting = this.waiting.slice(this.head)
    this.waiting = []
    this.head = 0
    const error = closed()
    for (const onReply of waiting) onReply!(error, undefined, 0, 0)
  }
}
