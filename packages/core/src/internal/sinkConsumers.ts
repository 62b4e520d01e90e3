/**
 * A sink's consumers as Go Pulse keeps them (v1.6.5), so that the consumers
 * of one sink may be any mix of Go and effect-pulse processes, each seeing
 * the others alive:
 *
 * - Keep-alive (`sinkKeepAlive`): each consumer beats when it starts and
 *   every check interval, with published writes Go's replicas see. After
 *   the first beat, a missing entry means another consumer declared this one
 *   stale (it was paused or cut off for two grace periods) and may have
 *   taken its events: it goes on under a new name instead of competing.
 * - Registry (`sinkRegistry`): each consumer is listed in the sinks map of
 *   every stream it reads (see `sinkGroups.joinGroup`), and unlisted when it
 *   leaves a stream for good.
 * - Stale consumers: the lease holder judges the consumers of the streams
 *   it reads, and only those: by their beat (stale after two of its grace
 *   periods, Go's rule), or, for a consumer without a keep-alive entry (a Go
 *   consumer between its creation and its first beat), by the idle time
 *   Redis reports. Unlike Go, it claims a stale consumer's pending events
 *   first and deletes it only with `xgroupDelConsumerIfNoPending`: deleting
 *   a Redis consumer drops its pending list. Keep-alive entries of consumers
 *   in no group it reads are left alone: they may be same-named sinks on
 *   other streams with a longer grace period.
 *
 * @internal
 */
import { Effect } from "effect"
import type { RedisError } from "../Errors.js"
import type { PendingEntry } from "../RedisClient.js"
import { quietWhileGone } from "./sinkGroups.js"
import * as SinkKeepAlive from "./sinkKeepAlive.js"
import * as SinkRegistry from "./sinkRegistry.js"
import type { SinkState, SinkStream } from "./sinkState.js"
import { forgetLongHeld, newConsumerName, now } from "./sinkState.js"

/**
 * The heartbeat of one consumer: its first run records the consumer before
 * it joins a group; each later run beats and rejoins under a new name when
 * the entry had been removed. Rejoining only registers the new consumer in
 * the existing groups (`XGROUP CREATECONSUMER`, never `MKSTREAM`).
 */
export const makeHeartbeat = (state: SinkState): Effect.Effect<void, RedisError> => {
  let beaten = false
  return Effect.gen(function* () {
    if (state.subscribers.isEnded()) return
    forgetLongHeld(state, yield* now)
    const existed = yield* SinkKeepAlive.beat(state.redis, state.name, state.consumer)
    if (existed || !beaten) {
      beaten = true
      return
    }
    yield* rejoin(state)
  })
}

/**
 * Goes on under a new name. The beat that found the entry missing wrote it
 * again: the old name is retired as on close, keeping its entry only while
 * it still holds events, for the consumer that claims them.
 */
const rejoin = Effect.fnUntraced(function* (state: SinkState) {
  const { redis } = state
  const previous = state.consumer
  state.consumer = newConsumerName()
  yield* Effect.logWarning(`consumer ${previous} was declared stale; rejoining as ${state.consumer}`)
  yield* SinkKeepAlive.beat(redis, state.name, state.consumer)
  for (const stream of state.streams.values()) {
    yield* quietWhileGone(state, stream, redis.xgroupCreateConsumer(stream.key, state.name, state.consumer), false)
    yield* SinkRegistry.register(redis, stream.name, state.name, state.consumer, stream.ttl)
  }
  yield* retire(state, previous)
})

/**
 * Deletes the stale consumers of the streams this consumer reads, after
 * handing their pending entries to `claim` (at most `budget` of them);
 * returns the budget left.
 */
