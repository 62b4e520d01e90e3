/**
 * The claim-check lease of a sink, as Go Pulse takes it (v1.6.5,
 * `streaming/sink.go`): the key `sink:<sink>:stalelease` holds the lease's
 * expiry time (epoch milliseconds) and expires itself at that time (`PX`).
 * Every consumer tries to take it every 500 ms (`checkIdlePeriod`) for 495
 * ms, with Go's own get-compare-set script (`RedisClient.runScript`,
 * `leaseAcquire`): it is taken when the key is missing or holds a time
 * before now. The holder then runs the claim check (`XAUTOCLAIM` of entries
 * idle for its grace period) and removes stale consumers (see
 * `sinkKeepAlive.ts`). The lease is never released early.
 *
 * The lease is shared by Go and effect-pulse consumers of a sink, so one
 * claim check runs at a time whichever library runs it. The comparison uses
 * each process's own clock: clocks apart by more than the lease let two
 * holders overlap, which Go accepts (claims re-check idle times).
 *
 * @internal
 */
import { Clock, Effect } from "effect"
import type { Service as RedisService } from "../RedisClient.js"
import { goSinkLeaseKey } from "./keys.js"

/** How often Go's consumers try to take the lease. */
export const checkIntervalMillis = 500

/** How long Go takes it for: just under the interval, so that the holder can take it again next time. */
export const leaseMillis = checkIntervalMillis - 5

/** Tries to take the lease of `sink` for `millis`; whether it was taken. */
export const acquire = Effect.fnUntraced(function* (redis: RedisService, sink: string, millis: number = leaseMillis) {
  const now = yield* Clock.currentTimeMillis
  const taken = yield* redis.runScript(
    "leaseAcquire",
    [goSinkLeaseKey(sink)],
    [String(now + millis), String(now), String(millis)]
  )
  return taken === 1
})
