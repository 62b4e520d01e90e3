/**
 * Checks of user input, run before anything reaches Redis.
 *
 * @internal
 */
import { Duration, Effect, Option } from "effect"
import { InvalidName, InvalidOption } from "../Errors.js"

const forbiddenInName = /[\s\0*?[\]]/

/**
 * A UTF-16 surrogate without its partner. Redis stores names as UTF-8,
 * where a lone surrogate has no encoding: it would be written as U+FFFD, so
 * two different names would share one key.
 */
const loneSurrogate = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/

/** The index of the first lone surrogate of `text`, or -1. */
export const loneSurrogateIndex = (text: string): number => loneSurrogate.exec(text)?.index ?? -1

/**
 * Stream and sink names follow the rules of Go Pulse: 1 to 512 characters,
 * none of them whitespace, NUL or a glob character (`*`, `?`, `[`, `]`),
 * which would make the keys awkward to address with `SCAN` or `KEYS`; and
 * they must be well-formed Unicode, so that each name has its own key. A
 * sink name may not contain `=` either: it is a key of Go Pulse's sinks map
 * (`sinkRegistry`), where `=` marks the map's own fields, and Go refuses it.
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
  if (kind === "sink" && name.includes("=")) {
    return Effect.fail(
      new InvalidName({
        name,
        message: `a sink name may not contain '=' (a key of Go Pulse's sinks map); found at ${name.indexOf("=")}`
      })
    )
  }
  const surrogate = loneSurrogateIndex(name)
  if (surrogate !== -1) {
    return Effect.fail(
      new InvalidName({
        name,
        message: `a ${kind} name must be well-formed Unicode; found a lone surrogate at ${surrogate}`
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

/**
 * The largest count or number of milliseconds an option may have. Redis
 * takes 64-bit integers for all of them; JavaScript numbers stay exact up to
 * 2^53 - 1, so that is the limit (in milliseconds, about 285,000 years).
 */
export const maxSafe = Number.MAX_SAFE_INTEGER

/** How a value the user gave is shown in a message: as given, strings quoted. */
export const show = (value: unknown): string => {
  if (typeof value === "string") return JSON.stringify(value)
  if (typeof value === "bigint") return `${value}n`
  if (Array.isArray(value)) return `[${value.map(show).join(", ")}]`
  if (Duration.isDuration(value)) return Duration.format(value)
  return String(value)
}

/** Fails with `InvalidOption` unless `value` is an integer from `minimum` to `maximum` (2^53 - 1 by default). */
export const validateInteger = (
  option: string,
  value: number,
  minimum: number,
  maximum: number = maxSafe
): Effect.Effect<number, InvalidOption> =>
  typeof value === "number" && Number.isSafeInteger(value) && value >= minimum && value <= maximum
    ? Effect.succeed(value)
    : Effect.fail(
        new InvalidOption({
          option,
          message: `${option} must be an integer from ${minimum} to ${maximum}, got ${show(value)}`
        })
      )

/** Whether a duration input holds a number that is not a number: effect reads `NaN` as zero. */
const holdsNaN = (value: unknown): boolean =>
  (typeof value === "number" && Number.isNaN(value)) || (Array.isArray(value) && value.some(holdsNaN))

/**
 * Decodes a duration option into whole milliseconds (Redis's resolution;
 * finer parts are rounded down), from `minimumMillis` to `maxSafe`. With
 * `infinite`, an infinite duration is accepted and decoded as that value
 * (for `blockDuration`, whose infinity is Redis's `BLOCK 0`). `NaN`, other
 * infinities and anything out of range fail with `InvalidOption`, the
 * message naming the range and the value given.
 */
export const validateDuration = (
  option: string,
  value: Duration.Input,
  minimumMillis: number,
  infinite?: number
): Effect.Effect<number, InvalidOption> => {
  const decoded = holdsNaN(value) ? undefined : Option.getOrUndefined(Duration.fromInput(value))
  if (decoded === undefined) {
    return Effect.fail(new InvalidOption({ option, message: `${option} is not a duration: ${show(value)}` }))
  }
  const millis = Duration.toMillis(decoded)
  if (millis === Infinity && infinite !== undefined) return Effect.succeed(infinite)
  const whole = Math.floor(millis)
  if (!(whole >= minimumMillis && whole <= maxSafe)) {
    return Effect.fail(
      new InvalidOption({
        option,
        message: `${option} must be a duration from ${minimumMillis} ms to ${maxSafe} ms${infinite === undefined ? "" : " or infinite"}, got ${show(value)}`
      })
    )
  }
  return Effect.succeed(whole)
}
