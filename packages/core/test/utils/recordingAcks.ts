import { RedisClient } from "@effect-pulse/core"
import { Effect, Layer } from "effect"

/**
 * Wraps the `RedisClient` in scope so that every `XACK` sent through it is
 * recorded with its key and IDs: for tests counting round trips and checking
 * that each event is acked exactly once.
 */
export const recordingAcks = Effect.gen(function* () {
  const redis = yield* RedisClient.RedisClient
  const sent: Array<{ readonly key: string; readonly ids: ReadonlyArray<string> }> = []
  const xack: typeof redis.xack = (key, group, ids) =>
    Effect.andThen(
      Effect.sync(() => sent.push({ key, ids: [...ids] })),
      Effect.suspend(() => redis.xack(key, group, ids))
    )
  const recording = new Proxy(redis, {
    get: (target, property, receiver) => (property === "xack" ? xack : Reflect.get(target, property, receiver))
  })
  return {
    layer: Layer.succeed(RedisClient.RedisClient, recording),
    calls: () => sent,
    ids: () => sent.flatMap((call) => call.ids)
  }
})
