/**
 * The acking stages of a sink's pipeline: `handle` (run a handler on each
 * event, ack on success, hand back on failure) and `ackEach` (ack whatever
 * reaches it). Both queue their acks on an `AckQueue`, so that a batch of
 * handled events costs one `XACK` per stream.
 *
 * `handle` runs `concurrency` workers over the pulled events: see
 * {@link inWorkers}.
 *
 * @internal
 */
import { Cause, Effect, Exit, Queue, Schedule, Scope, Semaphore, Stream } from "effect"
import type * as Arr from "effect/Array"
import type * as Pull from "effect/Pull"
import { InvalidOption } from "../Errors.js"
import { AcknowledgerId, type Carrier, eventOf, type SinkEvent } from "../Event.js"
import type { AckBatching, AckQueue } from "./ackQueue.js"
import * as AckQueues from "./ackQueue.js"
import { TakenBy } from "./entries.js"
import * as Ordering from "./orderedHandling.js"
import { retryWhileDisconnected } from "./retry.js"
import { defaultRetry, delayAfter, type RetrySchedule } from "./retrySchedule.js"
import { isTraced, noStackTrace } from "./tracing.js"
import { validateInteger } from "./validation.js"

/**
 * The options of `Sink.handle`: how many events at once, how acks are
 * batched, when failed events come back, which events keep their order.
 */
export interface HandleOptions<A = SinkEvent> extends AckBatching {
  readonly concurrency?: number | undefined
  readonly retry?: RetrySchedule | undefined
  readonly orderBy?: ((carrier: A) => unknown) | undefined
}

/**
 * What a failed handler does to its event: hand it back (`nack`) with the
 * delay the retry schedule gives for its delivery count, so that it comes
 * back then; once the schedule is over, move it to the dead letters.
 */
const onHandlerFailure =
  (retry: RetrySchedule) =>
  (event: SinkEvent, cause: Cause.Cause<unknown>): Effect.Effect<void> => {
    const acknowledger = event[AcknowledgerId]
    const deliveries = acknowledger.deliveries(event)
    return Effect.flatMap(delayAfter(retry, deliveries), (delay) =>
      delay === undefined
        ? Effect.logWarning(
            `handler failed on event ${event.id}; its retry schedule is over, moving it to the dead letters`,
            Cause.squash(cause)
          ).pipe(
            Effect.andThen(
              retryWhileDisconnected(
                acknowledger.deadLetter(event, `retry schedule over after ${deliveries} deliveries`)
              )
            )
          )
        : Effect.logWarning(
            `handler failed on event ${event.id}; handing it back for a retry in ${delay} ms`,
            Cause.squash(cause)
          ).pipe(Effect.andThen(retryWhileDisconnected(acknowledger.nack(event, delay))))
    ).pipe(Effect.catch((error) => Effect.logError(`could not hand back event ${event.id}`, error)))
  }

const validateRetry = (retry: RetrySchedule | undefined): Effect.Effect<RetrySchedule, InvalidOption> =>
  retry === undefined
    ? Effect.succeed(defaultRetry)
    : Schedule.isSchedule(retry)
      ? Effect.succeed(retry)
      : Effect.fail(new InvalidOption({ option: "retry", message: "retry must be a Schedule" }))

type Upstream<A, E> = Pull.Pull<Arr.NonEmptyReadonlyArray<A>, E, void>

/**
 * Runs the handler on one carrier: on success `handled` gets it (its ack is
 * queued and it goes downstream); on failure its event is handed back.
 */
const handleOne =
  <A extends Carrier<SinkEvent>, X, E2, R2>(
    handler: (carrier: A) => Effect.Effect<X, E2, R2>,
    onFailure: (event: SinkEvent, cause: Cause.Cause<unknown>) => Effect.Effect<void>,
    ordering: Ordering.Ordering<A> | undefined,
    inHand: InHand,
    traced: boolean,
    handled: (carrier: A) => Effect.Effect<void>
  ) =>
  (carrier: A): Effect.Effect<void, never, R2> => {
    const event = eventOf(carrier)
    // This runs when the event's turn to be handled came (a worker took it), so the handler is called now,
    // unless the event waits for its key's turn. A handler throwing instead of failing is handed back like one
    // that dies.
    const handling = ordering === undefined ? callHandler(handler, carrier) : Effect.suspend(() => handler(carrier))
    const spanned = traced ? handleSpan(event)(handling) : handling
    const ordered = ordering === undefined ? spanned : ordering.inTurn(carrier, spanned)
    return Effect.flatMap(Effect.exit(ordered), (exit) => {
      inHand.letGo(event)
      return Exit.isFailure(exit) ? onFailure(event, exit.cause) : handled(carrier)
    })
  }

