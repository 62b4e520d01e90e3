/**
 * The claim-check lease: one consumer of a sink at a time runs the full
 * claim check (claims for every stream, removal of stale consumers). It is
 * taken with `SET NX PX` for just under one check interval, so it is never
 * stuck, and released at once (compare-and-delete) when its holder closes.
 * Claims are atomic, so the lease only saves redundant work; a consumer
 * without it still claims its own streams' overdue events (see
 * `sinkClaims.claimOverdue`). Everything about the lease's key and protocol
 * is in this module.
 *
 * @internal
 */
import { Effect } from "effect"
import type { RedisError } from "../Errors.js"
import type { Service as RedisService } from "../RedisClient.js"
import { sinkLeaseKey } from "./keys.js"

export interface Lease {
  /** Takes the lease for one check interval unless another consumer holds it; whether this one holds it now. */
  readonly acquire: Effect.Effect<boolean, RedisError>
  /** Gives the lease up, only if this consumer still holds it. */
  readonly release: Effect.Effect<void, RedisError>
}

export const make = (redis: RedisService, sink: string, checkIntervalMillis: number, holder: () => string): Lease => {
  const key = sinkLeaseKey(sink)
  // The holder's name when it took the lease: it changes if the consumer rejoins.
  let held: string | undefined
  return {
    // The lease lapses just before the holder's next check: Redis keeps a key
    // until its expiry time has passed, so a lease of exactly one interval
    // would make the holder skip every other check.
    acquire: Effect.suspend(() => {
      const value = holder()
      return redis.set(key, value, { onlyIfMissing: true, expireMillis: Math.max(1, checkIntervalMillis - 1) }).pipe(
        Effect.tap((taken) =>
          Effect.sync(() => {
            if (taken) held = value
          })
        )
      )
    }),
    release: Effect.suspend(() => {
      if (held === undefined) return Effect.void
      const value = held
      held = undefined
      return Effect.asVoid(redis.delIfEquals(key, value))
    })
  }
}
