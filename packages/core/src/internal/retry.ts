/**
 * The backoff of polling loops: failures that say nothing about the command
 * itself are retried until Redis answers again; anything else is a real
 * failure and is not retried.
 *
 * @internal
 */
import { Duration, Effect, Metric, Schedule } from "effect"
import type { RedisError } from "../Errors.js"
import { readsRetried } from "./metrics.js"

const maxDelay = Duration.seconds(5)

/** 50 ms, doubling, at most 5 s between attempts, forever. */
export const reconnectSchedule = Schedule.exponential("50 millis").pipe(
  Schedule.modifyDelay(({ duration }) => Effect.succeed(Duration.min(duration, maxDelay)))
)

/**
 * Retries `effect` while it fails with a transient error, logging each
 * failure at Warn and counting it in `pulse_reads_retried`: a lost
 * connection, or `UNBLOCKED` (an operator's `CLIENT UNBLOCK <id> ERROR`, a
 * failover): the blocked command was cut short, the connection is fine and
 * the same command may be sent again.
 */
export const retryWhileDisconnected = <A, E extends { readonly _tag: string }, R>(
  effect: Effect.Effect<A, E, R>
): Effect.Effect<A, E, R> =>
  effect.pipe(
    Effect.tapError((error) =>
      isTransient(error)
        ? Effect.andThen(
            Effect.logWarning(
              error._tag === "RedisConnectionError"
                ? "Redis connection lost; retrying with backoff"
                : "Redis cut a blocked read short (UNBLOCKED); retrying with backoff",
              error.message
            ),
            Metric.update(readsRetried, 1)
          )
        : Effect.void
    ),
    Effect.retry({ schedule: reconnectSchedule, while: isTransient })
  )

/** Whether `error` is a lost connection or an `UNBLOCKED` reply, worth sending the command again. */
export const isTransient = (error: { readonly _tag: string }): error is RedisError =>
  error._tag === "RedisConnectionError" ||
  (error._tag === "RedisCommandError" && (error as { readonly code?: unknown }).code === "UNBLOCKED")
