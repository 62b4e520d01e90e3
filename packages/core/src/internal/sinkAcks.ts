/**
 * Acknowledging, handing back and dead-lettering the events a sink
 * delivered: acks go in one `XACK` per stream, and what was acked is
 * forgotten as held (see `sinkState.settled`); `nack` is `sinkClaims.nack`.
 * A sink reading with `noAck` has nothing to ack or hand back. These are the
 * sink's own operations, unchecked: the public ones go through `sinkGuards`
 * first, and the pipeline stages reach them through the events' acknowledger.
 *
 * @internal
 */
import { Effect, Metric } from "effect"
import type { RedisError } from "../Errors.js"
import type { Event } from "../Event.js"
import { deadLetterEvent } from "./deadLetters.js"
import { streamKey } from "./keys.js"
import * as SinkClaims from "./sinkClaims.js"
import type { SinkState, SinkStream } from "./sinkState.js"
import { makeSinkStream, settled } from "./sinkState.js"

export interface SinkAcks<E = never> {
  readonly ack: (event: Event) => Effect.Effect<void, RedisError | E>
  readonly ackAll: (events: Iterable<Event>) => Effect.Effect<void, RedisError | E>
  readonly nack: (event: Event) => Effect.Effect<void, RedisError | E>
}

export interface SinkOperations extends SinkAcks {
  /** Moves an event to its stream's dead letters at once, saying why, and acknowledges it. */
  readonly deadLetter: (event: Event, reason: string) => Effect.Effect<void, RedisError>
}

export const make = (state: SinkState): SinkOperations => {
  // An event of a stream the sink stopped reading (a handler finishing after removeStream) is still acked.
  const streamOf = (event: Event): SinkStream =>
    state.streams.get(streamKey(event.streamName)) ?? makeSinkStream(state.name, event.streamName, "0", undefined)

  // What the spans of an event's acknowledgement say of it.
  const eventAttributes = (event: Event) => ({
    stream: event.streamName,
    sink: state.name,
    consumer: state.consumer,
    "event.id": event.id
  })

  const ackIds = (stream: SinkStream, ids: ReadonlyArray<string>) =>
    state.noAck || ids.length === 0
      ? Effect.void
      : state.redis.xack(stream.key, state.name, ids).pipe(
          Effect.tap(() => Effect.sync(() => settled(stream, ids))),
          Effect.andThen(Metric.update(stream.acked, ids.length))
        )

  const ack = Effect.fn("Sink.ack")(function* (event: Event) {
    yield* Effect.annotateCurrentSpan(eventAttributes(event))
    yield* ackIds(streamOf(event), [event.id])
  })

  const ackAll = Effect.fn("Sink.ackAll")(function* (events: Iterable<Event>) {
    const byStream = new Map<string, { stream: SinkStream; ids: Array<string> }>()
    let count = 0
    for (const event of events) {
      count++
      const entry = byStream.get(event.streamName)
      if (entry === undefined) byStream.set(event.streamName, { stream: streamOf(event), ids: [event.id] })
      else entry.ids.push(event.id)
    }
    yield* Effect.annotateCurrentSpan({ sink: state.name, consumer: state.consumer, count })
    yield* Effect.forEach(byStream.values(), ({ stream, ids }) => ackIds(stream, ids), {
      concurrency: "unbounded",
      discard: true
    })
  })

  const nack = Effect.fn("Sink.nack")(function* (event: Event) {
    yield* Effect.annotateCurrentSpan(eventAttributes(event))
    if (!state.noAck) yield* SinkClaims.nack(state, streamOf(event), event)
  })

  const deadLetter = (event: Event, reason: string) => {
    const stream = streamOf(event)
    return deadLetterEvent(state.redis, state.name, state.noAck, event, reason).pipe(
      Effect.flatMap((moved) =>
        moved
          ? Effect.andThen(
              Effect.sync(() => settled(stream, [event.id])),
              Metric.update(stream.deadLettered, 1)
            )
          : Effect.void
      )
    )
  }

  return { ack, ackAll, nack, deadLetter }
}
