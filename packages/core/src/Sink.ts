/**
 * Sinks: consumer groups with at-least-once delivery. Sinks with the same
 * name share one cursor, so each event goes to one of their consumers; sinks
 * with different names each get every event. An event delivered but not
 * acked within `ackGracePeriod` is claimed by a live consumer of the sink and
 * delivered again, so a consumer that crashes loses nothing.
 *
 * A sink is a scoped resource over a Redis consumer group named after it.
 *
 * @example
 * ```ts
 * import { Effect } from "effect"
 * import { Event, EventStream, StartAt } from "@effect-pulse/core"
 * import { InMemoryRedis } from "@effect-pulse/core/testing"
 *
 * const program = Effect.gen(function*() {
 *   const orders = yield* EventStream.make("orders")
 *   const billing = yield* orders.sink("billing", { start: StartAt.oldest, ackGracePeriod: "20 seconds" })
 *   // acks each event its handler succeeds on; hands back the others for redelivery
 *   yield* billing.process((event) => Effect.log("billing", Event.text(event)), { concurrency: 4 })
 * }).pipe(Effect.scoped, Effect.provide(InMemoryRedis.layer))
 * ```
 *
 * @since 0.1.0
 */
import type { Duration } from "effect"
import { Effect, Exit, Queue, Scope, Stream } from "effect"
import type * as Arr from "effect/Array"
import { dual } from "effect/Function"
import type { InvalidName, InvalidOption, NotDeliveredToSink, RedisError, SinkClosed } from "./Errors.js"
import type { Carrier, Event, SinkEvent } from "./Event.js"
import type { EventStream } from "./EventStream.js"
import type { Acknowledger } from "./internal/acknowledger.js"
import type { AckBatching } from "./internal/ackQueue.js"
import * as ClaimKeeper from "./internal/claimKeeper.js"
import { deliveriesOf } from "./internal/entries.js"
import { goKeepAliveMapName, goSinkLeaseKey } from "./internal/keys.js"
import type { ReadOptions } from "./internal/readOptions.js"
import { resolveReadOptions } from "./internal/readOptions.js"
import { replicatedMap } from "./internal/replicatedMap.js"
import { retryWhileDisconnected } from "./internal/retry.js"
import * as SinkAcks from "./internal/sinkAcks.js"
import * as SinkBackground from "./internal/sinkBackground.js"
import { claimCheck } from "./internal/sinkClaimCheck.js"
import * as SinkClaims from "./internal/sinkClaims.js"
import * as SinkConsumers from "./internal/sinkConsumers.js"
import { joinGroup } from "./internal/sinkGroups.js"
import { makeGuards } from "./internal/sinkGuards.js"
import * as SinkLease from "./internal/sinkLease.js"
import * as SinkPoll from "./internal/sinkPoll.js"
import * as SinkProcess from "./internal/sinkProcess.js"
import * as SinkStages from "./internal/sinkStages.js"
import * as SinkState from "./internal/sinkState.js"
import * as SinkStreams from "./internal/sinkStreams.js"
import * as Subscribers from "./internal/subscribers.js"
import { validateDuration, validateInteger, validateName } from "./internal/validation.js"
import { RedisClient } from "./RedisClient.js"
import type * as StartAt from "./StartAt.js"

/**
 * How a sink's streams fail: a command Redis refuses, or `StreamDestroyed`
 * when `stream.destroy` was called on a stream the sink reads. Lost
 * connections are retried with backoff, and a key or group that vanished
 * from outside is waited for or recreated: faults never end a stream.
 *
 * @example
 * ```ts
 * import type { Sink } from "@effect-pulse/core"
 *
 * const describe = (error: Sink.SinkError) => `${error._tag}: ${error.message}`
 * ```
 *
 * @since 0.1.0
 * @category errors
 */
export type SinkError = SinkState.SinkError

