/**
 * The Redis the examples run on: the in-memory Redis by default, or the
 * server named by `REDIS_URL` (and the other variables `RedisLayer.config`
 * reads).
 */
import type { RedisClient } from "@effect-pulse/core"
import { InMemoryRedis } from "@effect-pulse/core/testing"
import { RedisLayer } from "@effect-pulse/redis-layer"
import { Config, Effect, Layer, Option } from "effect"

// An empty REDIS_URL counts as unset, as RedisLayer.config has it.
const redisUrl = Config.option(Config.String("REDIS_URL")).pipe(Config.map(Option.filter((url) => url.trim() !== "")))

/** Where the examples run, for their headings. */
export const redisDescription: Effect.Effect<string, Config.ConfigError> = Effect.map(redisUrl, (url) =>
  Option.isSome(url) ? "the Redis at REDIS_URL" : "InMemoryRedis"
)

/** `RedisClient` for the examples: `RedisLayer.layerConfig()` when `REDIS_URL` is set, else `InMemoryRedis.layer`. */
export const redisLayer: Layer.Layer<RedisClient.RedisClient, Config.ConfigError | RedisLayerError> = Layer.unwrap(
  Effect.map(
    redisUrl,
    (url): Layer.Layer<RedisClient.RedisClient, Config.ConfigError | RedisLayerError> =>
      Option.isSome(url) ? RedisLayer.layerConfig() : InMemoryRedis.layer
  )
)

/** How connecting to Redis can fail. */
type RedisLayerError = Layer.Error<ReturnType<typeof RedisLayer.layerConfig>>
