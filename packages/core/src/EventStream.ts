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
import type { RedisError } from "./Errors.js"
import { InvalidName, InvalidOption, PartiallyAdded, PayloadTooLarge } from "./Errors.js"
import * as Inspect from "./Inspect.js"
import { destroyingKey, notifyDestroyed } from "./internal/destroyWatch.js"
import { toFields } from "./internal/entries.js"
import { addedIdKey, streamKey } from "./internal/keys.js"
import { eventsAdded, forStream } from "./internal/metrics.js"
import { chunkBatch, maxPayloadSizeLimit, payloadSize } from "./internal/payloadSize.js"
import * as SinkRegistry from "./internal/sinkRegistry.js"
import { hasTracer, noStackTrace } from "./internal/tracing.js"
import {
  loneSurrogateIndex,
  show,
  validateDuration,
  validateEntryIds,
  validateInteger,
  validateName
} from "./internal/validation.js"
import * as Reader from "./Reader.js"
import { type Expiry, RedisClient } from "./RedisClient.js"
import * as Sink from "./Sink.js"

/**
 * Stream options. `maxLen` (default 1000) bounds the stream: every add trims
 * it to about that many events (Redis's approximate `MAXLEN ~`, which trims
 * whole internal nodes and so may keep up to ~100 more); 0 leaves it
 * untrimmed, as in Go Pulse. `ttl` expires the
 * stream key a fixed time after it was created; `slidingTtl` expires it that
 * long after the last add. They exclude each other. `maxPayloadSize` (bytes,
 * default 1 MiB as in NATS and Kafka, at most 512 MiB, Redis's largest
 * value) refuses larger payloads with `PayloadTooLarge` before anything is
 * sent: one huge value would hold up the connection every add and ack of the
 * process shares. `idempotencyWindow` (default 5 minutes) is how long an
 * add with an `id` is remembered: another add with that `id` within the
 * window stores nothing and returns the first event's entry ID.
 *
 * @example
 * ```ts
 * import type { EventStream } from "@effect-pulse/core"
 *
 * const options: EventStream.Options = { maxLen: 100_000, slidingTtl: "1 day", idempotencyWindow: "10 minutes" }
 * ```
 *
 * @since 0.1.0
 * @category models
 */
export interface Options {
  readonly maxLen?: number | undefined
  readonly ttl?: Duration.Input | undefined
  readonly slidingTtl?: Duration.Input | undefined
  readonly maxPayloadSize?: number | undefined
  readonly idempotencyWindow?: Duration.Input | undefined
}

/**
 * Options of `add`. With `onlyIfStreamExists`, nothing is added (and
 * `undefined` returned) when the stream key does not exist. With `id` (a
 * producer-chosen idempotency key, 1 to 512 characters of well-formed
 * Unicode), the add is done once per window (`idempotencyWindow`): a second
 * add with the same `id` stores nothing and returns the first event's entry
 * ID, so that a producer may retry an add whose reply it never got.
 *
 * @example
 * ```ts
 * import type { EventStream } from "@effect-pulse/core"
 *
 * const options: EventStream.AddOptions = { topic: "eu", onlyIfStreamExists: true, id: "order-42-created" }
 * ```
 *
 * @since 0.1.0
 * @category models
 */
