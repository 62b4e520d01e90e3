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

import { Cause, Deferred, Effect, Exit, Fiber } from "effect"
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
  // Completed (and replaced) whenever the set of streams changes: what a poll with no streams waits for.
  let changedSignal = Deferred.makeUnsafe<void>()
  // Whether the streams changed since the current poll took its set.
  let changed = false
  // The fiber of the reading loop while it waits for a read (never while it hands one over): a change
  // of streams interrupts it, and `run` starts it again with the new set.
  let blockedIn: Fiber.Fiber<unknown, unknown> | undefined
  const streamsChanged = Effect.sync(() => {
    changed = true
    const signal = changedSignal
    changedSignal = Deferred.makeUnsafe<void>()
    Deferred.doneUnsafe(signal, Exit.void)
    // Without waiting for the blocked command to give way: `run` takes the new set as soon as it has.
    blockedIn?.interruptUnsafe()
  })

  const pollOnce = (connection: BlockingConnection) =>
    Effect.gen(function* () {
      const room = yield* subscribers.awaitRoom
      changed = false
      if (streams.size === 0) return yield* Deferred.await(changedSignal)
      const polled = Array.from(streams)
      // COUNT applies per stream: split the room so that the buffers never overflow.
      const count = Math.max(1, Math.min(options.maxPolled, Math.floor(room / polled.length)))
      const read = yield* Effect.withFiber((fiber) => {
        blockedIn = fiber
        // Changed between taking the set and starting the read: take the new set first.
        return changed ? Effect.interrupt : options.read(connection, polled, count)
      }).pipe(Effect.ensuring(Effect.sync(() => (blockedIn = undefined))))
      yield* options.handle(read)
    })

  // Reads run in the loop's own fiber, which a change of streams interrupts and `run` starts again. Racing
  // each read with a signal of the change (one fiber per read, or two) left every reply reachable for a
  // while, so young-generation collections copied 13-25 MB of replies and events each, against 1.5-3 MB
  // with the read inline, and a backlog was consumed about a quarter slower (issue 15).
  const readLoop = (connection: BlockingConnection) => Effect.forever(retryWhileDisconnected(pollOnce(connection)))

  // The blocking connection belongs to `run`'s fiber: interrupting it
  // aborts a blocked read and releases the connection.
  const run = Effect.gen(function* () {
    yield* subscribers.firstConsumer
    yield* Effect.logDebug("polling starts")
    const connection = yield* retryWhileDisconnected(redis.blockingConnection)
    while (true) {
      // In the connection's scope, added after it: on close the loop stops before the connection goes.
      const exit = yield* Fiber.await(yield* Effect.forkScoped(readLoop(connection)))
      // Interrupted by a change of streams (an interruption of `run` itself ends it here): read the new set.
      if (Exit.isFailure(exit) && !Cause.hasInterruptsOnly(exit.cause)) return yield* Effect.failCause(exit.cause)
    }
  }).pipe(
    Effect.scoped,
    Effect.catch((error: E | RedisError) =>
      Effect.andThen(Effect.logError("polling stopped", error), subscribers.fail(error))
    ),
    Effect.annotateLogs(options.annotations)
  )

  return { streamsChanged, run }
}
