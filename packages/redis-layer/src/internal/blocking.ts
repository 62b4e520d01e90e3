/**
 * The dedicated connections of `RedisClient.blockingConnection`.
 *
 * Each one is an ioredis `duplicate()` that connects on its first read. A
 * read blocked in Redis cannot be cancelled on its socket: anything sent
 * after it waits behind it. So an interrupted read drops its socket and the
 * next read connects afresh, and closing the scope drops the socket and fails
 * the read in progress at once.
 *
 * @internal
 */
import { Errors, type RedisClient } from "@effect-pulse/core"
import { Effect, Exit } from "effect"
import type { Redis } from "ioredis"
import { waitUntilReady } from "./connection.js"
import type { Decoder } from "./decoders.js"
import { DirectConnection } from "./directReads.js"
import { type Scrub, toRedisError } from "./errors.js"
import * as Reply from "./replies.js"
import { type Argument, type Command, command, dispatch } from "./send.js"
import * as StreamFrames from "./streamFrames.js"

/** What a blocking connection needs from the layer that makes it. */
export interface BlockingOptions {
  /** A new, not yet connected client with the layer's settings. */
  readonly duplicate: () => Redis
  readonly connectTimeoutMillis: number
  readonly target: string
  readonly scrub: Scrub
}

/**
 * The settings every blocking connection gets on top of the layer's: connect
 * only when asked, fail a command at once when the connection is down, and
 * never reconnect in the background (the next read reconnects when it needs
 * to), nor batch a blocking command with others.
 */
export const blockingOverrides = {
  lazyConnect: true,
  enableOfflineQueue: false,
  enableAutoPipelining: false,
  maxRetriesPerRequest: 0,
  autoResendUnfulfilledCommands: false,
  retryStrategy: null
} as const

const xreadCommand = command("XREAD")
const xreadgroupCommand = command("XREADGROUP")

type Abort = (error: Errors.RedisConnectionError) => void

/** `XREAD` replies. */
export const streamReads: Decoder<ReadonlyArray<RedisClient.StreamRead>> = {
  reply: Reply.streamReads,
  frame: StreamFrames.streamReads
}

/** `XREADGROUP` replies. */
export const groupStreamReads: Decoder<
  ReadonlyArray<RedisClient.StreamRead<RedisClient.StreamEntry | RedisClient.DeletedEntry>>
> = {
  reply: Reply.groupStreamReads,
  frame: StreamFrames.groupStreamReads
}

/** One blocking connection, reconnected by the next read whenever it was lost or dropped. */
export class Session {
  private current: Redis | undefined
  /** `current`'s socket, taken over once it was ready and idle; `undefined` while ioredis reads it. */
  private direct: DirectConnection | undefined
  private closed = false
  private readonly inFlight = new Set<Abort>()

  constructor(private readonly options: BlockingOptions) {}

  private closedError() {
    return new Errors.RedisConnectionError({ message: "the blocking connection was closed with its scope" })
  }

  close(): void {
    this.closed = true
    const error = this.closedError()
    for (const abort of this.inFlight) abort(error)
    this.inFlight.clear()
    this.drop(this.current)
  }

  /** Drops the connection (if any): the next read connects afresh, through `duplicate`. */
  reset(): void {
    this.drop(this.current)
  }

  private drop(client: Redis | undefined): void {
    if (client === undefined) return
    if (this.current === client) {
      this.current = undefined
      this.direct = undefined
    }
    client.disconnect()
  }

  private connected(): Effect.Effect<Redis, Errors.RedisConnectionError> {
    return Effect.suspend(() => {
      if (this.closed) return Effect.fail(this.closedError())
      const current = this.current
      if (current !== undefined && current.status === "ready") return Effect.succeed(current)
      // A client that is not ready has lost its connection (it never reconnects by itself): start over.
      this.drop(current)
      const client = this.options.duplicate()
      this.current = client
      this.direct = undefined
      return waitUntilReady(client, {
        timeoutMillis: this.options.connectTimeoutMillis,
        target: this.options.target,
        scrub: this.options.scrub
      }).pipe(
        Effect.onExit((exit) =>
          Effect.sync(() => {
            if (Exit.isFailure(exit)) this.drop(client)
            else if (this.current === client) this.direct = DirectConnection.takeOver(client)
          })
        ),
        Effect.as(client)
      )
    })
  }

