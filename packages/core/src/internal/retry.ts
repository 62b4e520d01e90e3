/**
 * The backoff of polling loops: connection failures are retried until Redis
 * answers again; anything else is a real failure and is not retried.
 *
 * @internal
 */
import { Duration, Effect, Schedule } from "effect"
import type { RedisError } from "../Errors.js"

const maxDelay = Duration.seconds(5)

/** 50 ms, doubling, at most 5 s between attempts, forever. */
export const reconnectSchedule = Schedule.exponential("50 millis").pipe(
  Schedule.modifyDelay(({ duration }) => Effect.succeed(Duration.min(duration, maxDelay)))
)

/** Retries `effect` while it fails with `RedisConnectionError`, logging each failure once. */
export const retryWhileDisconnected = <A, E extends { readonly _tag: string }, R>(
  effect: Effect.Effect<A, E, R>
): Effect.Effect<A, E, R> =>
  effect.pipe(
    Effect.tapError((error) =>
      isConnectionError(error)
        ? Effect.logWarning("Redis connection lost; retrying with backoff", (error as { message?: string }).message)
        : Effect.void
    ),
    Effect.retry({ schedule: reconnectSchedule, while: isConnectionError })
  )

const isConnectionError = (error: { readonly _tag: string }): error is RedisError =>
  error._tag === "RedisConnectionError"
