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
import { Effect, Metric, Queue } from "effect"
import type { RedisError } from "../Errors.js"
import type { Event } from "../Event.js"
import type { ClaimKeeper } from "./claimKeeper.js"
import { deadLetterEvent } from "./deadLetters.js"
import { streamKey } from "./keys.js"
import { retryWhileDisconnected } from "./retry.js"
import * as SinkClaims from "./sinkClaims.js"
import type { SinkState, SinkStream } from "./sinkState.js"
import { makeSinkStream, now } from "./sinkState.js"

export interface SinkAcks<E = never> {
  readonly ack: (event: Event) => Effect.Effect<void, RedisError | E>
  readonly ackAll: (events: Iterable<Event>) => Effect.Effect<void, RedisError | E>
  readonly nack: (event: Event) => Effect.Effect<void, RedisError | E>
}

export interface SinkOperations extends SinkAcks {
  /** Hands an event back, to be claimable again `delayMillis` from now (at once by default). */
  readonly nack: (event: Event, delayMillis?: number) => Effect.Effect<void, RedisError>
  /** Moves an event to its stream's dead letters at once, saying why, and acknowledges it. */
  readonly deadLetter: (event: Event, reason: string) => Effect.Effect<void, RedisError>
  /** The sink's bookkeeping of the stream an event came from. */
  readonly streamOf: (event: Event) => SinkStream
}

export const make = (
  state: SinkState,
  {
    fork,
    keeper
  }: { readonly keeper: ClaimKeeper; readonly fork: (effect: Effect.Effect<void>) => Effect.Effect<void> }
): SinkOperations => {
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

  // What was acked is forgotten as held: it is no longer this consumer's to hand back.
  const ackEvents = (stream: SinkStream, events: ReadonlyArray<Event>) =>
    state.noAck || events.length === 0
      ? Effect.void
      : state.redis
          .xack(
            stream.key,
            state.name,
            events.map((event) => event.id)
          )
          .pipe(
            Effect.tap(() => Effect.sync(() => stream.held.settle(events))),
            Effect.andThen(Metric.update(stream.acked, events.length))
          )

  const ack = Effect.fn("Sink.ack")(function* (event: Event) {
    yield* Effect.annotateCurrentSpan(eventAttributes(event))
    yield* ackEvents(streamOf(event), [event])
  })

  const ackAll = Effect.fn("Sink.ackAll")(function* (events: Iterable<Event>) {
    // A copy: the caller's array may change while the ack is in flight.
    const list = Array.from(events)
    yield* Effect.annotateCurrentSpan({ sink: state.name, consumer: state.consumer, count: list.length })
    if (list.length === 0) return
    // One stream (nearly always), found without a map: acked in this fiber. A fiber per ack kept its events
    // reachable for a while after the ack, so young-generation collections copied them (issue 15).
    const streamName = list[0]!.streamName
    let oneStream = true
    for (let i = 1; i < list.length && oneStream; i++) oneStream = list[i]!.streamName === streamName
    if (oneStream) return yield* ackEvents(streamOf(list[0]!), list)
    const byStream = new Map<string, { stream: SinkStream; events: Array<Event> }>()
    for (const event of list) {
      const entry = byStream.get(event.streamName)
      if (entry === undefined) byStream.set(event.streamName, { stream: streamOf(event), events: [event] })
      else entry.events.push(event)
    }
    yield* Effect.forEach(byStream.values(), (entry) => ackEvents(entry.stream, entry.events), {
      concurrency: "unbounded",
      discard: true
    })
  })

  const nackNow = Effect.fnUntraced(function* (stream: SinkStream, event: Event, delayMillis: number | undefined) {
    const delay = yield* SinkClaims.nack(state, stream, event, delayMillis)
    // A delayed retry: the claim that hands it back runs when the delay is over. Should this consumer be
    // gone by then, the claim check of another takes the event, which is claimable from then on anyway.
    // The delay counts from now, not from when the forked fiber first runs.
    if (delay !== undefined) {
      const due = (yield* now) + delay
      yield* fork(
        Effect.flatMap(now, (time) => Effect.delay(Queue.offer(state.handedBack, stream), Math.max(0, due - time)))
      )
    }
  })

  const nack = Effect.fn("Sink.nack")(function* (event: Event, delayMillis?: number) {
    yield* Effect.annotateCurrentSpan(eventAttributes(event))
    if (state.noAck) return
    const stream = streamOf(event)
    // Idle time cannot make an event wait longer than the grace period: for the part of a longer delay beyond
    // it, this consumer keeps the event claimed, then hands it back with a grace period to go. Should it die
    // meanwhile, the event comes back after the grace period, earlier than asked, never lost.
    const beyondGrace = (delayMillis ?? 0) - state.graceMillis
    if (beyondGrace > 0) {
      return yield* fork(
        keeper
          .holding(event)(Effect.sleep(beyondGrace))
          .pipe(
            Effect.andThen(retryWhileDisconnected(nackNow(stream, event, state.graceMillis))),
            Effect.catch((error) => Effect.logWarning(`could not hand back event ${event.id} after its delay`, error))
          )
      )
    }
    yield* nackNow(stream, event, delayMillis)
  })

  const deadLetter = (event: Event, reason: string) => {
    const stream = streamOf(event)
    return deadLetterEvent(state.redis, state.name, state.noAck, event, reason).pipe(
      Effect.flatMap((moved) =>
        moved
          ? Effect.andThen(
              Effect.sync(() => stream.held.settle([event])),
              Metric.update(stream.deadLettered, 1)
            )
          : Effect.void
      )
    )
  }

  return { ack, ackAll, nack, deadLetter, streamOf }
}
