/**
 * The one place inspection reads the keep-alive beats of a sink's
 * consumers: Go Pulse's replicated map `sink:<sink>:keepalive` (the hash
 * `map:sink:<sink>:keepalive:content`, consumer -> epoch nanoseconds), which
 * effect-pulse's sinks and Go Pulse's share (see `sinkKeepAlive`).
 *
 * @internal
 */
import { Effect } from "effect"
import type { RedisError } from "../Errors.js"
import type { Service as RedisService } from "../RedisClient.js"
import { beats } from "./sinkKeepAlive.js"

/** The last beat of each consumer of `sink` that has one, in epoch milliseconds. */
export const lastBeats = (redis: RedisService, sink: string): Effect.Effect<ReadonlyMap<string, number>, RedisError> =>
  Effect.map(
    beats(redis, sink),
    (nanos) => new Map(Array.from(nanos, ([consumer, time]) => [consumer, Number(time / 1_000_000n)] as const))
  )
