/**
 * Checks of user input, run before anything reaches Redis.
 *
 * @internal
 */
import { Duration, Effect, Option } from "effect"
import { InvalidName, InvalidOption } from "../Errors.js"

const forbiddenInName = /[\s\0*?[\]]/

/**
 * Stream and sink names follow the rules of Go Pulse: 1 to 512 characters,
 * none of them whitespace, NUL or a glob character (`*`, `?`, `[`, `]`),
 * which would make the keys awkward to address with `SCAN` or `KEYS`.
 */
export const validateName = (kind: "stream" | "sink", name: string): Effect.Effect<string, InvalidName> => {
  if (typeof name !== "string" || name.length === 0) {
    return Effect.fail(new InvalidName({ name: String(name), message: `a ${kind} name may not be empty` }))
  }
  if (name.length > 512) {
    return Effect.fail(
      new InvalidName({ name, message: `a ${kind} name has at most 512 characters, got ${name.length}` })
    )
  }
  const forbidden = forbiddenInName.exec(name)
  if (forbidden !== null) {
    return Effect.fail(
      new InvalidName({
        name,
        message: `a ${kind} name may not contain whitespace, NUL, '*', '?', '[' or ']'; found ${JSON.stringify(forbidden[0])} at ${forbidden.index}`
      })
    )
  }
  return Effect.succeed(name)
}

const entryId = /^(\d{1,20})(?:-(\d{1,20}))?$/
const maxUnsigned64 = 18446744073709551615n

/** Whether `id` is a stream entry ID as Redis accepts it: `<ms>` or `<ms>-<seq>`, both unsigned 64-bit. */
export const isEntryId = (id: string): boolean => {
  const match = entryId.exec(id)
  if (match === null) return false
  return BigInt(match[1]!) <= maxUnsigned64 && (match[2] === undefined || BigInt(match[2]) <= maxUnsigned64)
}

/** Fails with `InvalidOption`, naming the option, unless every one of `ids` is an entry ID. */
export const validateEntryIds = (option: string, ids: ReadonlyArray<string>): Effect.Effect<void, InvalidOption> => {
  const malformed = ids.find((id) => !isEntryId(id))
  return malformed === undefined
    ? Effect.void
    : Effect.fail(new InvalidOption({ option, message: `not an entry ID: ${JSON.stringify(malformed)}` }))
}

/** Fails with `InvalidOption` unless `value` is an integer of at least `minimum`. */
export const validateInteger = (
  option: string,
  value: number,
  minimum: number
): Effect.Effect<number, InvalidOption> =>
  Number.isSafeInteger(value) && value >= minimum
    ? Effect.succeed(value)
    : Effect.fail(
        new InvalidOption({ option, message: `${option} must be an integer of at least ${minimum}, got ${value}` })
      )

/**
 * Decodes a duration option. `minimumMillis` is inclusive; durations are
 * rounded down to whole milliseconds, Redis's resolution.
 */
export const validateDuration = (
  option: string,
  value: Duration.Input,
  minimumMillis: number
): Effect.Effect<number, InvalidOption> => {
  const decoded = Option.getOrUndefined(Duration.fromInput(value))
  if (decoded === undefined) {
    return Effect.fail(new InvalidOption({ option, message: `${option} is not a duration: ${String(value)}` }))
  }
  const millis = Duration.toMillis(decoded)
  if (!(millis >= minimumMillis) || (Number.isFinite(millis) && !Number.isSafeInteger(Math.floor(millis)))) {
    return Effect.fail(
      new InvalidOption({
        option,
        message: `${option} must be at least ${minimumMillis} ms, got ${Duration.format(decoded)}`
      })
    )
  }
  return Effect.succeed(Math.floor(millis))
}
