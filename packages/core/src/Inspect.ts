/**
 * Inspection: what an operator asks of a running system. Which streams
 * exist, how long each is, which sinks read it, how far behind each sink is
 * (lag), what is pending and for how long, which consumers are alive, and
 * how many events went to the dead letters. Every answer is a plain value
 * described by a `Schema`, so it prints as JSON as it is.
 *
 * Inspection only reads: it never creates a key, a group or a consumer.
 *
 * @example
 * ```ts
 * import { Effect } from "effect"
 * import { Inspect } from "@effect-pulse/core"
 *
 * const report = Effect.gen(function*() {
 *   for (const name of yield* Inspect.streams()) {
 *     const info = yield* Inspect.stream(name)
 *     for (const sink of info.sinks) {
 *       yield* Effect.log(`${name}/${sink.name}: lag ${sink.lag}, pending ${sink.pending}`)
 *     }
 *   }
 * })
 * ```
 *
 * @since 0.1.0
 */
import type { Duration } from "effect"
import { Clock, DateTime, Effect, Schema } from "effect"
import type { InvalidName, RedisError, StreamNotFound } from "./Errors.js"
import { InvalidOption, SinkNotFound } from "./Errors.js"
import { timeOfId } from "./Event.js"
import { deadLettersBySink, onStream, pendingEvent, sinkInfo } from "./internal/inspection.js"
import { deadLetterKey, streamKey, streamNameOfKey } from "./internal/keys.js"
import { isEntryId, validateDuration, validateInteger, validateName } from "./internal/validation.js"
import { RedisClient, type StreamEntry } from "./RedisClient.js"

/**
 * One consumer of a sink: its pending count, how long since Redis last saw
 * it (`idleMillis`), its last keep-alive beat (epoch milliseconds, `null`
 * when it has none), and whether it is alive (a beat within two ack grace
 * periods, the rule by which sinks call a consumer stale).
 *
 * @example
 * ```ts
 * import { Inspect } from "@effect-pulse/core"
 *
 * const stale = (consumers: ReadonlyArray<Inspect.ConsumerInfo>) => consumers.filter((consumer) => !consumer.alive)
 * ```
 *
 * @since 0.1.0
 * @category models
 */
export const ConsumerInfo = Schema.Struct({
  name: Schema.String,
  pending: Schema.Number,
  idleMillis: Schema.Number,
  lastKeepAlive: Schema.NullOr(Schema.Number),
  alive: Schema.Boolean
})

/**
 * The type of the values `ConsumerInfo` describes.
 *
 * @example
 * ```ts
 * import type { Inspect } from "@effect-pulse/core"
 *
 * const consumer: Inspect.ConsumerInfo = { name: "c1", pending: 0, idleMillis: 5, lastKeepAlive: null, alive: false }
 * ```
 *
 * @since 0.1.0
 * @category models
 */
export type ConsumerInfo = typeof ConsumerInfo.Type

/**
 * One pending event: delivered to `consumer`, not acked yet. `idleMillis`
 * is the time since its last delivery, `ageMillis` the time since it was
 * added (from its ID), `deliveries` how many times it was delivered.
 *
 * @example
 * ```ts
 * import type { Inspect } from "@effect-pulse/core"
 *
 * const stuck = (event: Inspect.PendingEvent) => event.deliveries > 3
 * ```
 *
 * @since 0.1.0
 * @category models
 */
export const PendingEvent = Schema.Struct({
  id: Schema.String,
  consumer: Schema.String,
  idleMillis: Schema.Number,
  ageMillis: Schema.Number,
  deliveries: Schema.Number
})

/**
 * The type of the values `PendingEvent` describes.
 *
 * @example
 * ```ts
 * import type { Inspect } from "@effect-pulse/core"
 *
 * const event: Inspect.PendingEvent = { id: "1-0", consumer: "c1", idleMillis: 10, ageMillis: 12, deliveries: 1 }
 * ```
 *
 * @since 0.1.0
 * @category models
 */