/**
 * Sink options: those of readers, plus `noAck` (read with `NOACK`: nothing
 * pending, nothing redelivered; default false), `ackGracePeriod` (how long
 * a delivered event may stay unacked before it is delivered again; default
 * 20 seconds) and `maxDeliveries` (after that many deliveries without an ack
 * an event moves to the stream's dead letters, `DeadLetter`; default unlimited).
 *
 * @example
 * ```ts
 * import type { Sink } from "@effect-pulse/core"
 *
 * const options: Sink.Options = { ackGracePeriod: "30 seconds", maxDeliveries: 5 }
 * ```
 *
 * @since 0.1.0
 * @category models
 */
export interface Options extends ReadOptions {
  /** Read with `NOACK`: nothing is pending and nothing is redelivered. False by default. */
  readonly noAck?: boolean | undefined
  /** How long a delivered event may stay unacked before it is delivered again; 20 seconds by default. */
  readonly ackGracePeriod?: Duration.Input | undefined
  /** Deliveries after which an unacked event moves to the stream's dead letters (`DeadLetter`); unlimited by default. */
  readonly maxDeliveries?: number | undefined
}

/**
 * Options of `sink.nack`: `delay`, how long to wait before the event is
 * delivered again (0 by default).
 *
 * @example
 * ```ts
 * import type { Sink } from "@effect-pulse/core"
 *
 * const later: Sink.NackOptions = { delay: "5 seconds" }
 * ```
 *
 * @since 0.1.0
 * @category models
 */
export interface NackOptions {
  readonly delay?: Duration.Input | undefined
}

/**
 * A sink: one consumer of a consumer group.
 *
 * @example
 * ```ts
 * import { Stream } from "effect"
 * import type { Sink } from "@effect-pulse/core"
 *
 * // Acks each array of events the sink hands over (one XACK per read).
 * const ackInBatches = (sink: Sink.Sink) => sink.batches.pipe(Stream.runForEach((events) => sink.ackAll(events)))
 * ```
 *
 * @since 0.1.0
 * @category models
 */
