/**
 * The acking stages of a sink's pipeline: `handle` (run a handler on each
 * event, ack on success, hand back on failure) and `ackEach` (ack whatever
 * reaches it). Both queue their acks on an `AckQueue`, so that a batch of
 * handled events costs one `XACK` per stream.
 *
 * `handle` with `concurrency` 1 handles each pulled chunk in order, in the
 * pulling fiber. With more, see {@link pooled}.
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
import * as Ordering from "./orderedHandling.js"
import { retryWhileDisconnected } from "./retry.js"
import { defaultRetry, delayAfter, type RetrySchedule } from "./retrySchedule.js"
import { isTraced } from "./tracing.js"
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
 * Runs the handler on one carrier: on success it joins `handled` (its ack is
 * queued with the chunk's); on failure its event is handed back.
 */
const handleOne =
  <A extends Carrier<SinkEvent>, X, E2, R2>(
    handler: (carrier: A) => Effect.Effect<X, E2, R2>,
    onFailure: (event: SinkEvent, cause: Cause.Cause<unknown>) => Effect.Effect<void>,
    ordering: Ordering.Ordering<A> | undefined,
    inHand: InHand,
    traced: boolean
  ) =>
  (carrier: A, handled: Array<A>): Effect.Effect<void, never, R2> => {
    const event = eventOf(carrier)
    // This runs when the event's turn to be handled came (a worker took it), so the handler is called now,
    // unless the event waits for its key's turn. A handler throwing instead of failing is handed back like one
    // that dies.
    const handling = ordering === undefined ? callHandler(handler, carrier) : Effect.suspend(() => handler(carrier))
    const spanned = traced ? handleSpan(event)(handling) : handling
    const ordered = ordering === undefined ? spanned : ordering.inTurn(carrier, spanned)
    return Effect.flatMap(Effect.exit(ordered), (exit) => {
      inHand.letGo(event)
      if (Exit.isFailure(exit)) return onFailure(event, exit.cause)
      handled.push(carrier)
      return Effect.void
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
 * consumer gets them. Two map operations an event; whatever is still in
 * hand when the stage ends (interrupted) is let go then.
 */
interface InHand {
  readonly take: (chunk: ReadonlyArray<Carrier<SinkEvent>>) => void
  readonly letGo: (event: SinkEvent) => void
}

const makeInHand = (scope: Scope.Scope): Effect.Effect<InHand> =>
  Effect.gen(function* () {
    const mine = new Set<SinkEvent>()
    const letGo = (event: SinkEvent) => {
      if (mine.delete(event)) event[AcknowledgerId].release(event)
    }
    yield* Scope.addFinalizer(
      scope,
      Effect.sync(() => {
        for (const event of mine) event[AcknowledgerId].release(event)
        mine.clear()
      })
    )
    const take = (chunk: ReadonlyArray<Carrier<SinkEvent>>) => {
      for (const carrier of chunk) {
        const event = eventOf(carrier)
        if (mine.has(event)) continue
        mine.add(event)
        event[AcknowledgerId].hold(event)
      }
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
    { captureStackTrace: false }
  )

type HandleOne<A, R2> = (carrier: A, handled: Array<A>) => Effect.Effect<void, never, R2>

/** Queues the acks of what a chunk's handlers succeeded on; true when there is any. */
const ackHandled = <A extends Carrier<SinkEvent>>(acks: AckQueue, handled: Array<A>) =>
  handled.length === 0 ? Effect.succeed(false) : Effect.as(acks.offerAll(handled.map(eventOf)), true)

/** One chunk at a time: what succeeded goes on downstream, its acks queued. */
const inOrder = <A extends Carrier<SinkEvent>, E, R2>(
  pull: Upstream<A, E>,
  handle: HandleOne<A, R2>,
  acks: AckQueue
): Pull.Pull<Arr.NonEmptyReadonlyArray<A>, E, void, R2> => {
  const next: Pull.Pull<Arr.NonEmptyReadonlyArray<A>, E, void, R2> = Effect.flatMap(pull, (chunk) => {
    const handled: Array<A> = []
    return Effect.forEach(chunk, (carrier) => handle(carrier, handled), { discard: true }).pipe(
      Effect.andThen(Effect.suspend(() => ackHandled(acks, handled))),
      Effect.flatMap((any) => (any ? Effect.succeed(handled as unknown as Arr.NonEmptyReadonlyArray<A>) : next))
    )
  })
  return next
}

/**
 * Runs `f` on every item with `width` fibers, each taking the next item
 * when done with its last: items start in order, at most `width` at once.
 * `Effect.forEach` with `concurrency` does the same with a fiber per item,
 * which was a tenth of what a `process` consumer allocated (issue 15).
 */
const inWorkers = <A, R>(
  items: ReadonlyArray<A>,
  width: number,
  f: (item: A) => Effect.Effect<void, never, R>
): Effect.Effect<void, never, R> =>
  Effect.suspend(() => {
    let next = 0
    const worker = Effect.whileLoop({
      while: () => next < items.length,
      body: () => f(items[next++]!),
      step: () => {}
    })
    return width <= 1
      ? worker
      : Effect.forEach(Array.from({ length: width }), () => worker, { concurrency: width, discard: true })
  })

/**
 * Up to `concurrency` events in flight across chunks: each pulled chunk is
 * handled by a fiber of its own, `Effect.forEach` over its events, holding
 * as many permits as it runs events at once; the next chunk is pulled as
 * soon as a permit is free. Large chunks (`process`) cost one fiber each,
 * and small ones (a sink's `events`, one event per pull) still fill the
 * pool. What succeeded goes downstream through a queue, a chunk at a time.
 */
const pooled = <A extends Carrier<SinkEvent>, E, R2>(
  pull: Upstream<A, E>,
  handle: HandleOne<A, R2>,
  acks: AckQueue,
  concurrency: number,
  scope: Scope.Scope
): Effect.Effect<Pull.Pull<Arr.NonEmptyReadonlyArray<A>, E, void>, never, R2> =>
  Effect.gen(function* () {
    const output = yield* Queue.bounded<A, E | Cause.Done>(Math.max(1024, concurrency))
    const permits = Semaphore.makeUnsafe(concurrency)
    const runChunk = (chunk: Arr.NonEmptyReadonlyArray<A>) => {
      const width = Math.min(chunk.length, concurrency)
      const handled: Array<A> = []
      return inWorkers(chunk, width, (carrier) => handle(carrier, handled)).pipe(
        Effect.andThen(Effect.suspend(() => ackHandled(acks, handled))),
        Effect.flatMap((any) => (any ? Queue.offerAll(output, handled) : Effect.void)),
        Effect.ensuring(permits.release(width)),
        Effect.forkIn(scope, { startImmediately: true }),
        (fork) => Effect.andThen(permits.take(width), fork)
      )
    }
    // Once the upstream ended, the chunks in flight finish (all permits back), then the output ends the same way.
    yield* Effect.forever(Effect.flatMap(pull, runChunk)).pipe(
      Effect.catchCause((cause) =>
        Effect.andThen(permits.take(concurrency), Queue.failCause(output, cause as Cause.Cause<E | Cause.Done>))
      ),
      Effect.forkIn(scope)
    )
    return Queue.takeAll(output)
  })

export const handle = <A extends Carrier<SinkEvent>, E, R, X, E2, R2>(
  self: Stream.Stream<A, E, R>,
  handler: (carrier: A) => Effect.Effect<X, E2, R2>,
  options?: HandleOptions<A>
): Stream.Stream<A, E | InvalidOption, R | R2> =>
  Stream.transformPull(self, (pull, scope) =>
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
      const one = handleOne(handler, onHandlerFailure(retry), ordering, inHand, yield* isTraced)
      return concurrency === 1 ? inOrder(pulled, one, acks) : yield* pooled(pulled, one, acks, concurrency, scope)
    })
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
