/**
 * @effect-pulse/core: event streaming over Redis Streams for Effect.
 *
 * @since 0.1.0
 */

/**
 * The typed failures of effect-pulse.
 *
 * @since 0.1.0
 */
export * as Errors from "./Errors.js"
/**
 * The `RedisClient` service in memory, with Redis's semantics, for tests and demos.
 *
 * @since 0.1.0
 */
export * as InMemoryRedis from "./InMemoryRedis.js"
/**
 * The Redis commands effect-pulse needs, as an Effect service.
 *
 * @since 0.1.0
 */
export * as RedisClient from "./RedisClient.js"
