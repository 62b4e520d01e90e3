/**
 * What a sink lends each event it delivers (under `Event.AcknowledgerId`):
 * the sink's own ack, nack and dead-letter operations, so that pipeline
 * stages acknowledge an event through the sink that delivered it, whatever
 * the order of the stages and however many sinks a stream merges.
 *
 * @internal
 */
import type { Effect } from "effect"
import type { RedisError } from "../Errors.js"
import type { Event } from "../Event.js"

export interface Acknowledger {
  /** Acknowledges events of this sink: one `XACK` per stream. */
  readonly ackAll: (events: ReadonlyArray<Event>) => Effect.Effect<void, RedisError>
  /**
   * Hands an event back for redelivery after `delayMillis` (0, the default,
   * means at once).
   */
  readonly nack: (event: Event, delayMillis?: number) => Effect.Effect<void, RedisError>
  /** Keeps the event claimed by this consumer (its idle time refreshed) until as many `release`s. */
  readonly hold: (event: Event) => void
  readonly release: (event: Event) => void
  /** How many times the event was delivered to the sink's group, this delivery included. */
  readonly deliveries: (event: Event) => number
  /** Moves an event to its stream's dead letters at once, saying why, and acknowledges it. */
  readonly deadLetter: (event: Event, reason: string) => Effect.Effect<void, RedisError>
}
