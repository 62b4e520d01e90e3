/**
 * The acking stages of a sink's pipeline: `handle` (run a handler on each
 * event, ack on success, hand back on failure) and `ackEach` (ack whatever
 * reaches it). Both queue their acks on an `AckQueue`, so that a batch of
 * handled events costs one `XACK` per stream.
 *
 * `handle` with `concurrency` 1 handles each pulled chunk in order. With
 * more, a fixed pool of that many workers takes events one by one from the
 * upstream chunks, so the pool stays busy whatever the chunk sizes (a sink's
 * `events` pulls one event at a time; `process` pulls what is buffered) and
 * no fiber is forked per event.
 *
 * @internal
 */
import { Cause, Effect, Exit, Queue, type Scope, Semaphore, Stream } from "effect"
import type * as Arr from "effect/Array"
import type * as Pull from "effect/Pull"
import type { InvalidOption } from "../Errors.js"
import { AcknowledgerId, type Carrier, eventOf, type SinkEvent } from "../Event.js"
import type { AckBatching, AckQueue } from "./ackQueue.js"
import * as AckQueues from "./ackQueue.js"
import { retryWhileDisconnected } from "./retry.js"
import { validateInteger } from "./validation.js"

/** The options of `Sink.handle`: how many events at once, and how acks are batched. */
export interface HandleOptions extends AckBatching {
  readonly concurrency?: number | undefined
}

/**
 * What a failed handler does to its event: hand it back (`nack`), so that the
 * next claim check delivers it again. The retry schedule of the
 * delivery-control issue (#16) belongs here, as a further policy.
 */
const onHandlerFailure = (event: SinkEvent, cause: Cause.Cause<unknown>): Effect.Effect<void> =>
  Effect.logWarning(`handler failed on event ${event.id}; handing it back`, Cause.squash(cause)).pipe(
    Effect.andThen(retryWhileDisconnected(event[AcknowledgerId].nack(event))),
    Effect.catch((error) => Effect.logError(`could not hand back event ${event.id}`, error))
  )

type Upstream<A, E> = Pull.Pull<Arr.NonEmptyReadonlyArray<A>, E, void>

/** Runs the handler on one carrier: true when it succeeded, after handing the event back when it did not. */
const handleOne =
  <A extends Carrier<SinkEvent>, X, E2, R2>(handler: (carrier: A) => Effect.Effect<X, E2, R2>) =>
  (carrier: A): Effect.Effect<boolean, never, R2> =>
    Effect.flatMap(Effect.exit(handler(carrier)), (exit) =>
      Exit.isSuccess(exit) ? Effect.succeed(true) : Effect.as(onHandlerFailure(eventOf(carrier), exit.cause), false)
    )

/** One chunk at a time: what succeeded goes on downstream, its acks queued. */
const inOrder = <A extends Carrier<SinkEvent>, E, R2>(
  pull: Upstream<A, E>,
  handle: (carrier: A) => Effect.Effect<boolean, never, R2>,
  acks: AckQueue
): Pull.Pull<Arr.NonEmptyReadonlyArray<A>, E, void, R2> => {
  const next: Pull.Pull<Arr.NonEmptyReadonlyArray<A>, E, void, R2> = Effect.flatMap(pull, (chunk) => {
    const handled: Array<A> = []
    return Effect.forEach(chunk, (carrier) => Effect.map(handle(carrier), (ok) => ok && handled.push(carrier)), {
      discard: true
    }).pipe(
      Effect.andThen(
        Effect.suspend(() =>
          handled.length === 0
            ? next
            : Effect.as(acks.offerAll(handled.map(eventOf)), handled as unknown as Arr.NonEmptyReadonlyArray<A>)
        )
      )
    )
  })
  return next
}

/** `concurrency` workers sharing the upstream pull; handled carriers go downstream through a queue. */
const pooled = <A extends Carrier<SinkEvent>, E, R2>(
  pull: Upstream<A, E>,
  handle: (carrier: A) => Effect.Effect<boolean, never, R2>,
  acks: AckQueue,
  concurrency: number,
  scope: Scope.Scope
): Effect.Effect<Pull.Pull<Arr.NonEmptyReadonlyArray<A>, E, void>, never, R2> =>
  Effect.gen(function* () {
    const output = yield* Queue.bounded<A, E | Cause.Done>(Math.max(256, 2 * concurrency))
    const lock = Semaphore.makeUnsafe(1)
    let chunk: ReadonlyArray<A> = []
    let index = 0
    let ended: Cause.Cause<E | Cause.Done> | undefined
    // One worker at a time takes the next carrier, pulling a new chunk when the last one is used up.
    const take: Effect.Effect<A, E | Cause.Done> = lock.withPermit(
      Effect.suspend(() => {
        if (index < chunk.length) return Effect.succeed(chunk[index++]!)
        if (ended !== undefined) return Effect.failCause(ended)
        return pull.pipe(
          Effect.map((pulled) => {
            chunk = pulled
            index = 1
            return pulled[0]
          }),
          Effect.tapCause((cause) =>
            Effect.sync(() => {
              ended = cause
            })
          )
        )
      })
    )
    const worker = Effect.forever(
      Effect.flatMap(take, (carrier) =>
        Effect.flatMap(handle(carrier), (ok) =>
          ok ? Effect.andThen(acks.offerAll([eventOf(carrier)]), Queue.offer(output, carrier)) : Effect.void
        )
      )
    )
    // Workers stop once the upstream ended, each after finishing its event; then so does the output.
    yield* Effect.forEach(Array.from({ length: concurrency }), () => Effect.exit(worker), {
      concurrency: "unbounded",
      discard: true
    }).pipe(
      Effect.andThen(Effect.suspend(() => Queue.failCause(output, ended ?? Cause.fail(Cause.Done())))),
      Effect.forkIn(scope)
    )
    return Queue.takeAll(output)
  })

export const handle = <A extends Carrier<SinkEvent>, E, R, X, E2, R2>(
  self: Stream.Stream<A, E, R>,
  handler: (carrier: A) => Effect.Effect<X, E2, R2>,
  options?: HandleOptions
): Stream.Stream<A, E | InvalidOption, R | R2> =>
  Stream.transformPull(self, (pull, scope) =>
    Effect.gen(function* () {
      const concurrency = yield* validateInteger("concurrency", options?.concurrency ?? 1, 1)
      const acks = yield* AckQueues.make(scope, yield* AckQueues.validateBatching(options))
      const one = handleOne(handler)
      return concurrency === 1 ? inOrder(pull, one, acks) : yield* pooled(pull, one, acks, concurrency, scope)
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
