/**
 * Event streams: named, append-only logs of events stored as Redis streams.
 * Every `EventStream` with the same name, in any process, shares the same
 * events. The Redis key of stream `orders` is `pulse:stream:orders`, with the
 * fields `n` (event name), `p` (payload) and `t` (topic), as in Go Pulse.
 *
 * @example
 * ```ts
 * import { Effect } from "effect"
 * import { EventStream } from "@effect-pulse/core"
 * import { InMemoryRedis } from "@effect-pulse/core/testing"
 *
 * const program = Effect.gen(function*() {
 *   const orders = yield* EventStream.make("orders", { maxLen: 10_000 })
 *   const id = yield* orders.add("created", '{"id":1}', { topic: "eu" })
 *   yield* Effect.log(`added ${id}`)
 * }).pipe(Effect.provide(InMemoryRedis.layer))
 * ```
 *
 * @since 0.1.0
 */
import type { Duration, Scope } from "effect"
import { Effect, Metric } from "effect"
import type { InvalidName, RedisError } from "./Errors.js"
import { InvalidOption } from "./Errors.js"
import { toFields } from "./internal/entries.js"
import { streamKey } from "./internal/keys.js"
import { eventsAdded, forStream } from "./internal/metrics.js"
import { validateDuration, validateEntryIds, validateInteger, validateName } from "./internal/validation.js"
import * as Reader from "./Reader.js"
import { RedisClient } from "./RedisClient.js"
import * as Sink from "./Sink.js"

/**
 * Stream options. `maxLen` (default 1000) bounds the stream: every add trims
 * it to about that many events (Redis's approximate `MAXLEN ~`, which trims
 * whole internal nodes and so may keep up to ~100 more). `ttl` expires the
 * stream key a fixed time after it was created; `slidingTtl` expires it that
 * long after the last add. They exclude each other.
 *
 * @example
 * ```ts
 * import type { EventStream } from "@effect-pulse/core"
 *
 * const options: EventStream.Options = { maxLen: 100_000, slidingTtl: "1 day" }
 * ```
 *
 * @since 0.1.0
 * @category models
 */
export interface Options {
  readonly maxLen?: number | undefined
  readonly ttl?: Duration.Input | undefined
  readonly slidingTtl?: Duration.Input | undefined
}

/**
 * Options of `add`. With `onlyIfStreamExists`, nothing is added (and
 * `undefined` returned) when the stream key does not exist.
 *
 * @example
 * ```ts
 * import type { EventStream } from "@effect-pulse/core"
 *
 * const options: EventStream.AddOptions = { topic: "eu", onlyIfStreamExists: true }
 * ```
 *
 * @since 0.1.0
 * @category models
 */
export interface AddOptions {
  readonly topic?: string | undefined
  readonly onlyIfStreamExists?: boolean | undefined
}

/**
 * One event of an `addAll` batch.
 *
 * @example
 * ```ts
 * import type { EventStream } from "@effect-pulse/core"
 *
 * const batch: ReadonlyArray<EventStream.NewEvent> = [
 *   { name: "created", payload: '{"id":1}', topic: "eu" },
 *   { name: "created", payload: new Uint8Array([1, 2, 3]) }
 * ]
 * ```
 *
 * @since 0.1.0
 * @category models
 */
export interface NewEvent {
  readonly name: string
  readonly payload: Uint8Array | string
  readonly topic?: string | undefined
}

/**
 * A named stream of events.
 *
 * @example
 * ```ts
 * import { Effect } from "effect"
 * import { EventStream } from "@effect-pulse/core"
 *
 * const publishBoth = (stream: EventStream.EventStream) =>
 *   stream.addAll([
 *     { name: "created", payload: "{}" },
 *     { name: "paid", payload: "{}" }
 *   ])
 * ```
 *
 * @since 0.1.0
 * @category models
 */
export interface EventStream {
  /** The stream's name. */
  readonly name: string
  /** Its Redis key, `pulse:stream:<name>`. */
  readonly key: string
  /** The approximate maximum number of events kept. */
  readonly maxLen: number
  /**
   * Adds an event; returns its ID, or `undefined` when `onlyIfStreamExists`
   * is set and the stream does not exist. A payload given as a string is
   * stored as its UTF-8 bytes.
   */
  readonly add: (
    eventName: string,
    payload: Uint8Array | string,
    options?: AddOptions
  ) => Effect.Effect<string | undefined, RedisError>
  /** Adds many events in one round trip; returns their IDs in order. */
  readonly addAll: (events: ReadonlyArray<NewEvent>) => Effect.Effect<ReadonlyArray<string>, RedisError>
  /**
   * Deletes events by ID; returns how many existed. Consumers normally ack
   * events rather than remove them.
   */
  readonly remove: (...ids: ReadonlyArray<string>) => Effect.Effect<number, InvalidOption | RedisError>
  /** Deletes the stream and every event in it, with its consumer groups. */
  readonly destroy: Effect.Effect<void, RedisError>
  /** A new reader of this stream, open until the scope closes. */
  readonly reader: (options?: Reader.Options) => Effect.Effect<Reader.Reader, InvalidOption | RedisError, Scope.Scope>
  /**
   * A new consumer of the sink (consumer group) `name` on this stream, open
   * until the scope closes. The group is created at the `start` position if
   * it does not exist yet; otherwise the consumer joins it at its cursor.
   */
  readonly sink: (
    name: string,
    options?: Sink.Options
  ) => Effect.Effect<Sink.Sink, InvalidName | InvalidOption | RedisError, Scope.Scope>
}