export interface Sink {
  /** The sink's name: the name of its consumer groups. */
  readonly name: string
  /** This consumer's name in the group. It changes if the consumer was declared stale and rejoined. */
  readonly consumer: string
  /**
   * The events delivered to this consumer; runs share them as for readers.
   * Ack each one, with `ack` or with the pipeline stages (`handle`,
   * `ackEach`, `Topic.filter`, `Payload.decode`).
   */
  readonly events: Stream.Stream<SinkEvent, SinkError>
  /**
   * The same events as `events`, from the same buffer, as arrays: everything
   * waiting at each pull (at most `bufferSize`). One pull per read instead of
   * one per event, for consumers that ack in groups (`ackAll` on each array);
   * an array is handed over whole or stays buffered, so a run that stops
   * drops nothing. Use one of `events` and `batches` per sink.
   *
   * `Stream.flattenArray` makes it a stream of events in chunks of one read,
   * for chunk-aware stages: `Stream.groupedWithin` costs per pull, so it
   * groups these chunks several times faster than `events`, pulled one event
   * at a time. A run of the flattened stream that stops in the middle of a
   * chunk drops the rest of it; those events stay pending and are delivered
   * again after the ack grace period.
   *
   * @example
   * ```ts
   * import { Stream } from "effect"
   * import type { Sink } from "@effect-pulse/core"
   *
   * const ackEachBatch = (sink: Sink.Sink) => sink.batches.pipe(Stream.runForEach((events) => sink.ackAll(events)))
   *
   * // Groups of up to 500 events, waiting at most 50 ms for a group to fill.
   * const ackInGroups = (sink: Sink.Sink) =>
   *   sink.batches.pipe(
   *     Stream.flattenArray,
   *     Stream.groupedWithin(500, "50 millis"),
   *     Stream.runForEach((events) => sink.ackAll(events))
   *   )
   * ```
   */
  readonly batches: Stream.Stream<Arr.NonEmptyReadonlyArray<SinkEvent>, SinkError>
  /** A further stream with a copy of every event delivered after this call, until the scope closes. */
  readonly subscribe: Effect.Effect<Stream.Stream<SinkEvent, SinkError>, never, Scope.Scope>
  /**
   * Acknowledges an event: it will not be delivered again. Fails with
   * `SinkClosed` once the sink is closed, and with `NotDeliveredToSink` for
   * an event this sink did not deliver (one of another sink, of a reader, or
   * of a stream the sink no longer reads); either way nothing is sent.
   */
  readonly ack: (event: Event) => Effect.Effect<void, RedisError | SinkClosed | NotDeliveredToSink>
  /** Acknowledges many events in one round trip per stream; checked as `ack`, all before any is sent. */
  readonly ackAll: (events: Iterable<Event>) => Effect.Effect<void, RedisError | SinkClosed | NotDeliveredToSink>
  /**
   * Hands an event back: it is delivered again within ~100 ms, without
   * waiting for the grace period; with `delay`, that long later (a retry
   * delay: up to the ack grace period it is the idle time Redis keeps; for
   * a longer one this consumer keeps the event claimed until a grace period
   * is left, so that if it dies the event comes back after a grace period,
   * earlier than asked). Checked as `ack`, and a `delay` that is not a duration of 0 or more fails with
   * `InvalidOption`; either way nothing is sent.
   */
  readonly nack: (
    event: Event,
    options?: NackOptions
  ) => Effect.Effect<void, RedisError | SinkClosed | NotDeliveredToSink | InvalidOption>
  /**
   * Refreshes the idle time of an event this consumer holds, so that it is
   * not claimed by another consumer for another grace period: for a handler
   * that runs long (`keepClaimed` does it for as long as an effect runs).
   * Returns false when the event is no longer this consumer's (acked, or
   * claimed by another consumer after it was idle past the grace period).
   * Checked as `ack`.
   */
  readonly extend: (event: Event) => Effect.Effect<boolean, RedisError | SinkClosed | NotDeliveredToSink>
  /**
   * Keeps `event` claimed by this consumer while `effect` runs (its idle time
   * refreshed every check interval, a quarter of the grace period at most), as `process` and `Sink.handle` do
   * for their handlers; if the process dies, the event is delivered again
   * after the grace period. Checked as `ack`. Data-last:
   * `work.pipe(sink.keepClaimed(event))`.
   */
  readonly keepClaimed: (
    event: Event
  ) => <A, E, R>(effect: Effect.Effect<A, E, R>) => Effect.Effect<A, E | SinkClosed | NotDeliveredToSink, R>
  /**
   * Runs `handler` on every event until the sink closes, acking each event
   * whose handler succeeds and handing back (with `nack`, after the delay of
   * the `retry` schedule) each one whose handler fails or dies. Handler failures are logged and never stop the
   * sink. `concurrency` (default 1) events are handled at once. Fails with
   * `SinkClosed` when called on a closed sink (and `InvalidOption` for a
   * `concurrency`, `batchSize`, `within`, `retry` or `orderBy` that is not valid); a `process` running when the
   * sink closes returns once the acks of the handled events went out. It is
   * the pipeline `events.pipe(Sink.handle(handler, options), Stream.runDrain)`,
   * pulling whatever the sink buffered at each pull.
   */
  readonly process: <X, E, R>(
    handler: (event: SinkEvent) => Effect.Effect<X, E, R>,
    options?: HandleOptions
  ) => Effect.Effect<void, SinkError | SinkClosed | InvalidOption, R>
  /**
   * Reads one more stream with this sink (creating its consumer group if
   * needed). Idempotent. Fails with `SinkClosed` on a closed sink.
   */
  readonly addStream: (
    stream: EventStream,
    options?: { readonly start?: StartAt.StartAt | undefined }
  ) => Effect.Effect<void, InvalidOption | SinkClosed | RedisError>
  /**
   * Stops reading a stream. When no consumer of the sink is left on it, its
   * consumer group is destroyed, as Go Pulse does. Idempotent.
   */
  readonly removeStream: (stream: EventStream) => Effect.Effect<void, RedisError>
  /** Stops polling and ends the streams; unacked events stay pending for other consumers. Idempotent. */
  readonly close: Effect.Effect<void>
  /** Whether the sink was closed. */
  readonly isClosed: Effect.Effect<boolean>
  /** The names of the streams the sink reads. */
  readonly streamNames: Effect.Effect<ReadonlyArray<string>>
}

