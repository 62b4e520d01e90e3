/**
 * @effect-pulse/redis-layer/testing: a real Redis for tests, kept out of the
 * production entry point (it starts child processes, and loads the optional
 * `testcontainers` peer dependency when a Docker engine answers).
 *
 * @since 0.1.0
 */

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
