/**
 * Keeping events claimed while their handlers run (#16): an event whose
 * handler runs past the ack grace period would otherwise look idle and be
 * claimed by another consumer while this one still works on it. The keeper
 * knows the events in hand, and a background loop of the sink refreshes
 * their idle time (`XCLAIM ... JUSTID` to this consumer: no delivery counted)
 * once a check interval (a quarter of the grace period at most) went by
 * since the last refresh: so an event is never idle for more than about half
 * a grace period, which leaves the other half for a loaded event loop. A consumer that
 * dies stops refreshing, and its events come back after the grace period as
 * before.
 *
 * A refresh only succeeds while the event is still this consumer's: its
 * min-idle is the time since this consumer last knew the event was its own
 * (delivery or last refresh, measured after the reply, so never more than the
 * idle time Redis holds), and an event claimed by another consumer meanwhile
 * is idle for less than that. Such an event is let go.
 *
 * @internal
 */
import { Effect } from "effect"
import type { RedisError } from "../Errors.js"
import type { Event } from "../Event.js"
import { deliveredAtOf, markDeliveredAt } from "./entries.js"
import type { SinkState, SinkStream } from "./sinkState.js"
import { now } from "./sinkState.js"

export interface ClaimKeeper {
  /**
   * Takes an event in hand until as many `release`s: synchronous, for the
   * `handle` stage, which holds each event from its pull until it is settled
   * at a cost of two map operations.
   */
  readonly hold: (event: Event) => void
  readonly release: (event: Event) => void
  /** Keeps `event` claimed by this consumer while `effect` runs. */
  readonly holding: (event: Event) => <A, E, R>(effect: Effect.Effect<A, E, R>) => Effect.Effect<A, E, R>
  /** Refreshes one event's idle time now; whether it is still this consumer's. */
  readonly extend: (stream: SinkStream, event: Event) => Effect.Effect<boolean, RedisError>
  /** Refreshes the events in hand not refreshed for a check interval; run it every check interval. */
  readonly refreshDue: Effect.Effect<void, RedisError>
}

export const make = (state: SinkState, streamOf: (event: Event) => SinkStream): ClaimKeeper => {
  // Events in hand, with how many holders each has (a handler and a user's `keepClaimed` may overlap).
  // The stream is looked up only when an event is due for a refresh: holding is on every event's path.
  const held = new Map<Event, number>()

  const extend = Effect.fnUntraced(function* (stream: SinkStream, event: Event) {
    if (state.noAck) return true
    const before = yield* now
    const ownedSince = Math.max(0, before - (deliveredAtOf(event) ?? before))
    const moved = yield* state.redis.xclaimJustId(stream.key, state.name, state.consumer, ownedSince, [event.id])
    if (moved.length === 0) {
      held.delete(event)
      yield* Effect.logWarning(
        `event ${event.id} of ${stream.name} was taken by another consumer while this one held it (acked, or idle past the grace period)`
      )
      return false
    }
    // Idle 0 from when Redis ran it, which is before this reply: a later min-idle from here never asks too much.
    markDeliveredAt(event, yield* now)
    return true
  })

  const hold = (event: Event): void => {
    if (state.noAck) return
    held.set(event, (held.get(event) ?? 0) + 1)
  }

  const release = (event: Event): void => {
    const holders = held.get(event)
    if (holders === undefined) return
    if (holders <= 1) held.delete(event)
    else held.set(event, holders - 1)
  }

  const holding =
    (event: Event) =>
    <A, E, R>(effect: Effect.Effect<A, E, R>): Effect.Effect<A, E, R> =>
      Effect.suspend(() => {
        hold(event)
        return Effect.ensuring(
          effect,
          Effect.sync(() => release(event))
        )
      })

  const refreshDue = Effect.gen(function* () {
    const time = yield* now
    const due = Array.from(held.keys()).filter(
      (event) => time - (deliveredAtOf(event) ?? time) >= state.checkIntervalMillis
    )
    yield* Effect.forEach(due, (event) => extend(streamOf(event), event), {
      concurrency: "unbounded",
      discard: true
    })
  })

  return { hold, release, holding, extend, refreshDue }
}
