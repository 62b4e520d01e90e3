/**
 * @effect-pulse/redis-layer: the RedisClient service over ioredis.
 *
 * @since 0.1.0
 */
export {}