  read<A>(command: Command, args: ReadonlyArray<Argument>, decode: Decoder<A>) {
    return Effect.flatMap(this.connected(), (client) =>
      Effect.callback<A, Errors.RedisError>((resume) => {
        let settled = false
        const finish = (effect: Effect.Effect<A, Errors.RedisError>) => {
          if (settled) return
          settled = true
          this.inFlight.delete(abort)
          resume(effect)
        }
        const abort: Abort = (error) => finish(Effect.fail(error))
        if (this.closed) return abort(this.closedError())
        this.inFlight.add(abort)
        const failed = (error: Error) => finish(Effect.fail(toRedisError(command.label, error, this.options.scrub)))
        const decoded = (decodeReply: () => A) => {
          try {
            finish(Effect.succeed(decodeReply()))
          } catch (defect) {
            finish(Effect.die(defect))
          }
        }
        const direct = this.direct
        if (direct !== undefined) {
          direct.send(command.label, args, (error, frame, start, end) =>
            error ? failed(error) : decoded(() => decode.frame(frame!, start, end))
          )
        } else {
          dispatch(client, command, args, (error, reply) =>
            error ? failed(error) : decoded(() => decode.reply(reply))
          )
        }
        return Effect.sync(() => {
          if (settled) return
          settled = true
          this.inFlight.delete(abort)
          // Redis still holds the blocked command: this socket is useless until it returns, so drop it.
          this.drop(client)
        })
      })
    )
  }
}

/** The arguments of `XREAD`/`XREADGROUP` after the options: `STREAMS key... id...`. */
export const pushStreams = (args: Array<Argument>, streams: ReadonlyArray<RedisClient.StreamCursor>): void => {
  args.push("STREAMS")
  for (const stream of streams) args.push(stream.key)
  for (const stream of streams) args.push(stream.id)
}

/** The arguments of an `XREAD` (blocking when `blockMillis` is given). */
export const xreadArgs = (
  streams: ReadonlyArray<RedisClient.StreamCursor>,
  count: number | undefined,
  blockMillis: number | undefined
): Array<Argument> => {
  const args: Array<Argument> = []
  if (count !== undefined) args.push("COUNT", count)
  if (blockMillis !== undefined) args.push("BLOCK", blockMillis)
  pushStreams(args, streams)
  return args
}

/** The arguments of an `XREADGROUP` (blocking when `blockMillis` is given). */
export const xreadgroupArgs = (
  group: string,
  consumer: string,
  streams: ReadonlyArray<RedisClient.StreamCursor>,
  options: RedisClient.GroupReadOptions | undefined,
  blockMillis: number | undefined
): Array<Argument> => {
  const args: Array<Argument> = ["GROUP", group, consumer]
  if (options?.count !== undefined) args.push("COUNT", options.count)
  if (blockMillis !== undefined) args.push("BLOCK", blockMillis)
  if (options?.noAck === true) args.push("NOACK")
  pushStreams(args, streams)
  return args
}

/**
 * A blocking connection for the current scope. Acquiring it does not
 * connect: the first read does. Closing the scope aborts a read in progress
 * (it fails with `RedisConnectionError`) and every later read fails the same
 * way. Reads are meant to be issued one at a time.
 */
export const make = (options: BlockingOptions) =>
  Effect.acquireRelease(
    Effect.sync(() => new Session(options)),
    (session) => Effect.sync(() => session.close())
  ).pipe(
    Effect.map(
      (session): RedisClient.BlockingConnection => ({
        xread: (streams, readOptions) =>
          session.read(xreadCommand, xreadArgs(streams, readOptions.count, readOptions.blockMillis), streamReads),
        xreadgroup: (group, consumer, streams, readOptions) =>
          session.read(
            xreadgroupCommand,
            xreadgroupArgs(group, consumer, streams, readOptions, readOptions.blockMillis),
            groupStreamReads
          )
      })
    )
  )
