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
import { encodeCommand, FrameReader } from "./frames.js"
import type { Argument } from "./send.js"

/** A reply as bytes (`frame[start, end)`), or the failure that stands for it. */
export type OnReply = (error: Error | undefined, frame: Buffer | undefined, start: number, end: number) => void

/** An error reply from Redis: named as ioredis names them, so that `toRedisError` reads it the same way. */
export class ReplyError extends Error {
  override readonly name = "ReplyError"
}

const MINUS = 45

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

/** A taken-over connection: commands go out in order, replies come back to their callbacks in the same order. */
export class DirectConnection {
  private readonly waiting: Array<OnReply> = []
  private readonly reader = new FrameReader((frame, start, end) => this.reply(frame, start, end))
  private gone = false

  private constructor(private readonly stream: NonNullable<Redis["stream"]>) {
    stream.on("data", (chunk: Buffer) => this.reader.push(chunk))
    stream.once("close", () => this.fail())
  }

  /** Takes over `client`'s socket, or returns `undefined` when ioredis must keep reading it. */
  static takeOver(client: Redis): DirectConnection | undefined {
    if (!canTakeOver(client)) return undefined
    const stream = client.stream
    // ioredis's decoder is the only reader of its socket's data; with it gone, the bytes are ours.
    stream.removeAllListeners("data")
    return new DirectConnection(stream)
  }

  /** Sends one command; `onReply` gets its reply, or a failure if the connection closes first. */
  send(args: ReadonlyArray<Argument>, onReply: OnReply): void {
    if (this.gone || !this.stream.writable) {
      onReply(closed(), undefined, 0, 0)
      return
    }
    this.waiting.push(onReply)
    this.stream.write(encodeCommand(args))
  }

  private reply(frame: Buffer, start: number, end: number): void {
    const onReply = this.waiting.shift()
    if (onReply === undefined) return
    if (frame[start] === MINUS) onReply(new ReplyError(frame.toString("utf8", start + 1, end - 2)), undefined, 0, 0)
    else onReply(undefined, frame, start, end)
  }

  private fail(): void {
    this.gone = true
    this.reader.reset()
    const error = closed()
    for (const onReply of this.waiting.splice(0)) onReply(error, undefined, 0, 0)
  }
}
