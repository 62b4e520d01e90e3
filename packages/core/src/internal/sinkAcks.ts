/**
 * Acknowledging and handing back the events a sink delivered: acks go in one
 * `XACK` per stream, and what was acked is forgotten as held (see
 * `sinkState.settled`); `nack` is `sinkClaims.nack`. A sink reading with
 * `noAck` has nothing to ack or hand back. These are the sink's own
 * operations, unchecked: the public ones go through `sinkGuards` first.
 *
 * @internal
 */
import { Effect, Metric } from "effect"
import type { RedisError } from "../Errors.js"
import type { Event } from "../Event.js"
import { streamKey } from "./keys.js"
import * as SinkClaims from "./sinkClaims.js"
import type { SinkState, SinkStream } from "./sinkState.js"
import { makeSinkStream, settled } from "./sinkState.js"

export interface SinkAcks<E = never> {
  readonly ack: (event: Event) => Effect.Effect<void, RedisError | E>
  readonly ackAll: (events: Iterable<Event>) => Effect.Effect<void, RedisError | E>
  readonly nack: (event: Event) => Effect.Effect<void, RedisError | E>
}

export const make = (state: SinkState): SinkAcks => {
  // An event of a stream the sink stopped reading (a handler finishing after removeStream) is still acked.
  const streamOf = (event: Event): SinkStream =>
    state.streams.get(streamKey(event.streamName)) ?? makeSinkStream(state.name, event.streamName, "0", undefined)

  const ackIds = (stream: SinkStream, ids: ReadonlyArray<string>) =>
    state.noAck || ids.length === 0
      ? Effect.void
      : state.redis.xack(stream.key, state.name, ids).pipe(
          Effect.tap(() => Effect.sync(() => settled(stream, ids))),
          Effect.andThen(Metric.update(stream.acked, ids.length))
        )

  const ackAll = (events: Iterable<Event>) => {
    const byStream = new Map<string, { stream: SinkStream; ids: Array<string> }>()
    for (const event of events) {
      const entry = byStream.get(event.streamName)
      if (entry === undefined) byStream.set(event.streamName, { stream: streamOf(event), ids: [event.id] })
      else entry.ids.push(event.id)
    }
    return Effect.forEach(byStream.values(), ({ stream, ids }) => ackIds(stream, ids), {
      concurrency: "unbounded",
      discard: true
    })
  }

  return {
    ack: (event) => ackIds(streamOf(event), [event.id]),
    ackAll,
    nack: (event) => (state.noAck ? Effect.void : SinkClaims.nack(state, streamOf(event), event))
  }
}
