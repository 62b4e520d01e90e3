/**
 * Readers: each reader sees every event of its streams after its start
 * position, in stream order per stream, independently of every other reader.
 *
 * A reader is a scoped resource. Its polling starts with the first run of
 * `events` or the first `subscribe`, and stops when its scope closes or
 * `close` is called; a blocked read is aborted at once.
 *
 * @example
 * ```ts
 * import { Effect, Stream } from "effect"
 * import { Event, EventStream, StartAt } from "@effect-pulse/core"
 * import { InMemoryRedis } from "@effect-pulse/core/testing"
 *
 * const program = Effect.gen(function*() {
 *   const orders = yield* EventStream.make("orders")
 *   yield* orders.add("created", '{"id":1}')
 *   const reader = yield* orders.reader({ start: StartAt.oldest })
 *   yield* reader.events.pipe(
 *     Stream.take(1),
 *     Stream.runForEach((event) => Effect.log(event.eventName, Event.text(event)))
 *   )
 * }).pipe(Effect.scoped, Effect.provide(InMemoryRedis.layer))
 * ```
 *
 * @since 0.1.0
 */
import type { Duration, Stream } from "effect"
import { Effect, Exit, Metric, Scope } from "effect"
import type * as Arr from "effect/Array"
import type { InvalidOption, RedisError } from "./Errors.js"
import { ReaderClosed } from "./Errors.js"
import type { Event } from "./Event.js"
import type { EventStream } from "./EventStream.js"
import { countEntries, toEvent } from "./internal/entries.js"
import { eventsRead, forStream } from "./internal/metrics.js"
import * as Poller from "./internal/poller.js"
import { resolveReadOptions } from "./internal/readOptions.js"
import { startCursor } from "./internal/startCursor.js"
import * as Subscribers from "./internal/subscribers.js"
import { noStackTrace } from "./internal/tracing.js"
import { makeWatch, type WatchedStream } from "./internal/vanishedStreams.js"
import { RedisClient, type StreamRead } from "./RedisClient.js"
import * as StartAt from "./StartAt.js"
import * as Topic from "./Topic.js"

/**
 * How a reader's streams fail. Lost connections and reads Redis cuts short
 * (`UNBLOCKED`) are retried with backoff and never end a stream, nor does a
 * stream key that vanishes (it is read from its first entry once it exists
 * again); a command Redis refuses (for instance `WRONGTYPE` when the key was
 * overwritten with another type) does.
 *
 * @example
 * ```ts
 * import type { Reader } from "@effect-pulse/core"
 *
 * const describe = (error: Reader.ReaderError) => `${error._tag}: ${error.message}`
 * ```
 *
 * @since 0.1.0
 * @category errors
 */
export type ReaderError = RedisError

/**
 * Reader options. `start` defaults to `StartAt.newest`, `blockDuration` (how
 * long one poll waits on Redis; `0` waits forever) to 5 seconds, `maxPolled`
 * (events per poll) and `bufferSize` (events held per stream consumer) to
 * 1000, `topic` to every topic.
 *
 * @example
 * ```ts
 * import { StartAt, Topic } from "@effect-pulse/core"
 * import type { Reader } from "@effect-pulse/core"
 *
 * const options: Reader.Options = { start: StartAt.oldest, topic: Topic.glob("eu.*"), bufferSize: 100 }
 * ```
 *
 * @since 0.1.0
 * @category models
 */
export interface Options {
  /** Where reading starts; `StartAt.newest` by default (resolved when the reader or sink is created). */
  readonly start?: StartAt.StartAt | undefined
  /** How long one poll waits on Redis for new events; 5 seconds by default, `0` waits forever. */
  readonly blockDuration?: Duration.Input | undefined
  /** The most events read from each stream in one poll; 1000 by default. */
  readonly maxPolled?: number | undefined
  /** The most events held in memory per consumer stream; polling pauses while it is full. 1000 by default. */
  readonly bufferSize?: number | undefined
  /** Which topics to deliver: a `Topic` matcher, a string (exact topic) or a `RegExp`; every topic by default. */
  readonly topic?: Topic.Input | undefined
}