export interface AddOptions {
  readonly topic?: string | undefined
  readonly onlyIfStreamExists?: boolean | undefined
  readonly id?: string | undefined
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
  /** The approximate maximum number of events kept; 0 when the stream is not trimmed. */
  readonly maxLen: number
  /**
   * The stream key's expiry, in milliseconds: after its creation (`ttl`,
   * `sliding: false`) or after the last add (`slidingTtl`, `sliding: true`);
   * undefined when it has none.
   */
  readonly ttl: { readonly millis: number; readonly sliding: boolean } | undefined
  /** The largest payload an add accepts, in bytes. */
  readonly maxPayloadSize: number
  /**
   * Adds an event; returns its ID, or `undefined` when `onlyIfStreamExists`
   * is set and the stream does not exist. A payload given as a string is
   * stored as its UTF-8 bytes. An event name or topic that is not
   * well-formed Unicode (a lone surrogate would be stored as U+FFFD) fails
   * with `InvalidName` or `InvalidOption`, a payload over `maxPayloadSize`
   * with `PayloadTooLarge`, before anything is sent. The add and the stream's expiry (`ttl`,
   * `slidingTtl`) are one atomic step: an add that Redis refuses stored
   * nothing, and one whose connection dropped before the reply says that it
   * may have been stored: with an `id`, retrying it is safe, since an add
   * whose `id` was seen within `idempotencyWindow` stores nothing and returns
   * the first event's ID (the look-up, the add and the remembering are one
   * atomic step; an invalid `id` fails with `InvalidOption`). Its span,
   * `EventStream.add`, is made only when a tracer is installed.
   */
  readonly add: (
    eventName: string,
    payload: Uint8Array | string,
    options?: AddOptions
  ) => Effect.Effect<string | undefined, InvalidName | InvalidOption | PayloadTooLarge | RedisError>
  /**
   * Adds many events; returns their IDs in order. Every event is checked
   * first, as by `add` (one bad event fails the call with nothing sent). The batch goes
   * in parts of at most 1000 events and about 1 MiB each, one round trip
   * per part, so that a large batch never holds up the shared connection
   * for long. Each part is atomic (its events get consecutive IDs with
   * nothing in between, and the expiry goes with it); the batch as a whole
   * is not: another add may come between two parts, and when a part fails
   * after earlier ones were stored the call fails with `PartiallyAdded`,
   * which lists the IDs stored. A failure of the first part stored nothing.
   */
  readonly addAll: (
    events: ReadonlyArray<NewEvent>
  ) => Effect.Effect<ReadonlyArray<string>, InvalidName | InvalidOption | PayloadTooLarge | PartiallyAdded | RedisError>
  /**
   * Deletes events by ID; returns how many existed. Consumers normally ack
   * events rather than remove them.
   */
  readonly remove: (...ids: ReadonlyArray<string>) => Effect.Effect<number, InvalidOption | RedisError>
  /**
   * Deletes the stream and every event in it, with its consumer groups, and
   * then destroys its sinks map as Go Pulse's `Destroy` does (published, so
   * that Go processes see it). The sinks opened on this `EventStream` then
   * end with `StreamDestroyed`. The sinks' keep-alive and lease keys stay,
   * as in Go Pulse (they belong to sinks, which may read other streams; see
   * `Sink.keys`), and so do the stream's dead letters, until deleted with
   * `DeadLetter.destroy`.
   */
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
 * The Redis keys of the stream named `name`: the stream itself and its
 * sinks map (Go Pulse's replicated map `stream:<name>:sinks`, which lists
 * the consumers of each sink reading it). `destroy` deletes the first and
 * empties the second the way Go Pulse does (it keeps the map's revision);
 * delete both, with the dead letters (`DeadLetter.destroy`), to remove every
 * trace of a stream no process uses any more.
 *
 * @example
 * ```ts
 * import { EventStream } from "@effect-pulse/core"
 *
 * const { stream, sinks } = EventStream.keys("orders")
 * // "pulse:stream:orders", "map:stream:orders:sinks:content"
 * ```
 *
 * @since 0.1.0
 * @category keys
 */
export const keys = (name: string): { readonly stream: string; readonly sinks: string } => ({
  stream: streamKey(name),
  sinks: SinkRegistry.sinksMap(name).contentKey
})

/**
 * The Redis key that remembers an idempotent add (`add` with an `id`) of the
 * stream `streamName` for its window: `pulse:added:{<hash tag>}:<stream>:<id>`,
 * in the stream's cluster slot. It expires by itself; delete it to let the
 * same `id` add again at once.
 *
 * @example
 * ```ts
 * import { Effect } from "effect"
 * import { EventStream, RedisClient } from "@effect-pulse/core"
 *
 * const forget = (id: string) =>
 *   Effect.gen(function*() {
 *     const redis = yield* RedisClient.RedisClient
 *     yield* redis.del([EventStream.idempotencyKey("orders", id)])
 *   })
 * ```
 *
 * @since 0.1.0
 * @category keys
 */
export const idempotencyKey = (streamName: string, id: string): string => addedIdKey(streamName, id)

/** An idempotency id: well-formed Unicode (it is part of a key), 1 to 512 characters; the error otherwise. */
const invalidIdempotencyId = (id: string | undefined): InvalidOption | undefined =>
  id === undefined || (typeof id === "string" && id.length >= 1 && id.length <= 512 && loneSurrogateIndex(id) === -1)
    ? undefined
    : new InvalidOption({
        option: "id",
        message: `an idempotency id must be a well-formed Unicode string of 1 to 512 characters, got ${show(id)}`
      })

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
  const maxLen = yield* validateInteger("maxLen", options?.maxLen ?? 1000, 0)
  if (options?.ttl !== undefined && options.slidingTtl !== undefined) {
    return yield* new InvalidOption({ option: "ttl", message: "ttl and slidingTtl exclude each other: choose one" })
  }
  const ttlMillis = options?.ttl === undefined ? undefined : yield* validateDuration("ttl", options.ttl, 1)
  const slidingTtlMillis =
    options?.slidingTtl === undefined ? undefined : yield* validateDuration("slidingTtl", options.slidingTtl, 1)
  const maxPayloadSize = yield* validateInteger(
    "maxPayloadSize",
    options?.maxPayloadSize ?? 1024 * 1024,
    1,
    maxPayloadSizeLimit
  )
  const idempotencyWindowMillis = yield* validateDuration(
    "idempotencyWindow",
    options?.idempotencyWindow ?? "5 minutes",
    1
  )
  const redis = yield* RedisClient
  const key = streamKey(name)
  // 0 leaves the stream untrimmed, as in Go Pulse (which sends MAXLEN only above 0).
  const trim = maxLen === 0 ? undefined : { maxLen, approximate: true }
  const addedCounter = forStream(eventsAdded, name)

  // `ttl` is set once, on a key without expiry (`NX`): the add that created
  // the stream. `slidingTtl` is pushed back by every add. Either goes with
  // the add in one atomic step.
  const expire: Expiry | undefined =
    ttlMillis !== undefined
      ? { millis: ttlMillis, condition: "NX" }
      : slidingTtlMillis !== undefined
        ? { millis: slidingTtlMillis }
        : undefined

  /**
   * Refuses what Redis would store other than given (a lone surrogate in a
   * name or topic becomes U+FFFD in UTF-8) and payloads over the maximum:
   * the error, or `undefined` for a valid event. Plain code rather than an
   * `Effect`: it runs for every add.
   */
  const invalidEvent = (
    eventName: string,
    payload: Uint8Array | string,
    topic: string | undefined
  ): InvalidName | InvalidOption | PayloadTooLarge | undefined => {
    if (typeof eventName !== "string" || loneSurrogateIndex(eventName) !== -1) {
      return new InvalidName({ name: String(eventName), message: "an event name must be a well-formed Unicode string" })
    }
    if (topic !== undefined && (typeof topic !== "string" || loneSurrogateIndex(topic) !== -1)) {
      return new InvalidOption({
        option: "topic",
        message: `a topic must be a well-formed Unicode string, got ${show(topic)}`
      })
    }
    if (typeof payload !== "string" && !(payload instanceof Uint8Array)) {
      return new InvalidOption({ option: "payload", message: "a payload must be a string or a Uint8Array" })
    }
    const size = payloadSize(payload, maxPayloadSize)
    return size > maxPayloadSize
      ? new PayloadTooLarge({ streamName: name, eventName, size, maxSize: maxPayloadSize })
      : undefined
  }

  const counted = (id: string | null) =>
    id === null ? Effect.undefined : Effect.as(Metric.update(addedCounter, 1), id)

  const addUntraced = (
    eventName: string,
    payload: Uint8Array | string,
    addOptions: AddOptions | undefined
  ): Effect.Effect<string | undefined, InvalidName | InvalidOption | PayloadTooLarge | RedisError> => {
    const invalid = invalidEvent(eventName, payload, addOptions?.topic) ?? invalidIdempotencyId(addOptions?.id)
    if (invalid !== undefined) return Effect.fail(invalid)
    const id = addOptions?.id
    return Effect.flatMap(
      redis.xadd(key, toFields(eventName, payload, addOptions?.topic), {
        trim,
        noMkStream: addOptions?.onlyIfStreamExists,
        expire,
        dedupe: id === undefined ? undefined : { key: addedIdKey(name, id), windowMillis: idempotencyWindowMillis }
      }),
      counted
    )
  }

  // The span is only made when a tracer is installed (see internal/tracing.ts): making it (the span, and the
  // fiber context changed and restored twice to make it the parent) was about as much client CPU as the rest
  // of the add's Effect code.
  const add = (eventName: string, payload: Uint8Array | string, addOptions?: AddOptions) =>
    Effect.withFiber((fiber) =>
      !hasTracer(fiber)
        ? addUntraced(eventName, payload, addOptions)
        : addUntraced(eventName, payload, addOptions).pipe(
            Effect.withSpan("EventStream.add", { attributes: { stream: name, event: eventName } }, noStackTrace)
          )
    )

  const addPart = (part: ReadonlyArray<NewEvent>) =>
    redis
      .xaddAll(
        key,
        part.map((event) => toFields(event.name, event.payload, event.topic)),
        { trim, expire }
      )
      .pipe(Effect.tap(() => Metric.update(addedCounter, part.length)))

  const addAll = (events: ReadonlyArray<NewEvent>) =>
    Effect.gen(function* () {
      for (const event of events) {
        const invalid = invalidEvent(event.name, event.payload, event.topic)
        if (invalid !== undefined) return yield* Effect.fail(invalid)
      }
      const ids: Array<string> = []
      for (const part of chunkBatch(events)) {
        const added = yield* addPart(part).pipe(
          Effect.mapError((error) =>
            ids.length === 0 ? error : new PartiallyAdded({ streamName: name, addedIds: ids, cause: error })
          )
        )
        for (const id of added) ids.push(id)
      }
      return ids as ReadonlyArray<string>
    }).pipe(Effect.withSpan("EventStream.addAll", { attributes: { stream: name, count: events.length } }, noStackTrace))

  const remove = (...ids: ReadonlyArray<string>) =>
    Effect.andThen(validateEntryIds("ids", ids), ids.length === 0 ? Effect.succeed(0) : redis.xdel(key, ids)).pipe(
      Effect.withSpan("EventStream.remove", { attributes: { stream: name, ids } })
    )

  const stream: EventStream = {
    name,
    key,
    maxLen,
    ttl:
      ttlMillis !== undefined
        ? { millis: ttlMillis, sliding: false }
        : slidingTtlMillis !== undefined
          ? { millis: slidingTtlMillis, sliding: true }
          : undefined,
    maxPayloadSize,
    add,
    addAll,
    remove,
    destroy: destroyingKey(
      key,
      redis
        .del([key])
        .pipe(
          Effect.andThen(SinkRegistry.destroy(redis, name)),
          Effect.andThen(Effect.suspend(() => notifyDestroyed(stream, name)))
        )
    ).pipe(Effect.withSpan("EventStream.destroy", { attributes: { stream: name } })),
    // The reader or sink uses the RedisClient this stream was made with.
    reader: (readerOptions) => Reader.make(stream, readerOptions).pipe(Effect.provideService(RedisClient, redis)),
    sink: (sinkName, sinkOptions) =>
      Sink.make(stream, sinkName, sinkOptions).pipe(Effect.provideService(RedisClient, redis))
  }
  return stream
})

/**
 * What the stream named `name` holds and who reads it: its length, first
 * and last entries, TTL, sinks (lag, pending, consumers) and dead letters.
 * The same as `Inspect.stream`; fails with `StreamNotFound` when the stream
 * does not exist.
 *
 * @example
 * ```ts
 * import { Effect } from "effect"
 * import { EventStream } from "@effect-pulse/core"
 *
 * const length = Effect.map(EventStream.info("orders"), (info) => info.length)
 * ```
 *
 * @since 0.1.0
 * @category inspecting
 */
export const info = Inspect.stream
