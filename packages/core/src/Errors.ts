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

/**
 * An event whose payload is larger than its stream's `maxPayloadSize`
 * (1 MiB unless the stream was made with another). Nothing was sent to
 * Redis: for `addAll`, none of the batch was added.
 *
 * @example
 * ```ts
 * import { Errors } from "@effect-pulse/core"
 *
 * const error = new Errors.PayloadTooLarge({ streamName: "orders", eventName: "created", size: 2_000_000, maxSize: 1_048_576 })
 * ```
 *
 * @since 0.1.0
 * @category errors
 */
export class PayloadTooLarge extends Schema.TaggedError<PayloadTooLarge>()("PayloadTooLarge", {
  streamName: Schema.String,
  eventName: Schema.String,
  size: Schema.Number,
  maxSize: Schema.Number
}) {
  override get message(): string {
    return `the payload of event ${this.eventName} is ${this.size} bytes, more than the ${this.maxSize} bytes stream ${this.streamName} allows; nothing was added`
  }
}

/**
 * An `addAll` large enough to be sent in several parts failed after some
 * parts were stored: `addedIds` are the IDs of the events stored (the first
 * `addedIds.length` of the batch, in order). `cause` is the failure of the
 * next part: when Redis refused it, it and the parts after it were not
 * added; when the connection dropped before its reply, it may have been.
 *
 * @example
 * ```ts
 * import { Effect } from "effect"
 * import type { EventStream } from "@effect-pulse/core"
 *
 * const addRest = (stream: EventStream.EventStream, batch: ReadonlyArray<EventStream.NewEvent>) =>
 *   stream.addAll(batch).pipe(
 *     Effect.catchTag("PartiallyAdded", (error) => stream.addAll(batch.slice(error.addedIds.length)))
 *   )
 * ```
 *
 * @since 0.1.0
 * @category errors
 */
export class PartiallyAdded extends Schema.TaggedError<PartiallyAdded>()("PartiallyAdded", {
  streamName: Schema.String,
  addedIds: Schema.Array(Schema.String),
  cause: Schema.Defect()
}) {
  override get message(): string {
    const reason = this.cause instanceof Error ? `: ${this.cause.message}` : ""
    return `addAll to stream ${this.streamName} stored its first ${this.addedIds.length} event(s), then failed${reason}`
  }
}

/**
 * A sink used after it was closed (`ack`, `ackAll`, `nack`, `process`,
 * `addStream`). Nothing was sent to Redis.
 *
 * @example
 * ```ts
 * import { Errors } from "@effect-pulse/core"
 *
 * const error = new Errors.SinkClosed({ sinkName: "billing", consumer: "consumer-1", operation: "ack" })
 * ```
 *
 * @since 0.1.0
 * @category errors
 */
export class SinkClosed extends Schema.TaggedError<SinkClosed>()("SinkClosed", {
  sinkName: Schema.String,
  consumer: Schema.String,
  operation: Schema.String
}) {
  override get message(): string {
    return `${this.operation} on sink ${this.sinkName} (consumer ${this.consumer}), which is closed`
  }
}

/**
 * A reader used after it was closed (`addStream`). `streamNames` are the
 * streams it read, to tell which reader it was. Nothing was sent to Redis.
 *
 * @example
 * ```ts
 * import { Errors } from "@effect-pulse/core"
 *
 * const error = new Errors.ReaderClosed({ streamNames: ["orders"], operation: "addStream" })
 * ```
 *
 * @since 0.1.0
 * @category errors
 */
export class ReaderClosed extends Schema.TaggedError<ReaderClosed>()("ReaderClosed", {
  streamNames: Schema.Array(Schema.String),
  operation: Schema.String
}) {
  override get message(): string {
    return `${this.operation} on the reader of ${this.streamNames.join(", ")}, which is closed`
  }
}

/**
 * An event handed to a sink that did not deliver it: one delivered to a sink
 * of another name, read by a reader, or of a stream the sink does not read.
 * Acking it would settle another consumer's work (or nothing) without
 * handling it, so nothing was sent to Redis.
 *
 * @example
 * ```ts
 * import { Errors } from "@effect-pulse/core"
 *
 * const error = new Errors.NotDeliveredToSink({
 *   sinkName: "billing",
 *   eventId: "1700000000000-0",
 *   streamName: "orders",
 *   reason: "it was delivered to sink shipping"
 * })
 * ```
 *
 * @since 0.1.0
 * @category errors
 */
export class NotDeliveredToSink extends Schema.TaggedError<NotDeliveredToSink>()("NotDeliveredToSink", {
  sinkName: Schema.String,
  eventId: Schema.String,
  streamName: Schema.String,
  reason: Schema.String
}) {
  override get message(): string {
    return `event ${this.eventId} of stream ${this.streamName} was not delivered by sink ${this.sinkName}: ${this.reason}`
  }
}

/**
 * An inspection named a stream that does not exist in Redis (never added
 * to, destroyed, or expired).
 *
 * @example
 * ```ts
 * import { Errors } from "@effect-pulse/core"
 *
 * const error = new Errors.StreamNotFound({ streamName: "orders" })
 * ```
 *
 * @since 0.1.0
 * @category errors
 */
export class StreamNotFound extends Schema.TaggedError<StreamNotFound>()("StreamNotFound", {
  streamName: Schema.String
}) {
  override get message(): string {
    return `no stream named ${this.streamName}`
  }
}

/**
 * An inspection named a sink that does not read the stream (no consumer
 * group of that name on it).
 *
 * @example
 * ```ts
 * import { Errors } from "@effect-pulse/core"
 *
 * const error = new Errors.SinkNotFound({ streamName: "orders", sinkName: "billing" })
 * ```
 *
 * @since 0.1.0
 * @category errors
 */
export class SinkNotFound extends Schema.TaggedError<SinkNotFound>()("SinkNotFound", {
  streamName: Schema.String,
  sinkName: Schema.String
}) {
  override get message(): string {
    return `no sink named ${this.sinkName} on stream ${this.streamName}`
  }
}
