/**
 * The Redis the examples run on: the in-memory Redis by default, or the
 * server named by `REDIS_URL`.
 */
import { InMemoryRedis, type RedisClient } from "@effect-pulse/core"
import { RedisLayer } from "@effect-pulse/redis-layer"
import type { Layer } from "effect"

/** Where the examples run, for their output. */
export const redisDescription = process.env.REDIS_URL ? "Redis (REDIS_URL)" : "InMemoryRedis"

/** `RedisClient` for the examples. */
export const redisLayer: Layer.Layer<RedisClient.RedisClient, unknown> = process.env.REDIS_URL
  ? RedisLayer.layerConfig()
  : InMemoryRedis.layer
