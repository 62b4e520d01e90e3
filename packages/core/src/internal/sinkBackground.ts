/**
 * A sink's background fibers: forked in the sink's scope and raced with the
 * end of its streams, so that once the sink is closed or its streams ended
 * nothing of it writes to Redis. Periodic work that fails is logged and
 * retried at the next interval; it never ends the sink.
 *
 * @internal
 */
import { Effect, Schedule, type Scope } from "effect"
import type { RedisError } from "../Errors.js"
import { retryWhileDisconnected } from "./retry.js"

export interface SinkBackground {
  /** Forks `effect` among the sink's fibers, unless its streams already ended. */
  readonly fork: (effect: Effect.Effect<void>) => Effect.Effect<void>
  /** Runs `effect` every `intervalMillis`, for ever; `what` names it in logs. Fork it. */
  readonly every: (effect: Effect.Effect<void, RedisError>, what: string, intervalMillis: number) => Effect.Effect<void>
}

export const make = (
  scope: Scope.Scope,
  subscribers: { readonly isEnded: () => boolean; readonly ended: Effect.Effect<void> },
  annotations: Record<string, string>
): SinkBackground => {
  const fork = (effect: Effect.Effect<void>) =>
    Effect.suspend(() =>
      subscribers.isEnded()
        ? Effect.void
        : Effect.asVoid(
            Effect.forkIn(Effect.raceFirst(Effect.annotateLogs(effect, annotations), subscribers.ended), scope)
          )
    )
  const every = (effect: Effect.Effect<void, RedisError>, what: string, intervalMillis: number) =>
    retryWhileDisconnected(effect).pipe(
      Effect.catch((error) => Effect.logError(`sink ${what} failed; retrying at the next interval`, error)),
      Effect.repeat(Schedule.spaced(intervalMillis)),
      Effect.asVoid
    )
  return { fork, every }
}
