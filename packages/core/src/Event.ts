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
  /**
   * When the entry was added, from its ID. Events read from Redis compute it
   * when it is read (a getter: a spread copy `{ ...event }` leaves it out;
   * `Event.timeOfId(event.id)` gives it back).
   */
  readonly createdAt: DateTime.Utc
}

const utf8 = new TextDecoder()

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
export const text = (event: Event): string => utf8.decode(event.payload)

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
  const dash = id.indexOf("-")
  return DateTime.makeUnsafe(Number(dash === -1 ? id : id.slice(0, dash)))
}
