/**
 * A way to send commands whose replies are decoded by a `Decoder`: the
 * shared ioredis connection, or the fast lane (`fastLane.ts`) that writes
 * commands and reads replies itself. Scripts and the hot commands are
 * written once against this interface and run on either.
 *
 * @internal
 */
import type { Errors } from "@effect-pulse/core"
import { Effect } from "effect"
import type { Cluster, Redis } from "ioredis"
import { DecodeDefect, type Decoder, tryDecode } from "./decoders.js"
import { type Scrub, toRedisError } from "./errors.js"
import { type Argument, type Command, dispatch } from "./send.js"

/**
 * Receives a command's outcome: the failure (an ioredis error, a
 * `ReplyError`, or a `DecodeDefect`), or the decoded reply.
 */
export type Deliver<A> = (error: Error | undefined, value: A | undefined) => void

/** Sends commands; each `deliver` is called once. `args` may be reused by the caller once `send` returns. */
export interface Transport {
  readonly send: <A>(command: Command, args: ReadonlyArray<Argument>, decoder: Decoder<A>, deliver: Deliver<A>) => void
}

/** Commands through ioredis on `client` (see `dispatch`). */
export const overClient = (client: Redis | Cluster): Transport => ({
  send: (command, args, decoder, deliver) =>
    dispatch(client, command, args, (error, reply) => {
      if (error) return deliver(error, undefined)
      const value = tryDecode(() => decoder.reply(reply))
      if (value instanceof DecodeDefect) deliver(value, undefined)
      else deliver(undefined, value)
    })
})

/** The effect of a failure delivered for a command reported as `label`: a defect, or the typed Redis error. */
export const failure = (label: string, error: Error, scrub: Scrub): Effect.Effect<never, Errors.RedisError> =>
  error instanceof DecodeDefect ? Effect.die(error.defect) : Effect.fail(toRedisError(label, error, scrub))

/** Sends `args` as `command` on `transport` as an effect; failures report `command.label`. */
export const request = <A>(
  transport: Transport,
  command: Command,
  args: ReadonlyArray<Argument>,
  decoder: Decoder<A>,
  scrub: Scrub
): Effect.Effect<A, Errors.RedisError> =>
  Effect.callback<A, Errors.RedisError>((resume) => {
    transport.send(command, args, decoder, (error, value) =>
      resume(error ? failure(command.label, error, scrub) : Effect.succeed(value as A))
    )
  })
