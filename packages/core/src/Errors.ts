/**
 * The typed failures of effect-pulse. Every failure is a value with a `_tag`,
 * so that callers recover with `Effect.catchTag` rather than string matching.
 *
 * @example
 * ```ts
 * import { Effect } from "effect"
 * import { EventStream } from "@effect-pulse/core"
 *
 * const program = EventStream.make("bad name").pipe(
 *   Effect.catchTag("InvalidName", (error) => Effect.logWarning(error.message))
 * )
 * ```
 *
 * @since 0.1.0
 */
import { Schema } from "effect"

/**
 * Redis could not be reached, or the connection dropped before a reply came.
 * Reads retry these on their own; adds report them so the caller can decide.
 *
 * @example
 * ```ts
 * import { Errors } from "@effect-pulse/core"
 *
 * const error = new Errors.RedisConnectionError({ message: "connect ECONNREFUSED 127.0.0.1:6390" })
 * ```
 *
 * @since 0.1.0
 * @category errors
 */
export class RedisConnectionError extends Schema.TaggedError<RedisConnectionError>()("RedisConnectionError", {
  message: Schema.String,
  cause: Schema.optional(Schema.Defect())
}) {}

/**
 * Redis answered a command with an error reply. `code` is the reply's leading
 * word (`NOGROUP`, `BUSYGROUP`, `WRONGTYPE`, `OOM`, `READONLY`, `ERR`, ...),
 * the part worth branching on.
 *
 * @example
 * ```ts
 * import { Effect } from "effect"
 * import { Errors } from "@effect-pulse/core"
 *
 * const ignoreExistingGroup = <A, R>(create: Effect.Effect<A, Errors.RedisError, R>) =>
 *   create.pipe(
 *     Effect.catchIf(
 *       (error) => error._tag === "RedisCommandError" && error.code === "BUSYGROUP",
 *       () => Effect.void
 *     )
 *   )
 * ```
 *
 * @since 0.1.0
 * @category errors
 */
export class RedisCommandError extends Schema.TaggedError<RedisCommandError>()("RedisCommandError", {
  command: Schema.String,
  code: Schema.String,
  message: Schema.String
}) {}

/**
 * Any failure of a Redis command.
 *
 * @example
 * ```ts
 * import type { Errors } from "@effect-pulse/core"
 *
 * const describe = (error: Errors.RedisError) =>
 *   error._tag === "RedisCommandError" ? `${error.command} failed: ${error.code}` : error.message
 * ```
 *
 * @since 0.1.0
 * @category errors
 */
export type RedisError = RedisConnectionError | RedisCommandError

/**
 * A stream or sink name that Redis or Pulse would not accept. Nothing was sent
 * to Redis.
 *
 * @example
 * ```ts
 * import { Errors } from "@effect-pulse/core"
 *
 * const error = new Errors.InvalidName({ name: "a b", message: "names may not contain spaces" })
 * ```
 *
 * @since 0.1.0
 * @category errors
 */
export class InvalidName extends Schema.TaggedError<InvalidName>()("InvalidName", {
  name: Schema.String,
  message: Schema.String
}) {}

/**
 * An option out of range or malformed (a negative TTL, a `maxLen` below 1, an
 * entry ID that is not an ID, ...). Nothing was sent to Redis.
 *
 * @example
 * ```ts
 * import { Errors } from "@effect-pulse/core"
 *
 * const error = new Errors.InvalidOption({ option: "maxLen", message: "maxLen must be an integer of at least 1, got 0" })
 * ```
 *
 * @since 0.1.0
 * @category errors
 */
export class InvalidOption extends Schema.TaggedError<InvalidOption>()("InvalidOption", {
  option: Schema.String,
  message: Schema.String
}) {}

/**
 * A topic pattern that does not compile (an invalid regular expression source).
 *
 * @example
 * ```ts
 * import { Errors } from "@effect-pulse/core"
 *
 * const error = new Errors.InvalidTopicPattern({ pattern: "(", message: "Unterminated group" })
 * ```
 *
 * @since 0.1.0
 * @category errors
 */
export class InvalidTopicPattern extends Schema.TaggedError<InvalidTopicPattern>()("InvalidTopicPattern", {
  pattern: Schema.String,
  message: Schema.String
}) {}

/**
 * An event payload that does not decode with the expected schema. `issue`
 * holds the schema's account of what is wrong.
 *
 * @example
 * ```ts
 * import { Errors } from "@effect-pulse/core"
 *
 * const error = new Errors.PayloadDecodeError({ eventId: "1-0", streamName: "orders", issue: "Expected number" })
 * ```
 *
 * @since 0.1.0
 * @category errors
 */
export class PayloadDecodeError extends Schema.TaggedError<PayloadDecodeError>()("PayloadDecodeError", {
  eventId: Schema.String,
  streamName: Schema.String,
  issue: Schema.String
}) {
  override get message(): string {
    return `event ${this.eventId} of stream ${this.streamName} does not decode: ${this.issue}`
  }
}

/**
 * The stream was destroyed through the library (`stream.destroy`) in this
 * process, on the `EventStream` the sink reads: the sink's streams end with
 * this error. A key that vanishes for any other reason is a fault the sink
 * rides out (it waits for the key to exist again).
 *
 * @example
 * ```ts
 * import { Errors } from "@effect-pulse/core"
 *
 * const error = new Errors.StreamDestroyed({ streamName: "orders", sinkName: "billing" })
 * ```
 *
 * @since 0.1.0
 * @category errors
 */
export class StreamDestroyed extends Schema.TaggedError<StreamDestroyed>()("StreamDestroyed", {
  streamName: Schema.String,
  sinkName: Schema.String
}) {
  override get message(): string {
    return `stream ${this.streamName} was destroyed under sink ${this.sinkName}`
  }
}
