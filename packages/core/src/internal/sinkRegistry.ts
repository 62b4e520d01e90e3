/**
 * The sinks of a stream, as Go Pulse records them (v1.6.5,
 * `streaming/sink.go`): the replicated map `stream:<stream>:sinks` (see
 * `replicatedMap.ts`), sink name -> JSON list of its consumers on that
 * stream. The map takes the stream's TTL (once, or sliding), applied after
 * every write.
 *
 * What Go does with it:
 * - A new consumer appends itself (`AppendValues`, no de-duplication); a
 *   consumer found stale is removed from it (`RemoveValues`).
 * - `RemoveStream` removes the consumer from the list, and when the list is
 *   then empty destroys the consumer group (`XGROUP DESTROY`), whoever else
 *   still reads it without being listed.
 * - A closing consumer stays listed (and keeps its keep-alive entry), so
 *   that others claim its pending entries.
 * - The stream's `Destroy` deletes the stream and then, when this map
 *   exists, destroys it (`replicatedMap.destroy`, which leaves `=rev` and
 *   `=kind` behind). It deletes neither the keep-alive map nor the lease.
 *
 * Sink names are keys of this map, so they may not contain `=` (Go's
 * `NewSink` fails on such a name).
 *
 * @internal
 */
import { Effect } from "effect"
import type { RedisError } from "../Errors.js"
import type { Service as RedisService } from "../RedisClient.js"
import { goSinksMapName } from "./keys.js"
import * as ReplicatedMap from "./replicatedMap.js"

/** How the map expires: the stream's TTL, if it has one. */
export type Ttl = ReplicatedMap.ReplicatedMap["ttl"]

/** The sinks map of `stream`. */
export const sinksMap = (stream: string, ttl?: Ttl): ReplicatedMap.ReplicatedMap =>
  ReplicatedMap.replicatedMap(goSinksMapName(stream), ttl)

/** Lists `consumer` under `sink` for `stream`; the sink's consumers now. */
export const register = (
  redis: RedisService,
  stream: string,
  sink: string,
  consumer: string,
  ttl?: Ttl
): Effect.Effect<ReadonlyArray<string>, RedisError> =>
  ReplicatedMap.appendValues(redis, sinksMap(stream, ttl), sink, [consumer])

/**
 * Lists `consumer` unless it is listed already (a consumer joins a stream
 * again when recovering its group). Two joins racing may list it twice,
 * which {@link unregister} undoes as well.
 */
export const ensureRegistered = Effect.fnUntraced(function* (
  redis: RedisService,
  stream: string,
  sink: string,
  consumer: string,
  ttl?: Ttl
) {
  const listed = (yield* sinks(redis, stream)).get(sink) ?? []
  if (!listed.includes(consumer)) yield* register(redis, stream, sink, consumer, ttl)
})

/** Unlists `consumer` (every occurrence); the sink's consumers left on `stream`. */
export const unregister = (
  redis: RedisService,
  stream: string,
  sink: string,
  consumer: string,
  ttl?: Ttl
): Effect.Effect<ReadonlyArray<string>, RedisError> =>
  Effect.map(ReplicatedMap.removeValues(redis, sinksMap(stream, ttl), sink, [consumer]), ({ remaining }) => remaining)

/** Every sink of `stream` and its listed consumers. */
export const sinks = (
  redis: RedisService,
  stream: string
): Effect.Effect<ReadonlyMap<string, ReadonlyArray<string>>, RedisError> =>
  Effect.map(
    ReplicatedMap.read(redis, sinksMap(stream)),
    ({ entries }) => new Map([...entries].map(([sink, list]) => [sink, ReplicatedMap.parseValues(list)] as const))
  )

/** Go's `Destroy` of the map, done only when the map exists, as Go does. */
export const destroy = Effect.fnUntraced(function* (redis: RedisService, stream: string) {
  const map = sinksMap(stream)
  if ((yield* redis.exists([map.contentKey])) === 0) return
  yield* ReplicatedMap.destroy(redis, map)
})