export type PendingEvent = typeof PendingEvent.Type

/**
 * Where a sink's lag comes from: Redis's own count (`XINFO GROUPS`), a count
 * of the entries after the sink's position (when Redis cannot tell, after
 * `XDEL`s), or that count stopped at its limit (the lag is at least that).
 *
 * @example
 * ```ts
 * import type { Inspect } from "@effect-pulse/core"
 *
 * const source: Inspect.LagSource = "redis"
 * ```
 *
 * @since 0.1.0
 * @category models
 */
export const LagSource = Schema.Literals(["redis", "counted", "at-least"])

/**
 * The type of the values `LagSource` describes.
 *
 * @example
 * ```ts
 * import type { Inspect } from "@effect-pulse/core"
 *
 * const exact = (source: Inspect.LagSource) => source !== "at-least"
 * ```
 *
 * @since 0.1.0
 * @category models
 */
export type LagSource = typeof LagSource.Type

/**
 * A sink on one stream. `lag` counts the entries not yet delivered to it;
 * `pending` the entries delivered and not acked, of which `oldestPending` is
 * the first; `redelivered` and `maxDeliveries` describe the delivery counts
 * of the oldest 1000 pending entries; `deadLetters` counts the stream's
 * dead letters this sink put there.
 *
 * @example
 * ```ts
 * import type { Inspect } from "@effect-pulse/core"
 *
 * const behind = (sink: Inspect.SinkInfo) => sink.lag > 1000 || (sink.oldestPending?.ageMillis ?? 0) > 60_000
 * ```
 *
 * @since 0.1.0
 * @category models
 */
export const SinkInfo = Schema.Struct({
  name: Schema.String,
  lastDeliveredId: Schema.String,
  lag: Schema.Number,
  lagSource: LagSource,
  pending: Schema.Number,
  oldestPending: Schema.NullOr(PendingEvent),
  redelivered: Schema.Number,
  maxDeliveries: Schema.Number,
  consumers: Schema.Array(ConsumerInfo),
  deadLetters: Schema.Number
})

/**
 * The type of the values `SinkInfo` describes.
 *
 * @example
 * ```ts
 * import type { Inspect } from "@effect-pulse/core"
 *
 * const alive = (sink: Inspect.SinkInfo) => sink.consumers.filter((consumer) => consumer.alive).length
 * ```
 *
 * @since 0.1.0
 * @category models
 */
export type SinkInfo = typeof SinkInfo.Type

/**
 * An entry's ID and the time it was added (epoch milliseconds).
 *
 * @example
 * ```ts
 * import type { Inspect } from "@effect-pulse/core"
 *
 * const first: Inspect.EntryStamp = { id: "1700000000000-0", time: 1700000000000 }
 * ```
 *
 * @since 0.1.0
 * @category models
 */
export const EntryStamp = Schema.Struct({ id: Schema.String, time: Schema.Number })

/**
 * The type of the values `EntryStamp` describes.
 *
 * @example
 * ```ts
 * import type { Inspect } from "@effect-pulse/core"
 *
 * const when = (stamp: Inspect.EntryStamp) => new Date(stamp.time).toISOString()
 * ```
 *
 * @since 0.1.0
 * @category models
 */
export type EntryStamp = typeof EntryStamp.Type

/**
 * A stream: its length, first and last entries (`null` when empty), the
 * last ID it generated, how many entries were ever added to it (the
 * difference between two inspections is the rate, whatever was trimmed), the time left before it expires (`null` without
 * expiry), its sinks and its dead-letter count.
 *
 * @example
 * ```ts
 * import { Schema } from "effect"
 * import { Inspect } from "@effect-pulse/core"
 *
 * const toJson = Schema.encodeSync(Schema.fromJsonString(Inspect.StreamInfo))
 * ```
 *
 * @since 0.1.0
 * @category models
 */
