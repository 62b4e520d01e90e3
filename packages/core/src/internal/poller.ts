/**
 * The polling loop readers and sinks share: wait for room in the buffers,
 * read from every stream at once with a blocking command on a dedicated
 * connection, hand the result over, and start again. A change to the set of
 * streams interrupts a blocked read so that the next read covers the new set.
 * Lost connections and reads Redis cut short (`UNBLOCKED`) are retried with
 * backoff; any other failure ends the consumers' streams with that error.
 *
 * @internal
 */

import { Deferred, Effect, Option } from "effect"
import type { RedisError } from "../Errors.js"
import type { BlockingConnection, Service as RedisService } from "../RedisClient.js"
import { retryWhileDisconnected } from "./retry.js"
import type { Subscribers } from "./subscribers.js"

export interface PollerOptions<State, Read, E> {
  readonly redis: RedisService
  readonly subscribers: Subscribers<E | RedisError>
  /** The streams polled, by Redis key; the caller changes it and then calls `streamsChanged`. */
  readonly streams: Map<string, State>
  readonly maxPolled: number
  /** One blocking read of all `streams`, at most `count` entries per stream. */
  readonly read: (
    connection: BlockingConnection,
    streams: ReadonlyArray<readonly [key: string, state: State]>,
    count: number
  ) => Effect.Effect<Read, E>
  /** Hands what one read returned to the subscribers. */
  readonly handle: (read: Read) => Effect.Effect<void, E>
  readonly annotations: Record<string, string>
}

export interface Poller {
  /** Call after changing the set of streams: a read blocked on the old set gives way. */
  readonly streamsChanged: Effect.Effect<void>
  /** The loop; fork it in the consumer's scope. It waits for the first consumer before it reads. */
  readonly run: Effect.Effect<void>
}

export const make = <State, Read, E extends { readonly _tag: string }>(
  options: PollerOptions<State, Read, E>
): Poller => {
  const { redis, subscribers, streams } = options
  // Completed (and replaced) whenever the set of streams changes.
  let changedSignal = Deferred.makeUnsafe<void>()
  const streamsChanged = Effect.suspend(() => {
    const changed = changedSignal
    changedSignal = Deferred.makeUnsafe<void>()
    return Deferred.succeed(changed, undefined)
  })

  const pollOnce = (connection: BlockingConnection) =>
    Effect.gen(function* () {
      const room = yield* subscribers.awaitRoom
      const changed = changedSignal
      if (streams.size === 0) return yield* Deferred.await(changed)
      const polled = Array.from(streams)
      // COUNT applies per stream: split the room so that the buffers never overflow.
      const count = Math.max(1, Math.min(options.maxPolled, Math.floor(room / polled.length)))
      const read = yield* Effect.raceFirst(
        Effect.map(options.read(connection, polled, count), Option.some),
        Effect.as(Deferred.await(changed), Option.none())
      )
      if (Option.isSome(read)) yield* options.handle(read.value)
    })

  // The blocking connection belongs to the loop's fiber: interrupting the
  // fiber aborts a blocked read and releases the connection.
  const run = Effect.gen(function* () {
    yield* subscribers.firstConsumer
    yield* Effect.logDebug("polling starts")
    const connection = yield* retryWhileDisconnected(redis.blockingConnection)
    return yield* Effect.forever(retryWhileDisconnected(pollOnce(connection)))
  }).pipe(
    Effect.scoped,
    Effect.catch((error: E | RedisError) =>
      Effect.andThen(Effect.logError("polling stopped", error), subscribers.fail(error))
    ),
    Effect.annotateLogs(options.annotations)
  )

  return { streamsChanged, run }
}
