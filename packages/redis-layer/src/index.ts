/**
 * @effect-pulse/redis-layer: the `RedisClient` service of `@effect-pulse/core`
 * over ioredis. The real-Redis harness for tests is in
 * `@effect-pulse/redis-layer/testing`.
 *
 * @since 0.1.0
 */

/**
 * Layers providing `RedisClient` over ioredis: `layer(options)`,
 * `layerConfig()` (from `REDIS_URL` and friends) and `fromClient(client)`.
 *
 * @since 0.1.0
 */
export * as RedisLayer from "./RedisLayer.js"
