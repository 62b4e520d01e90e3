/**
 * The keep-alive of a sink's consumers, in Go Pulse's format (v1.6.5,
 * `streaming/sink.go`): the replicated map `sink:<sink>:keepalive` (see
 * `replicatedMap.ts`), consumer name -> the time of its last beat in
 * nanoseconds since the epoch (Go's `UnixNano`, as decimal text). The map is
 * per sink, shared by all its streams, and has no TTL.
 *
 * What Go does with it, which effect-pulse must keep true for Go's sake:
 * - A Go consumer writes its entry when it is created and then every ack
 *   grace period (its ticker runs at the grace period, not half of it).
 * - It calls a consumer stale when its beat is more than two grace periods
 *   old (`time.Since(beat) > 2 * ackGracePeriod`), with its own grace period.
 * - When a Go sink is created, and after every claim check it runs (every
 *   500 ms while it holds the lease, see `sinkLease.ts`), it walks the
 *   group's consumers (`XINFO CONSUMERS`) against its replica of this map:
 *   a consumer with no entry is deleted at once with `XGROUP DELCONSUMER`
 *   (which drops its pending entries: they are lost); a stale one is deleted
 *   the same way, then its entry and its place in the sinks map are removed.
 *   It claims idle entries (`XAUTOCLAIM`, min idle = its grace period) before
 *   that, but never the entries of the consumer it deletes: a consumer that
 *   holds events younger than the grace period loses them. This is why an
 *   effect-pulse consumer must beat here, in time for Go's grace period.
 * - A Go consumer whose own last beat is over two grace periods old
 *   (`ensureConsumer`) goes on under a new name.
 *
 * @internal
 */
import { Clock, Effect } from "effect"
import type { RedisError } from "../Errors.js"
import type { Service as RedisService } from "../RedisClient.js"
import { goKeepAliveMapName } from "./keys.js"
import * as ReplicatedMap from "./replicatedMap.js"

/** The keep-alive map of `sink`. */
export const keepAliveMap = (sink: string): ReplicatedMap.ReplicatedMap =>
  ReplicatedMap.replicatedMap(goKeepAliveMapName(sink))

/** The current time as Go's `time.Now().UnixNano()`, from effect's `Clock` (so that `TestClock` drives it). */
export const nowNanos: Effect.Effect<bigint> = Clock.currentTimeNanos

/**
 * Records a beat of `consumer` now. Whether its entry was there: after its
 * first beat, a missing entry means another consumer (Go or effect-pulse)
 * declared it stale and may have deleted it from the group.
 */
export const beat = Effect.fnUntraced(function* (redis: RedisService, sink: string, consumer: string) {
  const time = yield* nowNanos
  const { existed } = yield* ReplicatedMap.set(redis, keepAliveMap(sink), consumer, String(time))
  return existed
})

/** Removes the entry of `consumer`; whether it had one. */
export const forget = (redis: RedisService, sink: string, consumer: string): Effect.Effect<boolean, RedisError> =>
  Effect.map(ReplicatedMap.remove(redis, keepAliveMap(sink), consumer), (previous) => previous !== undefined)

/**
 * The last beat of every consumer, in epoch nanoseconds. An entry Go could
 * not parse either (Go logs it and leaves the consumer alone) is left out.
 */
export const beats = (redis: RedisService, sink: string): Effect.Effect<ReadonlyMap<string, bigint>, RedisError> =>
  Effect.map(ReplicatedMap.read(redis, keepAliveMap(sink)), ({ entries }) => {
    const result = new Map<string, bigint>()
    for (const [consumer, text] of entries) {
      if (/^-?\d+$/.test(text)) result.set(consumer, BigInt(text))
    }
    return result
  })

/** Go's staleness rule: a beat more than two grace periods before `nanos`. */
export const isStale = (beatNanos: bigint, nanos: bigint, graceMillis: number): boolean =>
  nanos - beatNanos > 2n * BigInt(graceMillis) * 1_000_000n
