/**
 * Where a reader or a sink starts reading a stream.
 *
 * @example
 * ```ts
 * import { Effect } from "effect"
 * import { EventStream, StartAt } from "@effect-pulse/core"
 *
 * const replay = Effect.gen(function*() {
 *   const orders = yield* EventStream.make("orders")
 *   return yield* orders.reader({ start: StartAt.oldest })
 * })
 * ```
 *
 * @since 0.1.0
 */
import { DateTime, Effect } from "effect"
import { InvalidOption } from "./Errors.js"
import { isEntryId } from "./internal/validation.js"

/**
 * A start position: the oldest entry still stored, the entries added after
 * the reader or sink was created (`newest`), the entries after a given ID, or
 * the entries added at or after a given time.
 *
 * @example
 * ```ts
 * import { StartAt } from "@effect-pulse/core"
 *
 * const positions: ReadonlyArray<StartAt.StartAt> = [StartAt.oldest, StartAt.newest, StartAt.after("1700000000000-0")]
 * ```
 *
 * @since 0.1.0
 * @category models
 */
export type StartAt =
  | { readonly _tag: "Oldest" }
  | { readonly _tag: "Newest" }
  | { readonly _tag: "After"; readonly id: string }
  | { readonly _tag: "At"; readonly epochMillis: number }

/**
 * Start with the oldest entry the stream still holds.
 *
 * @example
 * ```ts
 * import { StartAt } from "@effect-pulse/core"
 *
 * const options = { start: StartAt.oldest }
 * ```
 *
 * @since 0.1.0
 * @category constructors
 */
export const oldest: StartAt = { _tag: "Oldest" }

/**
 * Start after the stream's last entry at the moment the reader or sink is
 * created: only events added from then on are read. The default.
 *
 * @example
 * ```ts
 * import { StartAt } from "@effect-pulse/core"
 *
 * const options = { start: StartAt.newest }
 * ```
 *
 * @since 0.1.0
 * @category constructors
 */
export const newest: StartAt = { _tag: "Newest" }

/**
 * Start after the entry with this ID (`"0"` reads everything). When that
 * entry was trimmed away, reading starts with the oldest entry after it.
 * A malformed ID is reported as `InvalidOption` when the reader or sink is
 * created.
 *
 * @example
 * ```ts
 * import { StartAt } from "@effect-pulse/core"
 *
 * declare const lastSeenId: string
 * const options = { start: StartAt.after(lastSeenId) }
 * ```
 *
 * @since 0.1.0
 * @category constructors
 */
export const after = (id: string): StartAt => ({ _tag: "After", id })

/**
 * Start with the first entry added at or after this time.
 *
 * @example
 * ```ts
 * import { StartAt } from "@effect-pulse/core"
 *
 * const lastHour = StartAt.at(Date.now() - 3_600_000)
 * ```
 *
 * @since 0.1.0
 * @category constructors
 */
export const at = (time: Date | DateTime.DateTime | number): StartAt => ({
  _tag: "At",
  epochMillis: DateTime.isDateTime(time)
    ? DateTime.toEpochMillis(time)
    : typeof time === "number"
      ? time
      : time.getTime()
})

/**
 * Checks a start position, failing with `InvalidOption` for a malformed ID
 * or a time that is not a non-negative whole number of milliseconds.
 *
 * @example
 * ```ts
 * import { StartAt } from "@effect-pulse/core"
 *
 * const checked = StartAt.validate(StartAt.after("not-an-id")) // fails with InvalidOption
 * ```
 *
 * @since 0.1.0
 * @category validation
 */
export const validate = (start: StartAt): Effect.Effect<StartAt, InvalidOption> => {
  switch (start._tag) {
    case "After":
      return isEntryId(start.id)
        ? Effect.succeed(start)
        : Effect.fail(
            new InvalidOption({
              option: "start",
              message: `StartAt.after needs an entry ID such as "1700000000000-0" or "0", got ${JSON.stringify(start.id)}`
            })
          )
    case "At":
      return Number.isSafeInteger(start.epochMillis) && start.epochMillis >= 0
        ? Effect.succeed(start)
        : Effect.fail(
            new InvalidOption({
              option: "start",
              message: `StartAt.at needs a valid time at or after 1970, got ${start.epochMillis}`
            })
          )
    default:
      return Effect.succeed(start)
  }
}
