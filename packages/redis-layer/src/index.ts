/**
 * @effect-pulse/redis-layer: the `RedisClient` service of `@effect-pulse/core`
 * over ioredis, and a real-Redis harness for tests.
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
/**
 * A local Redis Cluster for tests (3 primaries, 3 replicas by default), with
 * a failover at hand: kill the primary serving a key.
 *
 * @since 0.1.0
 */
export * as RedisTestCluster from "./RedisTestCluster.js"
/**
 * A real Redis for tests: `REDIS_URL`, a Docker container or a
 * `redis-server` process, with fault injection (kill, pause, restart, drop
 * clients).
 *
 * @since 0.1.0
 */
export * as RedisTestServer from "./RedisTestServer.js"
