/**
 * Claims: taking over pending events and delivering them again. The lease
 * holder claims every stream's events idle for a grace period; any other
 * consumer claims its own streams' events once the oldest is overdue (idle
 * past the grace period plus one check interval), so that sinks of one name
 * on different streams never wait for each other's lease. `nack` makes an
 * event look idle for a whole grace period (less a retry delay) and wakes a
 * claim of its stream shortly after (the delay), so that it is handed back
 * within ~100 ms of that, not at the next check. `XCLAIM` re-checks the idle time, so two claimers never both take
 * an event.
 *
 * @internal
 */
import { Effect, Metric, Queue } from "effect"
import type { Event } from "../Event.js"
import type { PendingEntry } from "../RedisClient.js"
import { writeDeadLetters } from "./deadLetters.js"
import { deliveredAtOf } from "./entries.js"
import { deadLetterKey } from "./keys.js"
import { quietWhileGone } from "./sinkGroups.js"
import type { SinkState, SinkStream } from "./sinkState.js"
import { deliver, now } from "./sinkState.js"

/**
 * Takes over pending entries: those delivered `maxDeliveries` times go to the
 * dead-letter stream and are acked; the others are delivered again here.
 * A trace of its own: the claim check runs in the background.
 */
export const claimPending = Effect.fn("Sink.claim", { root: true })(function* (
  state: SinkState,
  stream: SinkStream,
  pending: ReadonlyArray<PendingEntry>,
  minIdleMillis: number
) {
  yield* Effect.annotateCurrentSpan({ stream: stream.name, sink: state.name, consumer: state.consumer })
  const { redis } = state
  const claimed = yield* redis.xclaim(
    stream.key,
    state.name,
    state.consumer,
    minIdleMillis,
    pending.map((entry) => entry.id)
  )
  const limit = state.maxDeliveries
  const deliveries = new Map(pending.map((entry) => [entry.id, entry.deliveries]))
  const isDead = (id: string) => limit !== undefined && (deliveries.get(id) ?? 0) >= limit
  const again = claimed.filter((entry) => !isDead(entry.id))
  const dead = claimed.filter((entry) => isDead(entry.id))
  yield* Effect.annotateCurrentSpan({ claimed: again.length, deadLettered: dead.length })
  if (again.length > 0) {
    yield* Metric.update(stream.claimed, again.length)
    yield* deliver(state, stream, again, "claimed", deliveries)
  }
  if (dead.length > 0) {
    const deadIds = dead.map((entry) => entry.id)
    yield* writeDeadLetters(
      redis,
      stream.name,
      state.name,
      dead.map((entry) => ({ id: entry.id, fields: entry.fields, deliveries: deliveries.get(entry.id) ?? 0 }))
    )
    stream.held.settleIds(deadIds)
    yield* Metric.update(stream.deadLettered, dead.length)
    yield* Effect.logWarning(
      `moved ${dead.length} event(s) of ${stream.name} to the dead letters (${deadLetterKey(stream.name)}) after ${limit} deliveries`
    )
  }
  return again.length
})

const pendingIdle = (state: SinkState, stream: SinkStream, count: number, minIdleMillis: number) =>
  quietWhileGone(
    state,
    stream,
    state.redis.xpendingRange(stream.key, state.name, { start: "-", end: "+", count, minIdleMillis }),
    []
  )

/** Claims the entries of `stream` idle for a grace period or more; how many were delivered again. */
export const claimIdle = (state: SinkState, stream: SinkStream, budget: number) =>
  Effect.flatMap(pendingIdle(state, stream, budget, state.graceMillis), (pending) =>
    pending.length === 0 ? Effect.succeed(0) : claimPending(state, stream, pending, state.graceMillis)
  )

/**
 * For a consumer without the lease: claims the idle entries of `stream` if
 * its oldest is idle past the grace period plus one interval, which the
 * lease holder would have claimed by now had it looked at this stream.
 */
export const claimOverdue = (state: SinkState, stream: SinkStream, budget: number) =>
  Effect.flatMap(pendingIdle(state, stream, 1, state.graceMillis + state.checkIntervalMillis), (overdue) =>
    overdue.length === 0 ? Effect.succeed(0) : claimIdle(state, stream, budget)
  )

/**
 * Hands an event back by making it look idle for a whole grace period less
 * `delayMillis` (capped at the grace period), so that it becomes claimable
 * when the delay is over, and asks for a claim of its stream at once when
 * there is no delay. Returns the delay after which the caller should ask for
 * that claim, or `undefined` when there is nothing to wait for. The move only
 * succeeds if the entry was not delivered again since this consumer got it
 * (its idle time is at least the time since then): a late nack must not take
 * the event away from the consumer that holds it now.
 */
export const nack = Effect.fnUntraced(function* (
  state: SinkState,
  stream: SinkStream,
  event: Event,
  delayMillis: number = 0
) {
  const time = yield* now
  const heldFor = Math.max(0, time - (deliveredAtOf(event) ?? time))
  const delay = Math.min(Math.max(0, delayMillis), state.graceMillis)
  const moved = yield* state.redis.xclaimJustId(stream.key, state.name, state.consumer, heldFor, [event.id], {
    idleMillis: state.graceMillis - delay
  })
  yield* Metric.update(stream.nacked, moved.length)
  if (moved.length === 0) return undefined
  if (delay > 0) return delay
  yield* Queue.offer(state.handedBack, stream)
  return undefined
})

// Nacks arriving within this delay are handed back by one claim per stream,
// and a handler that keeps failing gets its event back at this pace at most.
const handBackDelayMillis = 50

/** Waits for nacks, then claims the nacked events of their streams; run it in a loop with the sink's background work. */
export const handBack = Effect.fnUntraced(function* (state: SinkState) {
  const first = yield* Queue.takeAll(state.handedBack)
  yield* Effect.sleep(handBackDelayMillis)
  const streams = new Set([...first, ...(yield* Queue.clear(state.handedBack))])
  let budget = yield* state.subscribers.awaitRoom
  for (const stream of streams) {
    if (budget <= 0 || !state.streams.has(stream.key)) continue
    budget -= yield* claimIdle(state, stream, budget)
  }
})
