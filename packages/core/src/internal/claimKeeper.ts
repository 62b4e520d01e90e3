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
import { deliveredAtOf, InHand, markDeliveredAt } from "./entries.js"
import type { SinkState, SinkStream } from "./sinkState.js"
import { now } from "./sinkState.js"

export interface ClaimKeeper {
  /**
   * Takes an event in hand until as many `release`s: synchronous, for the
   * `handle` stage, which holds each event from its pull until it is settled.
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

/** The keeper's record of an event in hand: shared by the event and its spread copies (the same entry). */
interface Holding {
  holders: number
  /** Whether it is in `listed` (which may also hold records no longer in hand, until compacted). */
  listed: boolean
  readonly event: Event
}

type Marked = { [InHand]?: Holding | undefined }

export const make = (state: SinkState, streamOf: (event: Event) => SinkStream): ClaimKeeper => {
  // Events in hand are counted on a record marked on the event (a handler and a user's `keepClaimed` may
  // overlap): a few field writes on every event's path, where a Map keyed by event cost two hash-table
  // updates (issue 15). The records of events taken in hand since the last compaction are listed for the
  // refresh; the list is compacted when it is mostly records let go, so it stays within twice the events
  // in hand (and never keeps handled events alive for long).
  let listed: Array<Holding> = []
  let inHand = 0

  const compact = () => {
    const kept: Array<Holding> = []
    for (const holding of listed) {
      if (holding.holders > 0) kept.push(holding)
      else holding.listed = false
    }
    listed = kept
  }

  const letGoOf = (holding: Holding) => {
    holding.holders = 0
    inHand--
  }

  const extend = Effect.fnUntraced(function* (stream: SinkStream, event: Event) {
    if (state.noAck) return true
    const before = yield* now
    const ownedSince = Math.max(0, before - (deliveredAtOf(event) ?? before))
    const moved = yield* state.redis.xclaimJustId(stream.key, state.name, state.consumer, ownedSince, [event.id])
    if (moved.length === 0) {
      const holding = (event as Marked)[InHand]
      if (holding !== undefined && holding.holders > 0) letGoOf(holding)
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
    const marked = event as Marked
    let holding = marked[InHand]
    if (holding === undefined) {
      holding = { holders: 0, listed: false, event }
      marked[InHand] = holding
    }
    if (holding.holders++ > 0) return
    inHand++
    if (!holding.listed) {
      holding.listed = true
      listed.push(holding)
      if (listed.length > 2 * inHand + 1024) compact()
    }
  }

  const release = (event: Event): void => {
    const holding = (event as Marked)[InHand]
    if (holding === undefined || holding.holders === 0) return
    if (--holding.holders === 0) inHand--
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
    compact()
    const due = listed
      .filter((holding) => time - (deliveredAtOf(holding.event) ?? time) >= state.checkIntervalMillis)
      .map((holding) => holding.event)
    yield* Effect.forEach(due, (event) => extend(streamOf(event), event), {
      concurrency: "unbounded",
      discard: true
    })
  })

  return { hold, release, holding, extend, refreshDue }
}
