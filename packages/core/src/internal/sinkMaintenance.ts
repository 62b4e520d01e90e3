/**
 * The background work that makes sinks at-least-once: heartbeats, the claim
 * check, and the removal of consumers that stopped beating.
 *
 * Every consumer beats every check interval. The consumer holding the
 * sink's lease runs the full claim check; the others claim only their own
 * streams' overdue events (see `sinkClaims`). A consumer is stale after two
 * grace periods without a beat: its pending events are claimed first, and it
 * is deleted only by a command that refuses while it still has pending
 * events, because deleting a Redis consumer drops its pending list.
 *
 * None of it creates a stream key or a group: a sink whose streams ended
 * stops all of it, and a stream that vanished is the poller's to wait for.
 *
 * @internal
 */
import { Effect } from "effect"
import type { RedisError } from "../Errors.js"
import { claimIdle, claimOverdue, claimPending } from "./sinkClaims.js"
import { quietWhileGone } from "./sinkGroups.js"
import type { Lease } from "./sinkLease.js"
import type { SinkState } from "./sinkState.js"
import { newConsumerName, now } from "./sinkState.js"

/** Prunes what this consumer remembers holding once others have surely claimed it (a slow handler's events). */
const forgetLongHeld = (state: SinkState, time: number): void => {
  const limit = 3 * state.graceMillis + state.checkIntervalMillis
  for (const stream of state.streams.values()) {
    for (const [id, deliveredAt] of stream.unacked) if (time - deliveredAt > limit) stream.unacked.delete(id)
  }
}

/**
 * Records that the consumer is alive. `HSET` answers 1 when the field was
 * missing: after the first beat, that means another consumer declared this
 * one stale (it was paused or cut off for two grace periods) and may have
 * taken its events, so it rejoins under a new name instead of competing.
 * Rejoining only registers the new consumer in the existing groups
 * (`XGROUP CREATECONSUMER`, never `MKSTREAM`).
 */
export const makeHeartbeat = (state: SinkState): Effect.Effect<void, RedisError> => {
  let beaten = false
  return Effect.gen(function* () {
    if (state.subscribers.isEnded()) return
    const time = yield* now
    forgetLongHeld(state, time)
    const added = yield* state.redis.hset(state.keepAliveKey, state.consumer, String(time))
    if (added === 0 || !beaten) {
      beaten = true
      return
    }
    const previous = state.consumer
    state.consumer = newConsumerName()
    yield* Effect.logWarning(`consumer ${previous} was declared stale; rejoining as ${state.consumer}`)
    for (const stream of state.streams.values()) {
      yield* quietWhileGone(
        state,
        stream,
        state.redis.xgroupCreateConsumer(stream.key, state.name, state.consumer),
        false
      )
    }
    yield* state.redis.hset(state.keepAliveKey, state.consumer, String(yield* now))
  })
}

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
    const consumers = yield* quietWhileGone(state, stream, redis.xinfoConsumers(stream.key, state.name), [])
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
 * One claim check. The lease holder claims every stream's idle events and
 * removes stale consumers; the others claim their own overdue events. Claims
 * no more than the subscribers' buffers can take.
 */
export const claimCheck = (state: SinkState, lease: Lease): Effect.Effect<void, RedisError> =>
  Effect.gen(function* () {
    if (state.noAck || state.subscribers.isEnded()) return
    let budget = yield* state.subscribers.awaitRoom
    const leased = yield* lease.acquire
    for (const stream of state.streams.values()) {
      if (budget <= 0) break
      budget -= yield* leased ? claimIdle(state, stream, budget) : claimOverdue(state, stream, budget)
    }
    if (leased) yield* removeStaleConsumers(state, budget)
  })
