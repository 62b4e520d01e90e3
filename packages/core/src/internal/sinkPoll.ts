/**
 * A sink's polling loop: one blocking `XREADGROUP ... >` over every stream
 * whose key exists, recovering from `NOGROUP` and `UNBLOCKED` (see
 * `sinkGroups`). A stream whose key vanished is left out of the reads while
 * a background fiber waits for it; once it is back the poll takes it in
 * again. With every key gone, the read waits for one to come back.
 *
 * @internal
 */
import { Effect } from "effect"
import { countEntries } from "./entries.js"
import * as Poller from "./poller.js"
import * as SinkGroups from "./sinkGroups.js"
import type { SinkState, SinkStream } from "./sinkState.js"
import { deliver } from "./sinkState.js"
import { noStackTrace } from "./tracing.js"

export interface SinkPollOptions {
  readonly maxPolled: number
  readonly blockMillis: number
  readonly annotations: Record<string, string>
  /** Forks an effect among the sink's fibers (stopped when the sink closes or its streams end). */
  readonly inBackground: (effect: Effect.Effect<void>) => Effect.Effect<void>
}

export const make = (state: SinkState, options: SinkPollOptions): Poller.Poller => {
  const { subscribers } = state
  const awaitKey = (stream: SinkStream): Effect.Effect<void> =>
    options.inBackground(
      SinkGroups.awaitKey(state, stream).pipe(
        Effect.andThen(poller.streamsChanged),
        Effect.catch((error) =>
          Effect.andThen(Effect.logError(`waiting for stream ${stream.name} failed`, error), subscribers.fail(error))
        )
      )
    )

  const poller: Poller.Poller = Poller.make({
    redis: state.redis,
    subscribers,
    streams: state.streams,
    maxPolled: options.maxPolled,
    annotations: options.annotations,
    read: (connection, polled, count) => {
      const present = polled.filter(([, stream]) => !stream.missing)
      // A change of streams interrupts the read: the return of a key ends this wait.
      if (present.length === 0) return Effect.never
      return SinkGroups.recoveringLostGroups(
        state,
        connection.xreadgroup(
          state.name,
          state.consumer,
          present.map(([key]) => ({ key, id: ">" })),
          { count, blockMillis: options.blockMillis, noAck: state.noAck }
        ),
        [],
        awaitKey
      ).pipe(
        Effect.tap((reads) => Effect.annotateCurrentSpan("events", countEntries(reads))),
        // Each poll is a trace of its own: the sink outlives whatever created it.
        Effect.withSpan(
          "Sink.read",
          { root: true, kind: "consumer", attributes: { ...options.annotations, streams: present.length } },
          noStackTrace
        )
      )
    },
    handle: (reads) =>
      Effect.forEach(
        reads,
        (result) => {
          const stream = state.streams.get(result.key)
          return stream === undefined || result.entries.length === 0
            ? Effect.void
            : deliver(state, stream, result.entries, "new")
        },
        { discard: true }
      )
  })
  return poller
}
