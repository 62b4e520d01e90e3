/**
 * What a sink knows per stream: its counters, what this consumer was
 * delivered and still holds (so that a group destroyed from outside can be
 * recreated without losing an event), and the conversion of entries into
 * events handed to the subscribers.
 *
 * @internal
 */
import { Clock, Effect, Metric, type Queue } from "effect"
import type { RedisError, StreamDestroyed } from "../Errors.js"
import type { Event } from "../Event.js"
import type { Service as RedisService, StreamEntry } from "../RedisClient.js"
import type { StartAt } from "../StartAt.js"
import type { Matcher } from "../Topic.js"
import type { Acknowledger } from "./acknowledger.js"
import { toSinkEvent } from "./entries.js"
import { HeldEntries } from "./heldEntries.js"
import { streamKey } from "./keys.js"
import {
  eventsAcked,
  eventsClaimed,
  eventsDeadLettered,
  eventsDelivered,
  eventsNacked,
  forStream,
  groupsRecreated
} from "./metrics.js"
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

/** A stream's expiry (its `ttl` or `slidingTtl`), which Go Pulse also gives the stream's sinks map. */
export type StreamTtl = { readonly millis: number; readonly sliding: boolean } | undefined

export interface SinkStream {
  readonly name: string
  readonly key: string
  readonly startId: string
  readonly ttl: StreamTtl
  readonly delivered: Metric.Counter<number>
  readonly acked: Metric.Counter<number>
  readonly nacked: Metric.Counter<number>
  readonly claimed: Metric.Counter<number>
  readonly deadLettered: Metric.Counter<number>
  /** Recreations of the group after its key vanished and came back. */
  readonly recreatedAfterKeyLoss: Metric.Counter<number>
  /** Recreations of the group after it was destroyed from outside. */
  readonly recreatedAfterGroupLoss: Metric.Counter<number>
  /** The group's cursor when this consumer joined, then the last entry a `>` read delivered to it. */
  lastDeliveredId: string
  /** That last entry itself, once one was delivered: to tell a key created again from the one it came from. */
  lastDelivered: StreamEntry | undefined
  /** Entries delivered to this consumer and not acked yet. */
  readonly held: HeldEntries
  /** The key is gone: the poller leaves the stream out and waits for the key; the claim check skips it. */
  missing: boolean
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
  /** What the events this sink delivers carry, so that pipeline stages can ack them (with their delivery marks, see entries.ts). */
  readonly acknowledger: Acknowledger
  /** Streams with events just nacked, for the claim that hands them back. */
  readonly handedBack: Queue.Queue<SinkStream>
}

export const newConsumerName = (): string => `consumer-${crypto.randomUUID()}`

export const makeSinkStream = (sink: string, name: string, startId: string, ttl: StreamTtl): SinkStream => ({
  name,
  key: streamKey(name),
  startId,
  ttl,
  delivered: forStream(eventsDelivered, name, sink),
  acked: forStream(eventsAcked, name, sink),
  nacked: forStream(eventsNacked, name, sink),
  claimed: forStream(eventsClaimed, name, sink),
  deadLettered: forStream(eventsDeadLettered, name, sink),
  recreatedAfterKeyLoss: Metric.withAttributes(forStream(groupsRecreated, name, sink), { reason: "stream_vanished" }),
  recreatedAfterGroupLoss: Metric.withAttributes(forStream(groupsRecreated, name, sink), {
    reason: "group_destroyed"
  }),
  lastDeliveredId: "0-0",
  lastDelivered: undefined,
  held: new HeldEntries(),
  missing: false
})

/** Prunes what this consumer remembers holding once others have surely claimed it (a slow handler's events). */
export const forgetLongHeld = (state: SinkState, time: number): void => {
  const limit = 3 * state.graceMillis + state.checkIntervalMillis
  for (const stream of state.streams.values()) stream.held.forgetDeliveredBefore(time - limit)
}

/**
 * Turns entries delivered to this consumer into events for the subscribers.
 * Events the topic filter rejects are acked at once, or they would be claimed
 * and filtered again forever.
 */
export const deliver = Effect.fnUntraced(function* (
  state: SinkState,
  stream: SinkStream,
  entries: ReadonlyArray<StreamEntry | { readonly id: string; readonly fields: null }>,
  how: "new" | "claimed",
  /** For claimed entries: their delivery counts before this claim, which counts one more (#16). */
  deliveriesBefore?: ReadonlyMap<string, number>
) {
  // A `>` read hands out entries in stream order: its last one is the group's cursor now.
  const last = entries[entries.length - 1]
  if (how === "new" && last !== undefined) {
    stream.lastDeliveredId = last.id
    stream.lastDelivered = last.fields === null ? undefined : (last as StreamEntry)
  }
  const events: Array<Event> = []
  const rejected: Array<string> = []
  const time = yield* now
  const delivery = stream.held.newDelivery(time)
  for (let i = 0; i < entries.length; i++) {
    const entry = entries[i]!
    if (entry.fields === null) continue
    const deliveries = (deliveriesBefore?.get(entry.id) ?? 0) + 1
    const event = toSinkEvent(stream.name, state.name, entry as StreamEntry, state.acknowledger, time, deliveries)
    if (state.topic.test(event.topic ?? "")) {
      events.push(event)
      if (!state.noAck) stream.held.hold(delivery, event)
    } else rejected.push(entry.id)
  }
  if (rejected.length > 0 && !state.noAck) {
    yield* state.redis.xack(stream.key, state.name, rejected)
    yield* Metric.update(stream.acked, rejected.length)
  }
  yield* Metric.update(stream.delivered, events.length)
  yield* state.subscribers.publish(events)
})