export const StreamInfo = Schema.Struct({
  name: Schema.String,
  length: Schema.Number,
  firstEntry: Schema.NullOr(EntryStamp),
  lastEntry: Schema.NullOr(EntryStamp),
  lastGeneratedId: Schema.String,
  entriesAdded: Schema.Number,
  ttlMillis: Schema.NullOr(Schema.Number),
  sinks: Schema.Array(SinkInfo),
  deadLetters: Schema.Number
})

/**
 * The type of the values `StreamInfo` describes.
 *
 * @example
 * ```ts
 * import type { Inspect } from "@effect-pulse/core"
 *
 * const summary = (info: Inspect.StreamInfo) => `${info.name}: ${info.length} events, ${info.sinks.length} sinks`
 * ```
 *
 * @since 0.1.0
 * @category models
 */
export type StreamInfo = typeof StreamInfo.Type

/**
 * Options of `stream` and `sink`: the ack grace period the sinks run with
 * (default 20 seconds), by which a consumer silent for two grace periods
 * counts as stale.
 *
 * @example
 * ```ts
 * import type { Inspect } from "@effect-pulse/core"
 *
 * const options: Inspect.Options = { ackGracePeriod: "30 seconds" }
 * ```
 *
 * @since 0.1.0
 * @category models
 */
export interface Options {
  readonly ackGracePeriod?: Duration.Input | undefined
}

const graceOf = (options: Options | undefined) =>
  validateDuration("ackGracePeriod", options?.ackGracePeriod ?? "20 seconds", 1)

/**
 * What a stream holds and who reads it. Fails with `StreamNotFound` when
 * the stream does not exist.
 *
 * @example
 * ```ts
 * import { Effect } from "effect"
 * import { Inspect } from "@effect-pulse/core"
 *
 * const lagOfBilling = Inspect.stream("orders").pipe(
 *   Effect.map((info) => info.sinks.find((sink) => sink.name === "billing")?.lag)
 * )
 * ```
 *
 * @since 0.1.0
 * @category inspecting
 */
export const stream = Effect.fnUntraced(function* (
  name: string,
  options?: Options
): Effect.fn.Return<StreamInfo, InvalidName | InvalidOption | StreamNotFound | RedisError, RedisClient> {
  yield* validateName("stream", name)
  const graceMillis = yield* graceOf(options)
  const redis = yield* RedisClient
  const key = streamKey(name)
  const info = yield* onStream(name, redis.xinfoStream(key))
  const [groups, first, last, ttl, deadLetters, deadCount] = yield* Effect.all(
    [
      onStream(name, redis.xinfoGroups(key)),
      redis.xrange(key, "-", "+", 1),
      redis.xrevrange(key, "+", "-", 1),
      redis.pttl(key),
      deadLettersBySink(redis, name),
      redis.xlen(deadLetterKey(name))
    ],
    { concurrency: "unbounded" }
  )
  const now = yield* Clock.currentTimeMillis
  const sinks = yield* Effect.forEach(
    groups,
    (group) => sinkInfo(redis, name, group, { now, graceMillis, deadLetters }),
    { concurrency: 4 }
  )
  const stamp = (entry: StreamEntry | undefined): EntryStamp | null =>
    entry === undefined ? null : { id: entry.id, time: DateTime.toEpochMillis(timeOfId(entry.id)) }
  return StreamInfo.make({
    name,
    length: info.length,
    firstEntry: stamp(first[0]),
    lastEntry: stamp(last[0]),
    lastGeneratedId: info.lastGeneratedId,
    entriesAdded: info.entriesAdded,
    ttlMillis: ttl >= 0 ? ttl : null,
    sinks,
    deadLetters: deadCount
  })
})

/**
 * One sink of a stream. Fails with `StreamNotFound` or `SinkNotFound`.
 *
 * @example
 * ```ts
 * import { Effect } from "effect"
 * import { Inspect } from "@effect-pulse/core"
 *
 * const staleConsumers = Inspect.sink("orders", "billing").pipe(
 *   Effect.map((sink) => sink.consumers.filter((consumer) => !consumer.alive))
 * )
 * ```
 *
 * @since 0.1.0
 * @category inspecting
 */
