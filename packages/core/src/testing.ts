/**
 * @effect-pulse/core/testing: test tools, kept out of the production entry
 * point as effect keeps `effect/testing` apart.
 *
 * @since 0.1.0
 */

/**
 * The `RedisClient` service in memory, with Redis's semantics, for tests and demos.
 *
 * @since 0.1.0
 */
export * as InMemoryRedis from "./InMemoryRedis.js"
