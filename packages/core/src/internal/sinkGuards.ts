/**
 * The checks at the door of a sink's public operations: a closed sink
 * refuses work (`SinkClosed`), and `ack`/`nack` refuse events the sink did
 * not deliver (`NotDeliveredToSink`). Both send nothing to Redis. The
 * sink's own machinery (`process`, the pipeline stages) skips them: its
 * events are the sink's, and the acks of events handled while the sink
 * closes must still go out.
 *
 * @internal
 */
import { Effect } from "effect"
import { NotDeliveredToSink, SinkClosed } from "../Errors.js"
import type { Event } from "../Event.js"
import { streamKey } from "./keys.js"
import type { SinkAcks } from "./sinkAcks.js"

export interface GuardedSink {
  readonly name: string
  readonly consumer: () => string
  readonly isClosed: () => boolean
  /** The Redis keys of the streams the sink reads now. */
  readonly streamKeys: { has(key: string): boolean }
}

export const makeGuards = (sink: GuardedSink) => {
  const ensureOpen = (operation: string): Effect.Effect<void, SinkClosed> =>
    Effect.suspend(() =>
      sink.isClosed()
        ? Effect.fail(new SinkClosed({ sinkName: sink.name, consumer: sink.consumer(), operation }))
        : Effect.void
    )

  const notDelivered = (event: Event): string | undefined =>
    event.sinkName === undefined
      ? "it was read by a reader"
      : event.sinkName !== sink.name
        ? `it was delivered to sink ${event.sinkName}`
        : !sink.streamKeys.has(streamKey(event.streamName))
          ? `the sink does not read stream ${event.streamName}`
          : undefined

  /** Fails unless the sink is open and delivered every one of `events`. */
  const ensureDelivered = (
    operation: string,
    events: Iterable<Event>
  ): Effect.Effect<void, SinkClosed | NotDeliveredToSink> =>
    Effect.andThen(
      ensureOpen(operation),
      Effect.suspend(() => {
        // Events of one call mostly share their stream: an event like the last one checked passes too.
        let passed: Event | undefined
        for (const event of events) {
          if (passed !== undefined && event.streamName === passed.streamName && event.sinkName === passed.sinkName)
            continue
          const reason = notDelivered(event)
          if (reason !== undefined) {
            return Effect.fail(
              new NotDeliveredToSink({ sinkName: sink.name, eventId: event.id, streamName: event.streamName, reason })
            )
          }
          passed = event
        }
        return Effect.void
      })
    )

  /** `ack`, `ackAll` and `nack` behind {@link ensureDelivered}. */
  const guard = (acks: SinkAcks): SinkAcks<SinkClosed | NotDeliveredToSink> => ({
    ack: (event) => Effect.andThen(ensureDelivered("ack", [event]), () => acks.ack(event)),
    ackAll: (events) => {
      const list = Array.from(events)
      return Effect.andThen(ensureDelivered("ackAll", list), () => acks.ackAll(list))
    },
    nack: (event) => Effect.andThen(ensureDelivered("nack", [event]), () => acks.nack(event))
  })

  return { ensureOpen, ensureDelivered, guard }
}
