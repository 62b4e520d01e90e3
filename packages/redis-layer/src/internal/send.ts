/**
 * Sending one command through ioredis as an `Effect`.
 *
 * @internal
 */
import type { Errors, RedisClient } from "@effect-pulse/core"
import { Effect } from "effect"
import { type Cluster, Command as IoredisCommand, type Redis } from "ioredis"
import { type Scrub, toRedisError } from "./errors.js"

/** An argument as ioredis writes it: strings as UTF-8, `Buffer`s as they are, numbers in decimal. */
export type Argument = string | Buffer | number

/**
 * A command: the ioredis method that sends it with bytes in the reply
 * (`xreadBuffer`), and the upper-case name errors report.
 *
 * The per-command methods are used rather than `callBuffer(name, ...)`:
 * ioredis's auto-pipelining passes the command name on only for `call`, so
 * `callBuffer` breaks with it, and the lower-case command name is what
 * ioredis keys its reply transformers on (one keeps RESP3 `XREAD` replies in
 * the RESP2 shape).
 */
export interface Command {
  readonly method: string
  readonly label: string
  /** The lower-case name, as ioredis's `Command` takes it. */
  readonly name: string
}

/** A command by its Redis name. */
export const command = (label: string): Command => ({
  method: `${label.toLowerCase()}Buffer`,
  label,
  name: label.toLowerCase()
})

type Callback = (error: Error | null | undefined, reply: unknown) => void

/**
 * Per-client state of `dispatch`, on a symbol of the client rather than in a
 * `WeakMap`: one property read per command.
 */
const inFlight = Symbol("effect-pulse/inFlight")
const corked = Symbol("effect-pulse/corked")

type Counted = (Redis | Cluster) & { [inFlight]?: number; [corked]?: boolean }

/**
 * Sends `args` as `command` on `client`; `callback` gets the error or the raw reply.
 *
 * With auto-pipelining on, a single node's client does not go through
 * ioredis's auto-pipelining but coalesces writes itself:
 *
 * - A command sent while none of this client's commands is in flight is
 *   written at once: auto-pipelining would defer it to a `setImmediate`, a
 *   turn of the event loop for nothing when adds are awaited one at a time.
 * - A command sent while others are in flight goes into the socket corked
 *   until the next `setImmediate`, so that the commands of one turn of the
 *   event loop (the adds of 64 fibers resumed by one read of replies) share
 *   one write, as with auto-pipelining.
 *
 * ioredis's auto-pipelining keeps one pipeline in flight per connection and
 * queues the rest behind it: next to a command written at once that split
 * many concurrent adds into two groups taking turns, each waiting for the
 * other's round trip (about half the throughput of 64 adds in flight).
 * Here nothing waits for an earlier reply. Order on the connection is kept:
 * every command is written with `sendCommand` in the order of the calls (a
 * corked socket buffers in order). A cluster client goes through
 * auto-pipelining, which routes each command to its slot's node.
 */
export const dispatch = (
  client: Redis | Cluster,
  command: Command,
  args: ReadonlyArray<Argument>,
  callback: Callback
): void => {
  if (client.isCluster || client.options.enableAutoPipelining !== true) {
    // ioredis flattens one level of arrays in the arguments, so the array goes as it is.
    ;(client as unknown as Record<string, (args: ReadonlyArray<Argument>, callback: Callback) => unknown>)[
      command.method
    ]!(args, callback)
    return
  }
  const counted = client as Counted
  const pending = counted[inFlight] ?? 0
  counted[inFlight] = pending + 1
  if (pending > 0 && counted[corked] !== true) {
    const stream = (client as Redis).stream
    if (client.status === "ready" && stream !== undefined && stream.writable) {
      counted[corked] = true
      stream.cork()
      setImmediate(uncork, counted, stream)
    }
  }
  const options: ConstructorParameters<typeof IoredisCommand>[2] & {} = { replyEncoding: null }
  if (client.options.keyPrefix !== undefined) options.keyPrefix = client.options.keyPrefix
  if (client.options.showFriendlyErrorStack === true) options.errorStack = new Error()
  // The same Command the ioredis method would build (a `Buffer` reply, ioredis's reply transformers by name).
  client.sendCommand(
    new IoredisCommand(command.name, args as Array<Argument>, options, (error, reply) => {
      counted[inFlight]!--
      callback(error, reply)
    })
  )
}

const uncork = (client: Counted, stream: Redis["stream"]): void => {
  client[corked] = false
  stream.uncork()
}

/**
 * A value for ioredis: it writes `Buffer`s as bytes but would stringify any
 * other `Uint8Array` ("1,2,3"), so those are viewed as a `Buffer` (no copy).
 */
export const toArgument = (value: Uint8Array | string): string | Buffer =>
  typeof value === "string" || Buffer.isBuffer(value)
    ? value
    : Buffer.from(value.buffer, value.byteOffset, value.byteLength)

/** Appends `field value field value ...` to `args`. */
export const pushFields = (args: Array<Argument>, fields: RedisClient.FieldsInput): void => {
  for (const [field, value] of fields) args.push(field, toArgument(value))
}

/**
 * Sends `args` as `command` on `client` and decodes the reply. Uses the
 * callback form of ioredis (no extra promise per command) and the `Buffer`
 * variant of the command, so that every bulk string comes back as bytes. A decoder that throws is a
 * defect (a reply of a shape Redis does not send), not a Redis error.
 */
export const send = <A>(
  client: Redis | Cluster,
  command: Command,
  args: ReadonlyArray<Argument>,
  decode: (reply: unknown) => A,
  scrub: Scrub
): Effect.Effect<A, Errors.RedisError> =>
  Effect.callback<A, Errors.RedisError>((resume) => {
    dispatch(client, command, args, (error, reply) => {
      if (error) return resume(Effect.fail(toRedisError(command.label, error, scrub)))
      let value: A
      try {
        value = decode(reply)
      } catch (defect) {
        return resume(Effect.die(defect))
      }
      resume(Effect.succeed(value))
    })
  })
