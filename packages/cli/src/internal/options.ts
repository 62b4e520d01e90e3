/**
 * What every command shares: `--url` (else `REDIS_URL` and the other
 * variables `RedisLayer.config` reads) and `--json`, and the Redis layer
 * built from them.
 */
import type { RedisClient } from "@effect-pulse/core"
import { RedisLayer } from "@effect-pulse/redis-layer"
import { Effect, Layer, Option } from "effect"
import { Flag } from "effect/cli"

/** The flags of every command that talks to Redis. */
export const redisFlags = {
  url: Flag.String("url").pipe(
    Flag.withDescription("the Redis to connect to (redis://[user:password@]host:port[/db]); default REDIS_URL"),
    Flag.optional
  ),
  json: Flag.Boolean("json").pipe(
    Flag.withDescription("print JSON for scripts instead of a table"),
    Flag.withDefault(false)
  )
}

/** The connection: `--url` over `REDIS_URL` and friends, failing within 3 seconds when Redis does not answer. */
export const redisLayer = (url: Option.Option<string>): Layer.Layer<RedisClient.RedisClient, unknown> =>
  Layer.unwrap(
    Effect.map(RedisLayer.config, (options) =>
      RedisLayer.layer({
        ...options,
        url: Option.getOrElse(url, () => options.url),
        connectTimeout: options.connectTimeout ?? "3 seconds"
      })
    )
  )

/** Runs a command's work with its Redis connection, closed when the work ends. */
export const withRedis =
  (flags: { readonly url: Option.Option<string> }) =>
  <A, E>(effect: Effect.Effect<A, E, RedisClient.RedisClient>): Effect.Effect<A, unknown> =>
    Effect.provide(effect, redisLayer(flags.url))
