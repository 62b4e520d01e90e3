/**
 * The one place inspection reads the keep-alive beats of a sink's
 * consumers, so that a change of their storage (Go Pulse's replicated map
 * `sink:<sink>:keepalive`, in nanoseconds) changes this function only.
 *
 * @internal
 */
import { Effect } from "effect"
import type { RedisError } from "../Errors.js"
import type { Service as RedisService } from "../RedisClient.js"
import { sinkKeepAliveKey } from "./keys.js"

/** The last beat of each consumer of `sink` that has one, in epoch milliseconds. */
export const lastBeats = (redis: RedisService, sink: string): Effect.Effect<ReadonlyMap<string, number>, RedisError> =>
  Effect.map(redis.hgetall(sinkKeepAliveKey(sink)), (hash) => {
    const beats = new Map<string, number>()
    for (const [consumer, text] of Object.entries(hash)) {
      const millis = Number(text)
      if (Number.isFinite(millis)) beats.set(consumer, millis)
    }
    return beats
  })