/** The handler's effect for `carrier`, or a defect if the handler threw instead of returning one. */
const callHandler = <A, X, E2, R2>(
  handler: (carrier: A) => Effect.Effect<X, E2, R2>,
  carrier: A
): Effect.Effect<X, E2, R2> => {
  try {
    return handler(carrier)
  } catch (error) {
    return Effect.die(error)
  }
}

/**
 * The events a `handle` stage has in hand, from their pull until their
 * handler is done: the sink keeps them claimed meanwhile (long handlers, and
 * events waiting for a slot or for their key's turn), so that no other
 * consumer gets them. Whatever is still in hand when the stage ends
 * (interrupted) is let go then.
 *
 * Each event is marked with the chunk it came in, and a chunk is forgotten
 * once all its events are let go: a few field writes an event, where a set
 * of the events cost two hash-table updates (issue 15).
 */
interface InHand {
  readonly take: (chunk: ReadonlyArray<Carrier<SinkEvent>>) => void
  readonly letGo: (event: SinkEvent) => void
}

/** A chunk taken in hand by a stage: how many of its events are still in hand. */
interface TakenChunk {
  readonly stage: object
  readonly events: Array<SinkEvent>
  inHand: number
}

type Marked = { [TakenBy]?: TakenChunk | undefined }

const makeInHand = (scope: Scope.Scope): Effect.Effect<InHand> =>
  Effect.gen(function* () {
    const stage = {}
    const chunks = new Set<TakenChunk>()
    // An event is this stage's while it is marked with one of this stage's chunks.
    const takenHere = (event: SinkEvent): TakenChunk | undefined => {
      const chunk = (event as Marked)[TakenBy]
      return chunk !== undefined && chunk.stage === stage ? chunk : undefined
    }
    const letGo = (event: SinkEvent) => {
      const chunk = takenHere(event)
      if (chunk === undefined) return
      ;(event as Marked)[TakenBy] = undefined
      event[AcknowledgerId].release(event)
      if (--chunk.inHand === 0) chunks.delete(chunk)
    }
    yield* Scope.addFinalizer(
      scope,
      Effect.sync(() => {
        for (const chunk of chunks) {
          for (const event of chunk.events) if ((event as Marked)[TakenBy] === chunk) letGo(event)
        }
        chunks.clear()
      })
    )
    const take = (carriers: ReadonlyArray<Carrier<SinkEvent>>) => {
      const chunk: TakenChunk = { stage, events: [], inHand: 0 }
      for (const carrier of carriers) {
        const event = eventOf(carrier)
        if (takenHere(event) !== undefined) continue
        ;(event as Marked)[TakenBy] = chunk
        chunk.events.push(event)
        chunk.inHand++
        event[AcknowledgerId].hold(event)
      }
      if (chunk.inHand > 0) chunks.add(chunk)
    }
    return { take, letGo }
  })

/**
 * Each event's handling is a trace of its own, which the handler's spans
 * join. Without a captured stack trace: the span is made for every event, and
 * capturing one cost an eighth of a consumer's CPU; it would only point here.
 *
 * Made only when a tracer is installed (see internal/tracing.ts).
 */
const handleSpan = (event: SinkEvent) =>
  Effect.withSpan(
    "Sink.handle",
    {
      root: true,
      kind: "consumer",
      attributes: {
        stream: event.streamName,
        sink: event.sinkName,
        "event.id": event.id,
        "event.name": event.eventName
      }
    },
    noStackTrace
  )

/**
 * `concurrency` workers share the pulled chunks: each takes the next event
 * when done with its last, so events start in stream order, at most
 * `concurrency` at once, and a slow event holds up its worker only. The
 * next chunk is pulled by the first worker to find the current one taken.
 * Runs until the upstream ends, and gives how it ended (`Done` or its
 * failure).
 */
export const runWorkers = <A, E, R2>(
  pull: Upstream<A, E>,
  handle: (carrier: A) => Effect.Effect<void, never, R2>,
  concurrency: number
): Effect.Effect<Cause.Cause<E | Cause.Done>, never, R2> =>
  Effect.suspend(() => {
    let chunk: ReadonlyArray<A> = []
    let next = 0
    // How the upstream ended (`Done`) or failed, once it did: the workers stop then.
    let ended: Cause.Cause<E | Cause.Done> | undefined
    const pulling = Semaphore.makeUnsafe(1)
    const pullMore = pulling.withPermits(1)(
      Effect.suspend(() =>
        next < chunk.length || ended !== undefined
          ? Effect.void
          : Effect.matchCause(pull, {
              onSuccess: (pulled) => {
                chunk = pulled
                next = 0
              },
              onFailure: (cause) => {
                ended = cause
              }
            })
      )
    )
    const worker: Effect.Effect<void, never, R2> = Effect.suspend(() => {
      if (next < chunk.length) return Effect.andThen(handle(chunk[next++]!), worker)
      if (ended !== undefined) return Effect.void
      return Effect.andThen(pullMore, worker)
    })
    return Effect.andThen(
      Effect.forEach(Array.from({ length: concurrency }), () => worker, { concurrency, discard: true }),
      Effect.sync(() => ended!)
    )
  })