/**
 * The stream named `name`. Nothing is written to Redis until the first add;
 * an invalid name or option fails here, before anything reaches Redis.
 *
 * @example
 * ```ts
 * import { Effect } from "effect"
 * import { EventStream } from "@effect-pulse/core"
 * import { InMemoryRedis } from "@effect-pulse/core/testing"
 *
 * const orders = EventStream.make("orders", { maxLen: 10_000, ttl: "7 days" }).pipe(
 *   Effect.provide(InMemoryRedis.layer)
 * )
 * ```
 *
 * @since 0.1.0
 * @category constructors
 */
export const make = Effect.fnUntraced(function* (
  name: string,
  options?: Options
): Effect.fn.Return<EventStream, InvalidName | InvalidOption, RedisClient> {
  yield* validateName("stream", name)
  const maxLen = yield* validateInteger("maxLen", options?.maxLen ?? 1000, 1)
  if (options?.ttl !== undefined && options.slidingTtl !== undefined) {
    return yield* new InvalidOption({ option: "ttl", message: "ttl and slidingTtl exclude each other: choose one" })
  }
  const ttlMillis = options?.ttl === undefined ? undefined : yield* validateDuration("ttl", options.ttl, 1)
  const slidingTtlMillis =
    options?.slidingTtl === undefined ? undefined : yield* validateDuration("slidingTtl", options.slidingTtl, 1)
  const redis = yield* RedisClient
  const key = streamKey(name)
  const trim = { maxLen, approximate: true }
  const addedCounter = forStream(eventsAdded, name)

  // `ttl` is set once, on a key without expiry (`NX`): the add that created
  // the stream. `slidingTtl` is pushed back by every add.
  const expire: Effect.Effect<unknown, RedisError> =
    ttlMillis !== undefined
      ? redis.pexpire(key, ttlMillis, "NX")
      : slidingTtlMillis !== undefined
        ? redis.pexpire(key, slidingTtlMillis)
        : Effect.void

  const add = (eventName: string, payload: Uint8Array | string, addOptions?: AddOptions) =>
    redis
      .xadd(key, toFields(eventName, payload, addOptions?.topic), { trim, noMkStream: addOptions?.onlyIfStreamExists })
      .pipe(
        Effect.flatMap((id) =>
          id === null
            ? Effect.succeed(undefined)
            : Effect.as(Effect.andThen(expire, Metric.update(addedCounter, 1)), id)
        ),
        Effect.withSpan("EventStream.add", { attributes: { stream: name, event: eventName } })
      )

  const addAll = (events: ReadonlyArray<NewEvent>) =>
    events.length === 0
      ? Effect.succeed([])
      : redis
          .xaddAll(
            key,
            events.map((event) => toFields(event.name, event.payload, event.topic)),
            { trim }
          )
          .pipe(
            Effect.tap(() => Effect.andThen(expire, Metric.update(addedCounter, events.length))),
            Effect.withSpan("EventStream.addAll", { attributes: { stream: name, count: events.length } })
          )

  const remove = (...ids: ReadonlyArray<string>) =>
    Effect.andThen(validateEntryIds("ids", ids), ids.length === 0 ? Effect.succeed(0) : redis.xdel(key, ids)).pipe(
      Effect.withSpan("EventStream.remove", { attributes: { stream: name, ids } })
    )

  const stream: EventStream = {
    name,
    key,
    maxLen,
    add,
    addAll,
    remove,
    destroy: Effect.asVoid(redis.del([key])).pipe(
      Effect.withSpan("EventStream.destroy", { attributes: { stream: name } })
    ),
    // The reader or sink uses the RedisClient this stream was made with.
    reader: (readerOptions) => Reader.make(stream, readerOptions).pipe(Effect.provideService(RedisClient, redis)),
    sink: (sinkName, sinkOptions) =>
      Sink.make(stream, sinkName, sinkOptions).pipe(Effect.provideService(RedisClient, redis))
  }
  return stream
})
