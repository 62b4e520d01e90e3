/**
 * The background work that makes sinks at-least-once: heartbeats, the claim
 * check that requeues events not acked in time (and dead-letters those
 * delivered too often), and the removal of consumers that stopped beating.
 *
 * Every consumer beats every check interval. The consumer holding the
 * sink's lease (`SET NX PX`, so one at a time and never stuck) runs the
 * claim check. A consumer is stale after two grace periods without a beat:
 * its pending events are claimed first, and it is deleted only by a command
 * that refuses while it still has pending events, because deleting a Redis
 * consumer drops its pending list.
 *
 * @internal
 */
import { Effect, Metric } from "effect"
import type { RedisError } from "../Errors.js"
import type { Event } from "../Event.js"
import type { PendingEntry } from "../RedisClient.js"
import { writeDeadLetters } from "./deadLetters.js"
import { deadLetterStreamName } from "./keys.js"
import type { SinkError, SinkState, SinkStream } from "./sinkState.js"
import { deliver, joinGroup, newConsumerName, now, recoveringLostGroups } from "./sinkState.js"

/**
 * Records that the consumer is alive. `HSET` answers 1 when the field was
 * missing: after the first beat, that means another consumer declared this
 * one stale (it was paused or cut off for two grace periods) and may have
 * taken its events, so it rejoins under a new name instead of competing.
 */
export const makeHeartbeat = (state: SinkState): Effect.Effect<void, RedisError> => {
  let beaten = false
  return Effect.gen(function* () {
    const added = yield* state.redis.hset(state.keepAliveKey, state.consumer, String(yield* now))
    if (added === 0 || !beaten) {
      beaten = true
      return
    }
    const previous = state.consumer
    state.consumer = newConsumerName()
    yield* Effect.logWarning(`consumer ${previous} was declared stale; rejoining as ${state.consumer}`)
    for (const stream of state.streams.values()) yield* joinGroup(state, stream)
    yield* state.redis.hset(state.keepAliveKey, state.consumer, String(yield* now))
  })
}

/**
 * Takes over pending entries: those delivered `maxDeliveries` times go to the
 * dead-letter stream and are acked; the others are delivered again here.
 * `XCLAIM` re-checks the idle time, so two claimers never both take an entry.
 */
const claimPending = Effect.fnUntraced(function* (
  state: SinkState,
  stream: SinkStream,
  pending: ReadonlyArray<PendingEntry>,
  minIdleMillis: number
) {
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
  if (again.length > 0) {
    yield* Metric.update(stream.claimed, again.length)
    yield* deliver(state, stream, again)
  }
  if (dead.length > 0) {
    yield* writeDeadLetters(
      redis,
      stream.name,
      state.name,
      dead.map((entry) => ({ id: entry.id, fields: entry.fields, deliveries: deliveries.get(entry.id) ?? 0 }))
    )
    yield* Metric.update(stream.deadLettered, dead.length)
    yield* Effect.logWarning(
      `moved ${dead.length} event(s) of ${stream.name} to ${deadLetterStreamName(stream.name)} after ${limit} deliveries`
    )
  }
  return again.length
})

/** Claims the entries of `stream` idle for a grace period or more; how many were delivered again. */
const claimIdle = (state: SinkState, stream: SinkStream, budget: number) =>
  recoveringLostGroups(
    state,
    state.redis.xpendingRange(stream.key, state.name, {
      start: "-",
      end: "+",
      count: budget,
      minIdleMillis: state.graceMillis
    }),
    []
  ).pipe(
    Effect.flatMap((pending) =>
      pending.length === 0 ? Effect.succeed(0) : claimPending(state, stream, pending, state.graceMillis)
    )
  )

/**
 * Deletes the consumers that stopped beating two grace periods ago (or, for
 * consumers that never beat, such as Go Pulse's, that Redis saw idle that
 * long), after claiming their pending entries.
 */
const removeStaleConsumers = Effect.fnUntraced(function* (state: SinkState, budget: number) {
  const { redis } = state
  const beats = yield* redis.hgetall(state.keepAliveKey)
  const time = yield* now
  const staleAfter = 2 * state.graceMillis
  const seen = new Set<string>()
  for (const stream of state.streams.values()) {
    const consumers = yield* recoveringLostGroups(state, redis.xinfoConsumers(stream.key, state.name), [])
    for (const consumer of consumers) {
      seen.add(consumer.name)
      if (consumer.name === state.consumer) continue
      const beat = beats[consumer.name]
      const stale = beat === undefined ? consumer.idleMillis > staleAfter : time - Number(beat) > staleAfter
      if (!stale) continue
      // Unmarked first: should the consumer come back, its next beat tells it to rejoin under a new name.
      if (beat !== undefined) yield* redis.hdel(state.keepAliveKey, [consumer.name])
      if (consumer.pending > 0 && budget > 0) {
        const pending = yield* redis.xpendingRange(stream.key, state.name, {
          start: "-",
          end: "+",
          count: budget,
          consumer: consumer.name
        })
        budget -= yield* claimPending(state, stream, pending, 0)
      }
      if (yield* redis.xgroupDelConsumerIfNoPending(stream.key, state.name, consumer.name)) {
        yield* Effect.logInfo(`removed stale consumer ${consumer.name} of sink ${state.name} from ${stream.name}`)
      }
    }
  }
  // Beats of consumers that no longer exist in any group would otherwise pile up.
  const gone = Object.keys(beats).filter(
    (name) => !seen.has(name) && name !== state.consumer && time - Number(beats[name]) > staleAfter
  )
  if (gone.length > 0) yield* redis.hdel(state.keepAliveKey, gone)
})

/**
 * One claim check, run by the consumer that wins the lease. Claims no more
 * than the subscribers' buffers can take.
 */
export const claimCheck = (state: SinkState): Effect.Effect<void, SinkError> =>
  Effect.gen(function* () {
    if (state.noAck) return
    let budget = yield* state.subscribers.awaitRoom
    // The lease lapses just before the holder's next check: Redis keeps a key
    // until its expiry time has passed, so a lease of exactly one interval
    // would make the holder skip every other check.
    const leased = yield* state.redis.set(state.leaseKey, state.consumer, {
      onlyIfMissing: true,
      expireMillis: Math.max(1, state.checkIntervalMillis - 1)
    })
    if (!leased) return
    for (const stream of state.streams.values()) {
      if (budget <= 0) break
      budget -= yield* claimIdle(state, stream, budget)
    }
    yield* removeStaleConsumers(state, budget)
  })

/**
 * Hands an event back by making it look idle for a whole grace period, so
 * that the next claim check delivers it again. The claim only succeeds if
 * the entry was not delivered again since this consumer got it (its idle
 * time is at least the time since then): a late nack must not take the
 * event away from the consumer that holds it now.
 */
export const nack = Effect.fnUntraced(function* (state: SinkState, stream: SinkStream, event: Event) {
  const time = yield* now
  const heldFor = Math.max(0, time - (state.deliveredAt.get(event) ?? time))
  const moved = yield* state.redis.xclaimJustId(stream.key, state.name, state.consumer, heldFor, [event.id], {
    idleMillis: state.graceMillis
  })
  yield* Metric.update(stream.nacked, moved.length)
})