/**
 * {@link runWorkers} as a stage: what succeeded goes downstream through a
 * queue, and its ack is queued at once, so that an event handled early in a
 * chunk is not left unacked (and unclaimed) while a slow one of the same
 * chunk runs.
 */
const inWorkers = <A extends Carrier<SinkEvent>, E, R2>(
  handling: Handling<A, E, R2>,
  scope: Scope.Scope
): Effect.Effect<Pull.Pull<Arr.NonEmptyReadonlyArray<A>, E, void>, never, R2> =>
  Effect.gen(function* () {
    const output = yield* Queue.bounded<A, E | Cause.Done>(Math.max(1024, handling.concurrency))
    // Offered without an effect of their own while the output has room (nearly always): two per event.
    const handle = handling.handleWith((carrier) => {
      handling.acks.offerUnsafe(eventOf(carrier))
      return Queue.offerUnsafe(output, carrier) ? Effect.void : Effect.asVoid(Queue.offer(output, carrier))
    })
    yield* runWorkers(handling.pulled, handle, handling.concurrency).pipe(
      Effect.flatMap((ended) => Queue.failCause(output, ended)),
      Effect.forkIn(scope)
    )
    return Queue.takeAll(output)
  })

/** What a `handle` stage runs its workers with, its options checked and its state made in its scope. */
export interface Handling<A, E, R2> {
  /** The upstream's pull: each chunk's events are in hand (and take their turns) as it is pulled. */
  readonly pulled: Upstream<A, E>
  /** The handling of one carrier, given what to do with it once its handler succeeded. */
  readonly handleWith: (handled: (carrier: A) => Effect.Effect<void>) => (carrier: A) => Effect.Effect<void, never, R2>
  readonly acks: AckQueue
  readonly concurrency: number
}

/**
 * Checks a `handle` stage's options and makes its state in `scope`: the ack
 * queue, the events in hand and, with `orderBy`, the turns of each key.
 * `handle` and `Sink.process` both run their workers with it.
 */
export const makeHandling = <A extends Carrier<SinkEvent>, E, X, E2, R2>(
  pull: Upstream<A, E>,
  handler: (carrier: A) => Effect.Effect<X, E2, R2>,
  options: HandleOptions<A> | undefined,
  scope: Scope.Scope
): Effect.Effect<Handling<A, E, R2>, InvalidOption> =>
  Effect.gen(function* () {
    const concurrency = yield* validateInteger("concurrency", options?.concurrency ?? 1, 1)
    const acks = yield* AckQueues.make(scope, yield* AckQueues.validateBatching(options))
    const retry = yield* validateRetry(options?.retry)
    const orderBy = options?.orderBy
    if (orderBy !== undefined && typeof orderBy !== "function") {
      return yield* new InvalidOption({ option: "orderBy", message: "orderBy must be a function of the event" })
    }
    const ordering = orderBy === undefined ? undefined : Ordering.make<A>(orderBy)
    const inHand = yield* makeInHand(scope)
    // Events are in hand, and take their turns, as chunks are pulled: in stream order, before any of them runs.
    const pulled = Effect.tap(pull, (chunk) =>
      Effect.sync(() => {
        inHand.take(chunk)
        ordering?.takeTurns(chunk)
      })
    )
    const traced = yield* isTraced
    const handleWith = (handled: (carrier: A) => Effect.Effect<void>) =>
      handleOne(handler, onHandlerFailure(retry), ordering, inHand, traced, handled)
    return { pulled, handleWith, acks, concurrency }
  })

export const handle = <A extends Carrier<SinkEvent>, E, R, X, E2, R2>(
  self: Stream.Stream<A, E, R>,
  handler: (carrier: A) => Effect.Effect<X, E2, R2>,
  options?: HandleOptions<A>
): Stream.Stream<A, E | InvalidOption, R | R2> =>
  Stream.transformPull(self, (pull, scope) =>
    Effect.flatMap(makeHandling(pull, handler, options, scope), (handling) => inWorkers(handling, scope))
  )

export const ackEach = <A extends Carrier<SinkEvent>, E, R>(
  self: Stream.Stream<A, E, R>,
  options?: AckBatching
): Stream.Stream<A, E | InvalidOption, R> =>
  Stream.transformPull(self, (pull, scope) =>
    Effect.gen(function* () {
      const acks = yield* AckQueues.make(scope, yield* AckQueues.validateBatching(options))
      return Effect.tap(pull, (chunk) => acks.offerAll(chunk.map(eventOf)))
    })
  )
