/**
 * Retry schedules of failed handlers: how long a failed event waits before
 * it is delivered again. The schedule is stepped by the event's delivery
 * count rather than by a counter of this process, since the retry may come
 * to another consumer (or to this one after a restart): the n-th failed
 * delivery waits what the schedule's n-th step says.
 *
 * @internal
 */
import { Duration, Effect, Exit, Schedule } from "effect"

/** A retry schedule as `handle` and `process` take it: only its delays matter. */
export type RetrySchedule = Schedule.Schedule<unknown, unknown>

const defaultCap = Duration.minutes(1)

/**
 * The default: 1 s, doubling, each delay jittered (x0.8 to x1.2), at most one
 * minute. So a
 * handler that always fails costs a delivery after ~1, 2, 4, 8, 16 s, ... not
 * one every 50 ms.
 */
export const defaultRetry: RetrySchedule = Schedule.exponential("1 second").pipe(
  Schedule.jittered,
  Schedule.modifyDelay(({ duration }) => Effect.succeed(Duration.min(duration, defaultCap)))
)

/**
 * The delay (whole milliseconds) before the next delivery of an event that
 * failed on its `deliveries`-th delivery, or `undefined` when the schedule
 * ended before that step: no retry is left.
 */
export const delayAfter = (schedule: RetrySchedule, deliveries: number): Effect.Effect<number | undefined> =>
  Effect.gen(function* () {
    const step = yield* Schedule.toStep(schedule)
    let delay = Duration.zero
    for (let attempt = 0; attempt < Math.max(1, deliveries); attempt++) {
      const exit = yield* Effect.exit(step(0, undefined))
      // The step ends with `Cause.Done` when the schedule is over, and a schedule that fails ends the retries too.
      if (Exit.isFailure(exit)) return undefined
      delay = exit.value[1]
    }
    const millis = Duration.toMillis(delay)
    return Number.isFinite(millis) ? Math.max(0, Math.floor(millis)) : Number.MAX_SAFE_INTEGER
  })
