/**
 * What a sink knows and does per stream: its consumer group (created at the
 * sink's start position, recreated when it vanished), its counters, and the
 * conversion of entries into events handed to the subscribers.
 *
 * @internal
 */
import { Clock, Effect, Metric } from "effect"
import type { RedisError } from "../Errors.js"
import { StreamDestroyed } from "../Errors.js"
import type { Event } from "../Event.js"
import type { Service as RedisService, StreamEntry } from "../RedisClient.js"
import type { StartAt } from "../StartAt.js"
import type { Matcher } from "../Topic.js"
import type { Acknowledger } from "./acknowledger.js"
import { toSinkEvent } from "./entries.js"
import { sinkKeepAliveKey, sinkLeaseKey, streamKey } from "./keys.js"
import { eventsAcked, eventsClaimed, eventsDeadLettered, eventsDelivered, eventsNacked, forStream } from "./metrics.js"
import { idBefore } from "./startCursor.js"
import type { Subscribers } from "./subscribers.js"

/** The current time in epoch milliseconds, from effect's `Clock` (so `TestClock` drives sinks). */
export const now = Clock.currentTimeMillis

/** The ID `XGROUP CREATE` takes for a start position; `$` makes `newest` atomic with the creation. */
export const groupStartId = (start: StartAt): string => {
  switch (start._tag) {
    case "Oldest":
      return "0"
    case "Newest":
      return "$"
    case "After":
      return start.id
    case "At":
      return idBefore(start.epochMillis)
  }
}

export interface SinkStream {
  readonly name: string
  readonly key: string
  readonly startId: string
  readonly delivered: Metric.Counter<number>
  readonly acked: Metric.Counter<number>
  readonly nacked: Metric.Counter<number>
  readonly claimed: Metric.Counter<number>
  readonly deadLettered: Metric.Counter<number>
}

export type SinkError = RedisError | StreamDestroyed

/** The state one sink instance shares between its fibers. */
export interface SinkState {
  readonly redis: RedisService
  readonly name: string
  /** Changes when the consumer finds itself declared stale and rejoins under a new name. */
  consumer: string
  readonly streams: Map<string, SinkStream>
  readonly graceMillis: number
  readonly checkIntervalMillis: number
  readonly maxDeliveries: number | undefined
  readonly noAck: boolean
  readonly topic: Matcher
  readonly subscribers: Subscribers<SinkError>
  /** What the events this sink delivers carry, so that pipeline stages can ack them. */
  readonly acknowledger: Acknowledger
  readonly keepAliveKey: string
  readonly leaseKey: string
  /** When this consumer handed each event out (Clock millis), for `nack`. */
  readonly deliveredAt: WeakMap<Event, number>
}

export const makeState = (fields: Omit<SinkState, "keepAliveKey" | "leaseKey" | "deliveredAt">): SinkState => ({
  ...fields,
  keepAliveKey: sinkKeepAliveKey(fields.name),
  leaseKey: sinkLeaseKey(fields.name),
  deliveredAt: new WeakMap()
})

export const newConsumerName = (): string => `consumer-${crypto.randomUUID()}`

export const makeSinkStream = (sink: string, name: string, startId: string): SinkStream => ({
  name,
  key: streamKey(name),
  startId,
  delivered: forStream(eventsDelivered, name, sink),
  acked: forStream(eventsAcked, name, sink),
  nacked: forStream(eventsNacked, name, sink),
  claimed: forStream(eventsClaimed, name, sink),
  deadLettered: forStream(eventsDeadLettered, name, sink)
})

const isCode = (code: string) => (error: RedisError) => error._tag === "RedisCommandError" && error.code === code

/** Creates the consumer group (and the stream) unless it exists, and registers the consumer in it. */
export const joinGroup = (state: SinkState, stream: SinkStream): Effect.Effect<void, RedisError> =>
  state.redis.xgroupCreate(stream.key, state.name, stream.startId, { mkStream: true }).pipe(
    Effect.catchIf(isCode("BUSYGROUP"), () => Effect.void),
    Effect.andThen(state.redis.xgroupCreateConsumer(stream.key, state.name, state.consumer)),
    Effect.asVoid
  )

/**
 * After a `NOGROUP` reply: recreates the groups that vanished while their
 * stream still exists, or fails with `StreamDestroyed` when a stream is gone.
 */
export const recoverLostGroups = (state: SinkState): Effect.Effect<void, SinkError> =>
  Effect.forEach(
    Array.from(state.streams.values()),
    (stream) =>
      Effect.gen(function* () {
        if ((yield* state.redis.exists([stream.key])) === 0) {
          return yield* new StreamDestroyed({ streamName: stream.name, sinkName: state.name })
        }
        const groups = yield* state.redis.xinfoGroups(stream.key)
        if (groups.some((group) => group.name === state.name)) return
        yield* Effect.logWarning(`consumer group of sink ${state.name} on ${stream.name} vanished; recreating it`)
        yield* joinGroup(state, stream)
      }),
    { discard: true }
  )

const isGroupLost = (error: RedisError) =>
  error._tag === "RedisCommandError" && (error.code === "NOGROUP" || error.code === "UNBLOCKED")

/**
 * Recovers with {@link recoverLostGroups} from `NOGROUP` (the group is gone)
 * and `UNBLOCKED` (Redis's reply to a blocked `XREADGROUP` whose stream key
 * was deleted); other failures pass through.
 */
export const recoveringLostGroups = <A>(
  state: SinkState,
  effect: Effect.Effect<A, RedisError>,
  fallback: A
): Effect.Effect<A, SinkError> =>
  effect.pipe(Effect.catchIf(isGroupLost, () => Effect.as(recoverLostGroups(state), fallback)))

/**
 * Turns entries delivered to this consumer into events for the subscribers.
 * Events the topic filter rejects are acked at once, or they would be claimed
 * and filtered again forever.
 */
export const deliver = Effect.fnUntraced(function* (
  state: SinkState,
  stream: SinkStream,
  entries: ReadonlyArray<StreamEntry | { readonly id: string; readonly fields: null }>
) {
  const events: Array<Event> = []
  const rejected: Array<string> = []
  const time = yield* now
  for (const entry of entries) {
    if (entry.fields === null) continue
    const event = toSinkEvent(stream.name, state.name, entry as StreamEntry, state.acknowledger)
    if (state.topic.test(event.topic ?? "")) {
      events.push(event)
      state.deliveredAt.set(event, time)
    } else rejected.push(entry.id)
  }
  if (rejected.length > 0 && !state.noAck) {
    yield* state.redis.xack(stream.key, state.name, rejected)
    yield* Metric.update(stream.acked, rejected.length)
  }
  yield* Metric.update(stream.delivered, events.length)
  yield* state.subscribers.publish(events)
})