export const removeStale = Effect.fnUntraced(function* (
  state: SinkState,
  budget: number,
  claim: (stream: SinkStream, pending: ReadonlyArray<PendingEntry>) => Effect.Effect<number, RedisError>
) {
  const { redis } = state
  const beats = yield* SinkKeepAlive.beats(redis, state.name)
  const nanos = yield* SinkKeepAlive.nowNanos
  const staleAfterMillis = 2 * state.graceMillis
  for (const stream of state.streams.values()) {
    const consumers = yield* quietWhileGone(state, stream, redis.xinfoConsumers(stream.key, state.name), [])
    for (const consumer of consumers) {
      if (consumer.name === state.consumer) continue
      const beat = beats.get(consumer.name)
      const stale =
        beat === undefined
          ? consumer.idleMillis > staleAfterMillis
          : SinkKeepAlive.isStale(beat, nanos, state.graceMillis)
      if (!stale) continue
      // Unmarked first: should the consumer come back, its next beat tells it to rejoin under a new name.
      if (beat !== undefined) yield* SinkKeepAlive.forget(redis, state.name, consumer.name)
      if (consumer.pending > 0 && budget > 0) {
        const pending = yield* redis.xpendingRange(stream.key, state.name, {
          start: "-",
          end: "+",
          count: budget,
          consumer: consumer.name
        })
        budget -= yield* claim(stream, pending)
      }
      if (yield* redis.xgroupDelConsumerIfNoPending(stream.key, state.name, consumer.name)) {
        yield* SinkRegistry.unregister(redis, stream.name, state.name, consumer.name, stream.ttl)
        yield* Effect.logInfo(`removed stale consumer ${consumer.name} of sink ${state.name} from ${stream.name}`)
      }
    }
  }
  return budget
})

/**
 * Leaves one stream for good (`removeStream`): deletes this consumer from
 * the group unless it still holds events, unlists it, and destroys the
 * group when, as Go Pulse decides, no consumer of the sink is listed on the
 * stream any more, and, more cautiously than Go, none is left in the group.
 */
export const leaveStream = Effect.fnUntraced(function* (state: SinkState, stream: SinkStream) {
  const { redis } = state
  yield* redis.xgroupDelConsumerIfNoPending(stream.key, state.name, state.consumer)
  const listed = yield* SinkRegistry.unregister(redis, stream.name, state.name, state.consumer, stream.ttl)
  if (listed.length > 0) return
  const groups = yield* redis.xinfoGroups(stream.key).pipe(Effect.catch(() => Effect.succeed([])))
  if (groups.some((group) => group.name === state.name && group.consumers === 0)) {
    yield* redis.xgroupDestroy(stream.key, state.name)
  }
})

/** Whether `consumer` still holds pending events of `stream` (false when the key or group is gone). */
const holdsEvents = (state: SinkState, stream: SinkStream, consumer: string) =>
  state.redis.xinfoConsumers(stream.key, state.name).pipe(
    Effect.map((consumers) => consumers.some((info) => info.name === consumer && info.pending > 0)),
    Effect.catchIf(
      (error) => error._tag === "RedisCommandError",
      () => Effect.succeed(false)
    )
  )

/**
 * On close: deletes this consumer from each group where it holds nothing,
 * and unlists it there. Where it still holds events it stays, listed and
 * with its keep-alive entry (as a closing Go consumer does), so that another
 * consumer claims them and removes it once it is stale; Go would delete it
 * at once, events and all, without the entry. Nothing is written for a
 * stream whose key or group is gone (a destroyed stream's sinks map stays
 * destroyed).
 */
export const leave = (state: SinkState): Effect.Effect<void, RedisError> => retire(state, state.consumer)

/** Removes `consumer` from the groups where it holds nothing; forgets its beat unless it holds events somewhere. */
const retire = Effect.fnUntraced(function* (state: SinkState, consumer: string) {
  const { redis } = state
  let holding = false
  for (const stream of state.streams.values()) {
    if (yield* redis.xgroupDelConsumerIfNoPending(stream.key, state.name, consumer)) {
      yield* SinkRegistry.unregister(redis, stream.name, state.name, consumer, stream.ttl)
    } else if (yield* holdsEvents(state, stream, consumer)) {
      holding = true
    }
  }
  if (!holding) yield* SinkKeepAlive.forget(redis, state.name, consumer)
})