/**
 * The Redis keys a sink writes besides its consumer groups, shared with Go
 * Pulse's consumers of the same sink: the hash of the consumers' keep-alive
 * (Go's replicated map `sink:<sink>:keepalive`, with its updates channel)
 * and the claim-check lease. The sinks map of each stream
 * (`map:stream:<stream>:sinks:content`) goes with the stream's `destroy`.
 * Delete these, when no consumer of the sink runs, to remove every trace of
 * a sink.
 *
 * @example
 * ```ts
 * import { Effect } from "effect"
 * import { RedisClient, Sink } from "@effect-pulse/core"
 *
 * const forget = (sinkName: string) =>
 *   Effect.gen(function*() {
 *     const redis = yield* RedisClient.RedisClient
 *     const { keepAlive, lease } = Sink.keys(sinkName)
 *     yield* redis.del([keepAlive, lease])
 *   })
 * ```
 *
 * @since 0.1.0
 * @category keys
 */
export const keys = (
  name: string
): { readonly keepAlive: string; readonly keepAliveUpdates: string; readonly lease: string } => {
  const keepAlive = replicatedMap(goKeepAliveMapName(name))
  return { keepAlive: keepAlive.contentKey, keepAliveUpdates: keepAlive.updatesChannel, lease: goSinkLeaseKey(name) }
}

const resolveOptions = Effect.fnUntraced(function* (name: string, options: Options | undefined) {
  yield* validateName("sink", name)
  const read = yield* resolveReadOptions(options)
  const graceMillis = yield* validateDuration("ackGracePeriod", options?.ackGracePeriod ?? "20 seconds", 1)
  const maxDeliveries =
    options?.maxDeliveries === undefined ? undefined : yield* validateInteger("maxDeliveries", options.maxDeliveries, 1)
  // Often enough that a requeue comes soon after the grace period ends.
  const checkIntervalMillis = Math.max(10, Math.min(Math.floor(graceMillis / 4), 5000))
  return { read, graceMillis, maxDeliveries, checkIntervalMillis, noAck: options?.noAck ?? false }
})

/**
 * Creates a consumer of the sink `name` on `stream`, open until the scope
 * closes; what `stream.sink` does.
 *
 * @example
 * ```ts
 * import { Effect } from "effect"
 * import { EventStream, Sink, StartAt } from "@effect-pulse/core"
 *
 * const program = Effect.gen(function*() {
 *   const orders = yield* EventStream.make("orders")
 *   return yield* Sink.make(orders, "billing", { start: StartAt.oldest })
 * })
 * ```
 *
 * @since 0.1.0
 * @category constructors
 */