export const sink = Effect.fnUntraced(function* (
  streamName: string,
  sinkName: string,
  options?: Options
): Effect.fn.Return<SinkInfo, InvalidName | InvalidOption | StreamNotFound | SinkNotFound | RedisError, RedisClient> {
  yield* validateName("stream", streamName)
  yield* validateName("sink", sinkName)
  const graceMillis = yield* graceOf(options)
  const redis = yield* RedisClient
  const groups = yield* onStream(streamName, redis.xinfoGroups(streamKey(streamName)))
  const group = groups.find((candidate) => candidate.name === sinkName)
  if (group === undefined) return yield* new SinkNotFound({ streamName, sinkName })
  const deadLetters = yield* deadLettersBySink(redis, streamName)
  const now = yield* Clock.currentTimeMillis
  return yield* sinkInfo(redis, streamName, group, { now, graceMillis, deadLetters })
})

/**
 * The pending events of a sink, oldest first: at most `count` (default
 * 100), after the entry `after` when given, of one `consumer` when given.
 *
 * @example
 * ```ts
 * import { Effect } from "effect"
 * import { Inspect } from "@effect-pulse/core"
 *
 * const stuck = Inspect.pending("orders", "billing", { count: 10 }).pipe(
 *   Effect.map((events) => events.filter((event) => event.deliveries > 1))
 * )
 * ```
 *
 * @since 0.1.0
 * @category inspecting
 */
export const pending = Effect.fnUntraced(function* (
  streamName: string,
  sinkName: string,
  options?: {
    readonly count?: number | undefined
    readonly after?: string | undefined
    readonly consumer?: string | undefined
  }
): Effect.fn.Return<
  ReadonlyArray<PendingEvent>,
  InvalidName | InvalidOption | StreamNotFound | SinkNotFound | RedisError,
  RedisClient
> {
  yield* validateName("stream", streamName)
  yield* validateName("sink", sinkName)
  const count = yield* validateInteger("count", options?.count ?? 100, 1)
  const after = options?.after
  if (after !== undefined && !isEntryId(after)) {
    return yield* new InvalidOption({ option: "after", message: `not an entry ID: ${JSON.stringify(after)}` })
  }
  const redis = yield* RedisClient
  const key = streamKey(streamName)
  const groups = yield* onStream(streamName, redis.xinfoGroups(key))
  if (!groups.some((group) => group.name === sinkName)) return yield* new SinkNotFound({ streamName, sinkName })
  const entries = yield* redis.xpendingRange(key, sinkName, {
    start: after === undefined ? "-" : `(${after}`,
    end: "+",
    count,
    consumer: options?.consumer
  })
  const now = yield* Clock.currentTimeMillis
  return entries.map((entry) => pendingEvent(entry, now))
})

/**
 * The names of the streams in Redis, sorted: a `SCAN` over the library's
 * key prefix, step by step with its cursor (never `KEYS`, which blocks the
 * server on a large keyspace).
 *
 * @example
 * ```ts
 * import { Effect } from "effect"
 * import { Inspect } from "@effect-pulse/core"
 *
 * const count = Effect.map(Inspect.streams(), (names) => names.length)
 * ```
 *
 * @since 0.1.0
 * @category inspecting
 */
export const streams = Effect.fnUntraced(function* (): Effect.fn.Return<
  ReadonlyArray<string>,
  RedisError,
  RedisClient
> {
  const redis = yield* RedisClient
  const names = new Set<string>()
  let cursor = "0"
  do {
    const page = yield* redis.scan(cursor, { match: streamKey("*"), count: 1000, type: "stream" })
    for (const key of page.keys) names.add(streamNameOfKey(key))
    cursor = page.cursor
  } while (cursor !== "0")
  return [...names].sort()
})