/**
 * A stream reader.
 *
 * @example
 * ```ts
 * import { Effect, Stream } from "effect"
 * import { EventStream } from "@effect-pulse/core"
 *
 * const twoCopies = Effect.gen(function*() {
 *   const orders = yield* EventStream.make("orders")
 *   const reader = yield* orders.reader()
 *   const audit = yield* reader.subscribe // receives a copy of every event, as `events` does
 *   return Stream.merge(reader.events, audit)
 * })
 * ```
 *
 * @since 0.1.0
 * @category models
 */
export interface Reader {
  /**
   * The reader's own stream. Successive runs continue where the last one
   * stopped; concurrent runs share the events between them. Nothing read is
   * dropped while the reader is open: up to `bufferSize` events wait in
   * memory, and polling pauses while that buffer is full.
   */
  readonly events: Stream.Stream<Event, ReaderError>
  /**
   * The same events as `events` (drawn from the same buffer, so use one or
   * the other), handed over in arrays: each element is every event waiting
   * at the time of the pull, at least one and at most `bufferSize`. Faster
   * when a consumer handles events in groups (one pull, one element, per
   * read rather than per event), with the same guarantee: an array is
   * handed over whole or stays buffered, so a run that stops drops nothing.
   * Use `events` when each event is handled on its own.
   *
   * `Stream.flattenArray` turns it into a stream of events whose chunks are
   * those arrays, for chunk-aware stages such as `Stream.groupedWithin`
   * (which costs per pull, not per event); a run of that stream stopped in
   * the middle of a chunk drops the rest of it.
   */
  readonly batches: Stream.Stream<Arr.NonEmptyReadonlyArray<Event>, ReaderError>
  /**
   * A further, independent stream that receives a copy of every event read
   * after this call, until the scope closes (Go Pulse's `Subscribe`).
   */
  readonly subscribe: Effect.Effect<Stream.Stream<Event, ReaderError>, never, Scope.Scope>
  /**
   * Reads one more stream. `start` defaults to the reader's own start
   * option. Does nothing if the stream is already read; fails with
   * `ReaderClosed` once the reader is closed.
   */
  readonly addStream: (
    stream: EventStream,
    options?: { readonly start?: StartAt.StartAt | undefined }
  ) => Effect.Effect<void, InvalidOption | ReaderClosed | RedisError>
  /** Stops reading a stream. Does nothing if the stream is not read. */
  readonly removeStream: (stream: EventStream) => Effect.Effect<void>
  /** Stops polling and ends the reader's streams. Safe to call more than once. */
  readonly close: Effect.Effect<void>
  /** Whether the reader was closed. */
  readonly isClosed: Effect.Effect<boolean>
  /** The names of the streams being read. */
  readonly streamNames: Effect.Effect<ReadonlyArray<string>>
  /** How many events wait in the reader's buffers now (for monitoring). */
  readonly bufferedEvents: Effect.Effect<number>
}

/** What a reader knows of each stream it reads. */
interface StreamState extends WatchedStream {
  readonly readCounter: ReturnType<typeof forStream>
}

/**
 * Creates a reader of `stream`, open until the scope closes; what
 * `stream.reader` does.
 *
 * @example
 * ```ts
 * import { Effect } from "effect"
 * import { EventStream, Reader, StartAt } from "@effect-pulse/core"
 *
 * const program = Effect.gen(function*() {
 *   const orders = yield* EventStream.make("orders")
 *   return yield* Reader.make(orders, { start: StartAt.oldest })
 * })
 * ```
 *
 * @since 0.1.0
 * @category constructors
 */
