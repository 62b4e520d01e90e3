/**
 * An event read from a stream by a reader or a sink.
 *
 * @example
 * ```ts
 * import { Effect, Stream } from "effect"
 * import { Event, EventStream } from "@effect-pulse/core"
 *
 * const printAll = Effect.gen(function*() {
 *   const orders = yield* EventStream.make("orders")
 *   const reader = yield* orders.reader()
 *   yield* reader.events.pipe(Stream.runForEach((event) => Effect.log(event.eventName, Event.text(event))))
 * })
 * ```
 *
 * @since 0.1.0
 */
import { DateTime } from "effect"
import type { Acknowledger } from "./internal/acknowledger.js"
import { decodeUtf8 } from "./internal/utf8.js"

/**
 * One stream entry as the library hands it out. `createdAt` comes from the
 * entry ID, so it has millisecond precision and is the time Redis (or the
 * producer, for explicit IDs) gave the entry.
 *
 * @example
 * ```ts
 * import type { Event } from "@effect-pulse/core"
 *
 * const describe = (event: Event.Event) => `${event.streamName}/${event.id}: ${event.eventName}`
 * ```
 *
 * @since 0.1.0
 * @category models
 */
export interface Event {
  /** The stream entry ID, `<milliseconds>-<sequence>`. */
  readonly id: string
  /** The stream the event was read from. */
  readonly streamName: string
  /** The sink that delivered the event; `undefined` for readers. */
  readonly sinkName: string | undefined
  /** The producer's name for the event (the `n` field). */
  readonly eventName: string
  /** The topic the producer gave the event, if any (the `t` field). */
  readonly topic: string | undefined
  /** The payload bytes, exactly as added (the `p` field). */
  readonly payload: Uint8Array
  /** When the entry was added, from its ID. */
  readonly createdAt: DateTime.Utc
}

/**
 * The key under which an event a sink delivered holds the sink's means of
 * acknowledging it, so that pipeline stages (`Topic.filter`, `Payload.decode`,
 * `Sink.handle`, `Sink.ackEach`) ack through the sink that delivered it.
 *
 * @example
 * ```ts
 * import { Event } from "@effect-pulse/core"
 *
 * declare const event: Event.Event
 * const fromASink = Event.AcknowledgerId in event
 * ```
 *
 * @since 0.1.0
 * @category symbols
 */
export const AcknowledgerId: unique symbol = Symbol.for("@effect-pulse/core/Event/Acknowledger")

/**
 * An event as a sink delivers it: an {@link Event} that also carries the
 * sink's means of acknowledging it. `sink.events` is a stream of these, a
 * reader's stream is not, so the types let acking stages (`Sink.handle`,
 * `Sink.ackEach`, `Payload.decode` with `onError: "nack"` or `"deadLetter"`)
 * take a sink's stream and refuse a reader's. A copy made with a spread
 * (`{ ...event }`) is still a `SinkEvent`.
 *
 * @example
 * ```ts
 * import { Effect } from "effect"
 * import type { Event } from "@effect-pulse/core"
 *
 * const bill = (event: Event.SinkEvent) => Effect.log(`billing ${event.id} for sink ${event.sinkName}`)
 * ```
 *
 * @since 0.1.0
 * @category models
 */
export interface SinkEvent extends Event {
  readonly sinkName: string
  readonly [AcknowledgerId]: Acknowledger
}

/**
 * Whether an event was delivered by a sink (and so can be acknowledged).
 *
 * @example
 * ```ts
 * import { Event } from "@effect-pulse/core"
 *
 * declare const event: Event.Event
 * if (Event.isSinkEvent(event)) console.log(`delivered by the sink ${event.sinkName}`)
 * ```
 *
 * @since 0.1.0
 * @category guards
 */
export const isSinkEvent = (event: Event): event is SinkEvent => AcknowledgerId in event

/**
 * What flows through a pipeline: an event, or a stage's output that keeps
 * the event it came from (such as `Payload.Decoded`), so that later stages
 * can still filter it by topic and acknowledge it.
 *
 * @example
 * ```ts
 * import type { Event, Payload } from "@effect-pulse/core"
 *
 * const carriers: ReadonlyArray<Event.Carrier> = [] as ReadonlyArray<Event.Event | Payload.Decoded<number>>
 * ```
 *
 * @since 0.1.0
 * @category models
 */
export type Carrier<Ev extends Event = Event> = Ev | { readonly event: Ev }

/**
 * The event a {@link Carrier} carries.
 *
 * @example
 * ```ts
 * import { Event, type Payload } from "@effect-pulse/core"
 *
 * declare const decoded: Payload.Decoded<{ readonly id: number }>
 * const id = Event.eventOf(decoded).id
 * ```
 *
 * @since 0.1.0
 * @category accessors
 */
export const eventOf = <Ev extends Event>(carrier: Carrier<Ev>): Ev =>
  "event" in carrier ? carrier.event : (carrier as Ev)

/**
 * The payload decoded as UTF-8 (invalid sequences become U+FFFD).
 *
 * @example
 * ```ts
 * import { Event } from "@effect-pulse/core"
 *
 * declare const event: Event.Event
 * const body = JSON.parse(Event.text(event))
 * ```
 *
 * @since 0.1.0
 * @category accessors
 */
export const text = (event: Event): string => decodeUtf8(event.payload)

// The last time `timeOfId` made, by its milliseconds.
let lastMillis = -1
let lastTime: DateTime.Utc = DateTime.makeUnsafe(0)

/**
 * The creation time encoded in an entry ID (its milliseconds part).
 *
 * @example
 * ```ts
 * import { DateTime } from "effect"
 * import { Event } from "@effect-pulse/core"
 *
 * DateTime.toEpochMillis(Event.timeOfId("1700000000000-3")) // 1700000000000
 * ```
 *
 * @since 0.1.0
 * @category accessors
 */
export const timeOfId = (id: string): DateTime.Utc => {
  // The milliseconds, read digit by digit (no substring, no `Number` parse): this runs for every event read.
  let millis = 0
  let i = 0
  for (; i < id.length && i < 16; i++) {
    const code = id.charCodeAt(i)
    if (code === 45) break // "-"
    if (code < 48 || code > 57) return slowTimeOfId(id)
    millis = millis * 10 + (code - 48)
  }
  if (i === 0 || (i < id.length && id.charCodeAt(i) !== 45)) return slowTimeOfId(id)
  // Entries read together mostly share their millisecond, and a `DateTime` is an immutable value: one is shared.
  if (millis !== lastMillis) {
    lastTime = DateTime.makeUnsafe(millis)
    lastMillis = millis
  }
  return lastTime
}

/** Any other input, as `DateTime.makeUnsafe` takes it (it throws on what is not a time). */
const slowTimeOfId = (id: string): DateTime.Utc => {
  const dash = id.indexOf("-")
  return DateTime.makeUnsafe(Number(dash === -1 ? id : id.slice(0, dash)))
}
