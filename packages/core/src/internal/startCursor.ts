/**
 * Where reading starts, as the ID to read after. The position is resolved
 * once, when a reader or sink is created, so that it does not move while
 * nobody is reading yet.
 *
 * @internal
 */
import { Effect } from "effect"
import type { RedisError } from "../Errors.js"
import type { Service } from "../RedisClient.js"
import type { StartAt } from "../StartAt.js"

const maxSequence = "18446744073709551615"

/**
 * The ID just before the first entry added at `epochMillis`: the last
 * possible ID of the previous millisecond, since reads start after an ID.
 */
export const idBefore = (epochMillis: number): string =>
  epochMillis === 0 ? "0-0" : `${epochMillis - 1}-${maxSequence}`

/**
 * The ID after which reading starts. `newest` resolves to the stream's last
 * generated ID now (`0-0` for a stream that does not exist yet, so that its
 * first entries are read).
 */
export const startCursor = (redis: Service, key: string, start: StartAt): Effect.Effect<string, RedisError> => {
  switch (start._tag) {
    case "Oldest":
      return Effect.succeed("0-0")
    case "After":
      return Effect.succeed(start.id)
    case "At":
      return Effect.succeed(idBefore(start.epochMillis))
    case "Newest":
      return redis.xinfoStream(key).pipe(
        Effect.map((info) => info.lastGeneratedId),
        Effect.catchIf(
          (error) => error._tag === "RedisCommandError" && error.code === "ERR",
          () => Effect.succeed("0-0")
        )
      )
  }
}
