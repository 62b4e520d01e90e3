/**
 * The claim-check lease of a sink: one consumer at a time, Go Pulse's or
 * effect-pulse's, runs the full claim check (claims for every stream it
 * reads, removal of stale consumers). It is Go Pulse's lease (v1.6.5,
 * `streaming/sink.go`): the key `sink:<sink>:stalelease` holds the lease's
 * expiry time (epoch milliseconds) and expires itself at that time (`PX`),
 * taken with Go's own get-compare-set script (`RedisClient.runScript`,
 * `leaseAcquire`) when the key is missing or holds a time before now. Go's
 * consumers try every 500 ms for 495 ms; effect-pulse's every check
 * interval for just under it, and at most as long as Go's.
 *
 * Unlike Go, a closing effect-pulse consumer releases the lease at once,
 * and only while it still holds it (compare-and-delete on the expiry time
 * it wrote). Claims are atomic, so the lease only saves redundant work; a
 * consumer without it still claims its own streams' overdue events (see
 * `sinkClaims.claimOverdue`). The comparison uses each process's own clock:
 * clocks apart by more than the lease let two holders overlap, which Go
 * accepts too (claims re-check idle times).
 *
 * @internal
 */
import { Clock, Effect } from "effect"
import type { RedisError } from "../Errors.js"
import type { Service as RedisService } from "../RedisClient.js"
import { goSinkLeaseKey } from "./keys.js"

export interface Lease {
  /** Takes the lease unless another consumer holds it; whether this one holds it now. */
  readonly acquire: Effect.Effect<boolean, RedisError>
  /** Gives the lease up, only if this consumer still holds it. */
  readonly release: Effect.Effect<void, RedisError>
}

/** How long Go's consumers take the lease for: just under their 500 ms check interval. */
export const goLeaseMillis = 495

/**
 * How long a consumer that checks every `checkIntervalMillis` takes the
 * lease for: it lapses just before the holder's next check (Redis keeps a
 * key until its expiry time has passed, so a lease of exactly one interval
 * would make the holder skip every other check), and never for longer than
 * a Go consumer takes it. A holder only claims for the streams it reads: a
 * lease held for a whole 5 s interval would keep the Go consumers of the
 * sink's other streams from their claim checks nearly all the time.
 */
export const leaseMillisFor = (checkIntervalMillis: number): number =>
  Math.min(goLeaseMillis, Math.max(1, checkIntervalMillis - Math.min(5, Math.floor(checkIntervalMillis / 10) || 1)))

/** The lease of `sink`, taken for `leaseMillis` at a time. */
export const make = (redis: RedisService, sink: string, leaseMillis: number): Lease => {
  const key = goSinkLeaseKey(sink)
  // The expiry this consumer wrote when it last took the lease: the lease is still its own while the key holds it.
  let held: string | undefined
  return {
    acquire: Effect.gen(function* () {
      const now = yield* Clock.currentTimeMillis
      const expiry = String(now + leaseMillis)
      const taken = (yield* redis.runScript("leaseAcquire", [key], [expiry, String(now), String(leaseMillis)])) === 1
      if (taken) held = expiry
      return taken
    }),
    release: Effect.suspend(() => {
      if (held === undefined) return Effect.void
      const expiry = held
      held = undefined
      return Effect.asVoid(redis.delIfEquals(key, expiry))
    })
  }
}