export const make = Effect.fn("Sink.make")(function* (
  stream: EventStream,
  name: string,
  options?: Options
): Effect.fn.Return<Sink, InvalidName | InvalidOption | RedisError, RedisClient | Scope.Scope> {
  const redis = yield* RedisClient
  const { read, ...settings } = yield* resolveOptions(name, options)
  const subscribers = yield* Subscribers.make<SinkError>(read.bufferSize)
  // Lent to every event the sink delivers, for the pipeline stages; `acks` is made once the state exists.
  const acknowledger: Acknowledger = {
    ackAll: (events) => acks.ackAll(events),
    nack: (event, delayMillis) => acks.nack(event, delayMillis),
    deliveries: deliveriesOf,
    hold: (event) => keeper.hold(event),
    release: (event) => keeper.release(event),
    deadLetter: (event, reason) => acks.deadLetter(event, reason)
  }
  const state: SinkState.SinkState = {
    ...settings,
    redis,
    name,
    consumer: SinkState.newConsumerName(),
    streams: new Map(),
    topic: read.topic,
    subscribers,
    acknowledger,
    handedBack: yield* Queue.unbounded<SinkState.SinkStream>()
  }

  const keeper = ClaimKeeper.make(state, (event) => acks.streamOf(event))
  // Beat before joining: Go Pulse deletes a group consumer without a keep-alive entry at once.
  const heartbeat = SinkConsumers.makeHeartbeat(state)
  yield* heartbeat
  const first = SinkStreams.sinkStreamOf(name, stream, read.start)
  yield* joinGroup(state, first, first.startId, { mkStream: true })
  state.streams.set(first.key, first)

  const scope = yield* Scope.fork(yield* Effect.scope, "sequential")
  let closed = false
  const annotations = { stream: stream.name, sink: name, consumer: state.consumer }
  yield* Effect.annotateCurrentSpan(annotations)
  const guards = makeGuards({ name, consumer: () => state.consumer, isClosed: () => closed, streamKeys: state.streams })
  const background = SinkBackground.make(scope, subscribers, annotations)
  const poller = SinkPoll.make(state, { ...read, annotations, inBackground: background.fork })
  const streams = SinkStreams.make(state, {
    start: read.start,
    poller,
    isClosed: () => closed,
    ensureOpen: guards.ensureOpen("addStream")
  })
  streams.watch(stream)
  const lease = SinkLease.make(redis, name, SinkLease.leaseMillisFor(state.checkIntervalMillis))
  const acks = SinkAcks.make(state, { keeper, fork: background.fork })

  yield* Scope.addFinalizer(
    scope,
    Effect.suspend(() => {
      closed = true
      streams.stopWatching()
      return Effect.andThen(subscribers.close, leave(state, lease, annotations))
    })
  )
  yield* startFibers(state, background, poller.run, heartbeat, lease, keeper.refreshDue)

  return {
    name,
    get consumer() {
      return state.consumer
    },
    events: sinkEvents(subscribers.events),
    batches: subscribers.batches as Stream.Stream<Arr.NonEmptyReadonlyArray<SinkEvent>, SinkError>,
    subscribe: Effect.map(subscribers.subscribe, sinkEvents),
    ...guards.guard(acks),
    nack: (event, nackOptions) =>
      validateDuration("delay", nackOptions?.delay ?? 0, 0).pipe(
        Effect.tap(guards.ensureDelivered("nack", [event])),
        Effect.flatMap((delay) => acks.nack(event, delay))
      ),
    process: (handler, processOptions) =>
      Effect.andThen(
        guards.ensureOpen("process"),
        SinkProcess.process(sinkEvents(subscribers.eventBatches), handler, processOptions).pipe(
          Effect.annotateLogs(annotations)
        )
      ),
    extend: (event) =>
      Effect.andThen(guards.ensureDelivered("extend", [event]), () => keeper.extend(acks.streamOf(event), event)),
    keepClaimed: (event) => (effect) =>
      Effect.andThen(guards.ensureDelivered("keepClaimed", [event]), () => keeper.holding(event)(effect)),
    addStream: (added, addOptions) => streams.add(added, addOptions?.start),
    removeStream: streams.remove,
    close: Effect.suspend(() => (closed ? Effect.void : Scope.close(scope, Exit.void))),
    isClosed: Effect.sync(() => closed),
    streamNames: Effect.sync(() => Array.from(state.streams.values(), (sinkStream) => sinkStream.name))
  } satisfies Sink
})

