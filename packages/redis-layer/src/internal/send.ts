/**
 * Sending one command through ioredis as an `Effect`.
 *
 * @internal
 */
import type { Errors, RedisClient } from "@effect-pulse/core"
import { Effect } from "effect"
import type { Cluster, Redis } from "ioredis"
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
}

/** A command by its Redis name. */
export const command = (label: string): Command => ({ method: `${label.toLowerCase()}Buffer`, label })

type Callback = (error: Error | null | undefined, reply: unknown) => void

/** Sends `args` as `command` on `client`; `callback` gets the error or the raw reply. */
export const dispatch = (
  client: Redis | Cluster,
  command: Command,
  args: ReadonlyArray<Argument>,
  callback: Callback
): void => {
  // ioredis flattens one level of arrays in the arguments, so the array goes as it is.
  ;(client as unknown as Record<string, (args: ReadonlyArray<Argument>, callback: Callback) => unknown>)[
    command.method
  ]!(args, callback)
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