export const make = Effect.fn("Reader.make")(function* (
  stream: Pick<EventStream, "name" | "key">,
  options?: Options
): Effect.fn.Return<Reader, InvalidOption | RedisError, RedisClient | Scope.Scope> {
  const redis = yield* RedisClient
  const resolved = yield* resolveReadOptions(options)
  const readerId = crypto.randomUUID().slice(0, 8)
  yield* Effect.annotateCurrentSpan({ stream: stream.name, reader: readerId })
  const streams = new Map<string, StreamState>()
  streams.set(stream.key, {
    name: stream.name,
    cursor: yield* startCursor(redis, stream.key, resolved.start),
    lastRead: undefined,
    readCounter: forStream(eventsRead, stream.name)
  })

  const parentScope = yield* Effect.scope
  const scope = yield* Scope.fork(parentScope, "sequential")
  const subscribers = yield* Subscribers.make<ReaderError>(resolved.bufferSize)
  let closed = false
  const annotations = { stream: stream.name, reader: readerId }

  const everyTopic = resolved.topic === Topic.any
  const handleRead = (read: StreamRead) => {
    const state = streams.get(read.key)
    if (state === undefined || read.entries.length === 0) return Effect.void
    state.lastRead = read.entries[read.entries.length - 1]!
    state.cursor = state.lastRead.id
    const events = new Array<Event>(everyTopic ? read.entries.length : 0)
    for (let i = 0; i < read.entries.length; i++) {
      const event = toEvent(state.name, undefined, read.entries[i]!)
      if (everyTopic) events[i] = event
      else if (resolved.topic.test(event.topic ?? "")) events.push(event)
    }
    return Effect.andThen(Metric.update(state.readCounter, read.entries.length), subscribers.publish(events))
  }

  // Streams whose key vanished are read again from their first entry.
  const watchForVanishedKeys = makeWatch(redis)
  const poller = Poller.make({
    redis,
    subscribers,
    streams,
    maxPolled: resolved.maxPolled,
    annotations,
    read: (connection, polled, count) =>
      watchForVanishedKeys(
        polled,
        connection.xread(
          polled.map(([key, state]) => ({ key, id: state.cursor })),
          { count, blockMillis: resolved.blockMillis }
        )
      ).pipe(
        Effect.tap((reads) => Effect.annotateCurrentSpan("events", countEntries(reads))),
        // Each poll is a trace of its own: the reader outlives whatever created it.
        Effect.withSpan(
          "Reader.read",
          { root: true, kind: "consumer", attributes: { ...annotations, streams: polled.length } },
          noStackTrace
        )
      ),
    // A poll of one stream (the usual case) skips `Effect.forEach` and its iterator.
    handle: (reads) =>
      reads.length === 1 ? handleRead(reads[0]!) : Effect.forEach(reads, handleRead, { discard: true })
  })
  yield* Scope.addFinalizer(
    scope,
    Effect.suspend(() => {
      closed = true
      return subscribers.close
    })
  )
  yield* Effect.forkIn(poller.run, scope)

  const close = Effect.suspend(() => {
    if (closed) return Effect.void
    closed = true
    return Scope.close(scope, Exit.void).pipe(
      Effect.andThen(Effect.logDebug("reader closed")),
      Effect.annotateLogs(annotations)
    )
  })

  const addStream = Effect.fnUntraced(function* (
    added: EventStream,
    addOptions?: { readonly start?: StartAt.StartAt | undefined }
  ) {
    const start = yield* StartAt.validate(addOptions?.start ?? resolved.start)
    if (closed) {
      const streamNames = Array.from(streams.values(), (state) => state.name)
      return yield* new ReaderClosed({ streamNames, operation: "addStream" })
    }
    if (streams.has(added.key)) return
    const cursor = yield* startCursor(redis, added.key, start)
    if (closed || streams.has(added.key)) return
    streams.set(added.key, {
      name: added.name,
      cursor,
      lastRead: undefined,
      readCounter: forStream(eventsRead, added.name)
    })
    yield* poller.streamsChanged
  })

  const removeStream = (removed: EventStream) =>
    Effect.suspend(() => (streams.delete(removed.key) ? poller.streamsChanged : Effect.void))

  return {
    events: subscribers.events,
    batches: subscribers.batches,
    subscribe: subscribers.subscribe,
    addStream,
    removeStream,
    close,
    isClosed: Effect.sync(() => closed),
    streamNames: Effect.sync(() => Array.from(streams.values(), (state) => state.name)),
    bufferedEvents: Effect.sync(subscribers.buffered)
  } satisfies Reader
})