/**
 * Every event a sink's subscribers get was made by `SinkState.deliver`, with
 * the sink's acknowledger: the subscribers only type them as events.
 */
const sinkEvents = (events: Stream.Stream<Event, SinkError>) => events as Stream.Stream<SinkEvent, SinkError>

/**
 * How the acking stages batch their acks. By default an ack goes out at once,
 * together with those that piled up during the last round trip (one `XACK`
 * per stream). `batchSize` caps the events of one batch; `within` lets a
 * batch wait up to that long after its first event to fill up to
 * `batchSize` (as `Stream.groupedWithin` does), trading a little delay for
 * fewer round trips. Invalid values fail the stream with `InvalidOption`
 * before it pulls anything.
 *
 * @example
 * ```ts
 * import type { Sink } from "@effect-pulse/core"
 *
 * const batching: Sink.AckOptions = { batchSize: 500, within: "20 millis" }
 * ```
 *
 * @since 0.1.0
 * @category models
 */
export interface AckOptions extends AckBatching {}

/**
 * Options of {@link handle} and `sink.process`: `concurrency` (how many
 * events are handled at once, default 1; the order of acks is then not
 * the order of the events), the ack batching of {@link AckOptions}, and
 * `retry`: the `Schedule` whose delays space the deliveries of an event
 * whose handler fails. Its n-th step is the wait after the n-th delivery
 * (counted by Redis, so it holds whichever consumer the retry goes to);
 * delays longer than the ack grace period hold the event claimed for the
 * rest (see `nack`); once the schedule is over the
 * event moves to the dead letters. By default 1 s doubling, jittered, at
 * most a minute; `maxDeliveries` ends the retries as well. `orderBy` (a
 * function of the event, or of what earlier stages made of it) gives each
 * event a key: events of one key are handled one at a time in the order they
 * were delivered, events of different keys side by side, within this
 * consumer (events waiting for their key's turn take one of the
 * `concurrency` slots; a failed event is retried after the events of its key
 * that followed it).
 *
 * @example
 * ```ts
 * import { Schedule } from "effect"
 * import type { Sink } from "@effect-pulse/core"
 *
 * const options: Sink.HandleOptions = {
 *   concurrency: 8,
 *   batchSize: 1000,
 *   retry: Schedule.exponential("200 millis").pipe(Schedule.jittered, Schedule.upTo({ times: 5 }))
 * }
 * ```
 *
 * @since 0.1.0
 * @category models
 */
export interface HandleOptions<A = SinkEvent> extends SinkStages.HandleOptions<A> {}

/**
 * A pipeline stage running `handler` on each event of a sink's stream (or
 * on what earlier stages made of it, such as a `Payload.Decoded`), up to
 * `concurrency` at once: an event whose handler succeeds is acknowledged
 * (batched, see {@link AckOptions}) and handed on; one whose handler fails
 * or dies is logged and handed back (`nack`) for redelivery after the delay
 * its `retry` schedule gives (see {@link HandleOptions}), and the stream
 * goes on. Data-last for `pipe`, or data-first.
 *
 * Only a sink's events can be acknowledged, so only streams of `SinkEvent`s
 * (or of carriers of one) type-check; a reader's stream does not. Every
 * queued ack is sent before the stream ends; when the stream is interrupted,
 * handlers in flight are interrupted and their events stay pending, to be
 * delivered again after the grace period.
 *
 * @example
 * ```ts
 * import { Effect, Stream } from "effect"
 * import { Sink, Topic } from "@effect-pulse/core"
 *
 * const bill = (sink: Sink.Sink) =>
 *   sink.events.pipe(
 *     Topic.filter("orders.eu"),
 *     Sink.handle((event) => Effect.log(`billing ${event.id}`), { concurrency: 8 }),
 *     Stream.runDrain
 *   )
 * ```
 *
 * @since 0.1.0
 * @category pipeline stages
 */
