/**
 * The one place inspection reads the keep-alive beats of a sink's
 * consumers. It reads both formats a beat may be stored in, so that it
 * sees every consumer of a sink shared with Go Pulse, and keeps working as
 * effect-pulse's own sinks move to Go's format:
 * - effect-pulse's hash `pulse:sink:<sink>:keepalive`: consumer -> epoch
 *   milliseconds;
 * - Go Pulse's replicated map `sink:<sink>:keepalive` (v1.6.5), the hash
 *   `map:sink:<sink>:keepalive:content`: consumer -> epoch nanoseconds
 *   (`UnixNano`), beside the map's own fields, which start with `=`.
 * A consumer in both counts by its latest beat.
 *
 * @internal
 */
import { Effect } from "effect"
import type { RedisError } from "../Errors.js"
import type { Service as RedisService } from "../RedisClient.js"
import { sinkKeepAliveKey } from "./keys.js"

/** The content hash of Go Pulse's keep-alive map of `sink`. */
export const goKeepAliveContentKey = (sink: string): string => `map:sink:${sink}:keepalive:content`

const integer = /^\d+$/

/** The last beat of each consumer of `sink` that has one, in epoch milliseconds. */
export const lastBeats = (redis: RedisService, sink: string): Effect.Effect<ReadonlyMap<string, number>, RedisError> =>
  Effect.map(
    Effect.all([redis.hgetall(sinkKeepAliveKey(sink)), redis.hgetall(goKeepAliveContentKey(sink))], {
      concurrency: "unbounded"
    }),
    ([millis, nanos]) => {
      const beats = new Map<string, number>()
      const record = (consumer: string, time: number) => beats.set(consumer, Math.max(time, beats.get(consumer) ?? 0))
      for (const [consumer, text] of Object.entries(millis)) if (integer.test(text)) record(consumer, Number(text))
      for (const [field, text] of Object.entries(nanos)) {
        if (!field.startsWith("=") && integer.test(text)) record(field, Number(BigInt(text) / 1_000_000n))
      }
      return beats
    }
  )
