/**
 * @effect-pulse/core: event streaming over Redis Streams for Effect. The
 * in-memory Redis for tests and demos is in `@effect-pulse/core/testing`.
 *
 * @since 0.1.0
 */

/**
 * Dead letters: events a sink gave up on after `maxDeliveries` deliveries, or at once in a pipeline stage.
 *
 * @since 0.1.0
 */
export * as DeadLetter from "./DeadLetter.js"
/**
 * The typed failures of effect-pulse.
 *
 * @since 0.1.0
 */
export * as Errors from "./Errors.js"
/**
 * Events as readers and sinks hand them out.
 *
 * @since 0.1.0
 */
export * as Event from "./Event.js"
/**
 * Named streams of events: add, remove, destroy, and open readers and sinks.
 *
 * @since 0.1.0
 */
export * as EventStream from "./EventStream.js"
/**
 * Inspection: streams, sinks, lag, pending events, consumers and dead letters, read-only.
 *
 * @since 0.1.0
 */
export * as Inspect from "./Inspect.js"
/**
 * Typed payloads checked by a `Schema`.
 *
 * @since 0.1.0
 */
export * as Payload from "./Payload.js"
/**
 * Readers: every event after a start position, for each reader.
 *
 * @since 0.1.0
 */
export * as Reader from "./Reader.js"
/**
 * The Redis commands effect-pulse needs, as an Effect service.
 *
 * @since 0.1.0
 */
export * as RedisClient from "./RedisClient.js"
/**
 * Sinks: consumer groups with acknowledgement and automatic redelivery.
 *
 * @since 0.1.0
 */
export * as Sink from "./Sink.js"
/**
 * Start positions of readers and sinks.
 *
 * @since 0.1.0
 */
export * as StartAt from "./StartAt.js"
/**
 * Topic matchers for pub/sub over a stream.
 *
 * @since 0.1.0
 */
export * as Topic from "./Topic.js"