export const handle: {
  <A extends Carrier<SinkEvent>, X, E2, R2>(
    handler: (carrier: NoInfer<A>) => Effect.Effect<X, E2, R2>,
    options?: HandleOptions<NoInfer<A>>
  ): <E, R>(self: Stream.Stream<A, E, R>) => Stream.Stream<A, E | InvalidOption, R | R2>
  <A extends Carrier<SinkEvent>, E, R, X, E2, R2>(
    self: Stream.Stream<A, E, R>,
    handler: (carrier: NoInfer<A>) => Effect.Effect<X, E2, R2>,
    options?: HandleOptions<NoInfer<A>>
  ): Stream.Stream<A, E | InvalidOption, R | R2>
} = dual((args) => Stream.isStream(args[0]), SinkStages.handle)

/**
 * A pipeline stage acknowledging every event that reaches it (or the event
 * of every carrier, such as a `Payload.Decoded`) and handing it on: placed
 * after the stages whose success means an event is done with, such as a
 * `Stream.tap` (whose failure ends the stream and leaves the event pending,
 * to be delivered again). Acks go out in batches, see {@link AckOptions};
 * every queued ack is sent before the stream ends. Only a sink's events
 * type-check. Data-last for `pipe`, or data-first.
 *
 * @example
 * ```ts
 * import { Effect, Stream } from "effect"
 * import { Sink } from "@effect-pulse/core"
 *
 * const audit = (sink: Sink.Sink) =>
 *   sink.events.pipe(
 *     Stream.tap((event) => Effect.log(`audited ${event.id}`)),
 *     Sink.ackEach({ batchSize: 1000, within: "50 millis" }),
 *     Stream.runDrain
 *   )
 * ```
 *
 * @since 0.1.0
 * @category pipeline stages
 */
export const ackEach: {
  (
    options?: AckOptions
  ): <A extends Carrier<SinkEvent>, E, R>(self: Stream.Stream<A, E, R>) => Stream.Stream<A, E | InvalidOption, R>
  <A extends Carrier<SinkEvent>, E, R>(
    self: Stream.Stream<A, E, R>,
    options?: AckOptions
  ): Stream.Stream<A, E | InvalidOption, R>
} = dual((args) => Stream.isStream(args[0]), SinkStages.ackEach)

/**
 * The sink's fibers: the poll, the heartbeat, the claim check (once someone
 * reads the events), the refresh of the events in hand and the hand-back of
 * nacked events.
 */
const startFibers = Effect.fnUntraced(function* (
  state: SinkState.SinkState,
  { every, fork }: SinkBackground.SinkBackground,
  poll: Effect.Effect<void>,
  heartbeat: Effect.Effect<void, RedisError>,
  lease: SinkLease.Lease,
  refreshHeld: Effect.Effect<void, RedisError>
) {
  const interval = state.checkIntervalMillis
  yield* fork(poll)
  yield* fork(Effect.delay(every(heartbeat, "heartbeat", interval), interval))
  yield* fork(Effect.andThen(state.subscribers.firstConsumer, every(claimCheck(state, lease), "claim check", interval)))
  // Events in hand for a check interval get their idle time refreshed, so that no one claims them meanwhile.
  yield* fork(every(refreshHeld, "refresh of the events in hand", interval))
  yield* fork(
    retryWhileDisconnected(SinkClaims.handBack(state)).pipe(
      Effect.catch((error) => Effect.logError("could not hand nacked events back; the claim check will", error)),
      Effect.forever
    )
  )
})

/**
 * On close: gives the lease up and leaves the groups (`sinkConsumers.leave`).
 * A failure is logged: closing never fails.
 */
const leave = (state: SinkState.SinkState, lease: SinkLease.Lease, annotations: Record<string, string>) =>
  Effect.andThen(lease.release, SinkConsumers.leave(state)).pipe(
    Effect.catch((error) => Effect.logWarning("could not leave the consumer groups cleanly", error)),
    Effect.annotateLogs(annotations)
  )
