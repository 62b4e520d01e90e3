import type { Vitest } from "@effect/vitest"
import { layer } from "@effect/vitest"
import { RedisClient } from "@effect-pulse/core"
import { InMemoryRedis } from "@effect-pulse/core/testing"
import { RedisTestCluster, RedisTestServer } from "@effect-pulse/redis-layer/testing"
import { Duration, Effect, Layer, Schedule } from "effect"

/**
 * The two ways to provide `RedisClient`: every behaviour test runs on both.
 * The real server is one the harness started (or `REDIS_URL`), never the
 * machine's shared Redis.
 */
export const redisLayers = [
  { name: "InMemoryRedis", layer: InMemoryRedis.layer as Layer.Layer<RedisClient.RedisClient, unknown> },
  { name: "Redis", layer: RedisTestServer.layerClient as Layer.Layer<RedisClient.RedisClient, unknown> }
] as const

/**
 * A local Redis Cluster (3 primaries, 3 replicas) through
 * `RedisLayer.layerCluster`: the suites that opt in run on it as well, with
 * their streams in different slots.
 */
export const clusterLayer = {
  name: "RedisCluster",
  layer: RedisTestCluster.layerClient as Layer.Layer<RedisClient.RedisClient, unknown>
} as const

/**
 * Registers the same suite once per Redis layer, with the live clock
 * (blocking reads and retries need real time on a real server). With
 * `cluster: true` it also runs on a local Redis Cluster: a representative
 * subset of suites does (each starts a cluster of six processes, too slow
 * for every suite).
 */
export const describeOnBothLayers = (
  name: string,
  suite: (it: Vitest.MethodsNonLive<RedisClient.RedisClient>, layerName: string) => void,
  options: { readonly cluster?: boolean } = {}
): void => {
  for (const { name: layerName, layer: redisLayer } of options.cluster === true
    ? [...redisLayers, clusterLayer]
    : redisLayers) {
    layer(redisLayer, { excludeTestServices: true, timeout: "60 seconds" })(`${name} [${layerName}]`, (it) =>
      suite(it, layerName)
    )
  }
}

/** A name no other test uses, so tests can share a server without flushing it. */
export const uniqueName = (base: string): string => `${base}-${crypto.randomUUID().slice(0, 8)}`

/**
 * Wraps the `RedisClient` in scope so that every command run through it is
 * recorded (when the command's effect runs, not when it is built): for tests
 * that check that bad input never reached Redis.
 */
export const countingRedis = Effect.gen(function* () {
  const redis = yield* RedisClient.RedisClient
  const calls: Array<string> = []
  const record = (name: string) => Effect.sync(() => calls.push(name))
  const counting = new Proxy(redis, {
    get(target, property, receiver) {
      const value = Reflect.get(target, property, receiver)
      if (typeof property !== "string") return value
      if (typeof value === "function") {
        return (...args: Array<unknown>) =>
          Effect.andThen(
            record(property),
            Effect.suspend(() => (value as (...args: Array<unknown>) => Effect.Effect<unknown>).apply(target, args))
          )
      }
      return Effect.isEffect(value) ? Effect.andThen(record(property), value) : value
    }
  })
  return { calls, layer: Layer.succeed(RedisClient.RedisClient, counting) }
})

/**
 * Re-runs `effect` every 10 ms until `done` holds (at most `within`, 10 s by
 * default): for conditions that live in Redis or in other processes, where
 * there is no event to wait for. On timeout it dies with the last value seen.
 */
export const eventually = <A, E, R>(
  effect: Effect.Effect<A, E, R>,
  done: (value: A) => boolean,
  within: Duration.Input = "10 seconds"
) => {
  let last: A | undefined
  const observed: Effect.Effect<A, E, R> = Effect.tap(effect, (value) =>
    Effect.sync(() => {
      last = value
    })
  )
  return Effect.repeat(observed, { schedule: Schedule.spaced("10 millis"), until: done }).pipe(
    Effect.timeoutOrElse({
      duration: within,
      orElse: () =>
        Effect.die(
          new Error(
            `condition not reached within ${Duration.format(Duration.fromInputUnsafe(within))}; last value: ${JSON.stringify(last)}`
          )
        )
    })
  )
}
