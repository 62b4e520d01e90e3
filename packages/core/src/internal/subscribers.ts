/**
 * The hand-off between a polling loop and the streams its users run: the
 * main stream (`events`, one queue shared by all its runs) and any number of
 * subscriptions (one queue each, every event copied to each).
 *
 * Memory stays bounded: the loop asks {@link Subscribers.awaitRoom} how many
 * events every queue can still take and reads no more than that, so no queue
 * ever holds more than its capacity and a slow subscriber pauses polling
 * rather than growing a backlog in memory.
 *
 * @internal
 */
import { type Cause, Deferred, Effect, Exit, Latch, Queue, type Scope, Stream } from "effect"
import type * as Arr from "effect/Array"
import type { Event } from "../Event.js"

export interface Subscribers<E> {
  /** The main stream: created on its first run; successive and concurrent runs share one queue. */
  readonly events: Stream.Stream<Event, E>
  /**
   * The main stream again, pulling whatever the queue holds at once: faster,
   * but a run stopped in the middle of a pull drops the rest of that pull.
   * For consumers that ack, where a dropped event is delivered again.
   */
  readonly eventBatches: Stream.Stream<Event, E>
  /**
   * The main stream again, one element per pull: every event the queue holds
   * then, as one array. Nothing is dropped by a run that stops: an array is
   * handed over whole or stays in the queue.
   */
  readonly batches: Stream.Stream<Arr.NonEmptyReadonlyArray<Event>, E>
  /** A further stream receiving a copy of every event published after this call, until the scope closes. */
  readonly subscribe: Effect.Effect<Stream.Stream<Event, E>, never, Scope.Scope>
  /** Completes once the main stream has been run or a subscription made. */
  readonly firstConsumer: Effect.Effect<void>
  /** Waits until there is a consumer and every queue is at most half full; the smallest room left. */
  readonly awaitRoom: Effect.Effect<number>
  /** Hands events to every queue (suspending in the rare case one is full). */
  readonly publish: (events: ReadonlyArray<Event>) => Effect.Effect<void>
  /** Drops what is buffered and ends every stream; later runs and subscriptions end at once. */
  readonly close: Effect.Effect<void>
  /** Ends every stream with `error` once it has taken what is buffered. */
  readonly fail: (error: E) => Effect.Effect<void>
  /** How many events the queues hold now, summed: what the reader keeps in memory. */
  readonly buffered: () => number
  /** Completes once the streams were closed or failed: background work of the consumer stops then. */
  readonly ended: Effect.Effect<void>
  /** Whether the streams were closed or failed. */
  readonly isEnded: () => boolean
}

type EventQueue<E> = Queue.Queue<Event, E | Cause.Done>

export const make = <E>(bufferSize: number): Effect.Effect<Subscribers<E>> =>
  Effect.gen(function* () {
    const queues = new Set<EventQueue<E>>()
    const started = yield* Deferred.make<void>()
    const endedSignal = yield* Deferred.make<void>()
    const roomFreed = yield* Latch.make(false)
    let main: EventQueue<E> | undefined
    let terminal: { readonly _tag: "Closed" } | { readonly _tag: "Failed"; readonly error: E } | undefined

    const newQueue = Effect.gen(function* () {
      const queue = yield* Queue.bounded<Event, E | Cause.Done>(bufferSize)
      if (terminal?._tag === "Closed") yield* Queue.end(queue)
      else if (terminal?._tag === "Failed") yield* Queue.fail(queue, terminal.error)
      else {
        queues.add(queue)
        yield* Deferred.succeed(started, undefined)
        // A poller waiting for a consumer to appear re-checks the room.
        yield* roomFreed.open
      }
      return queue
    })

    // One event per pull: a run that stops early (`Stream.take`) leaves the
    // rest in the queue for the next run instead of dropping a taken batch.
    // Polling resumes once every queue is at most half full: a consumer that
    // fell behind then gets large reads, not one small read per event taken.
    const lowWater = Math.floor(bufferSize / 2)
    const tookFrom = (queue: EventQueue<E>) =>
      Effect.suspend(() => (Queue.sizeUnsafe(queue) <= lowWater ? roomFreed.open : Effect.void))
    // What a pull emits, opening the latch on the way when the queue fell to the low-water mark.
    const handOver = <A>(queue: EventQueue<E>, chunk: readonly [A]): Effect.Effect<readonly [A]> =>
      Queue.sizeUnsafe(queue) <= lowWater ? Effect.as(roomFreed.open, chunk) : Effect.succeed(chunk)

    const streamOf = (queue: EventQueue<E>): Stream.Stream<Event, E> => {
      const waitAndTake = Effect.flatMap(Queue.take(queue), (event) => handOver(queue, [event]))
      // An event already waiting is taken at once, without the suspension and continuation of `Queue.take`.
      const pull = Effect.suspend(() => {
        const taken = Queue.takeUnsafe(queue)
        return taken !== undefined && Exit.isSuccess(taken) ? handOver(queue, [taken.value]) : waitAndTake
      })
      return Stream.fromPull(Effect.succeed(pull))
    }

    const arraysOf = (queue: EventQueue<E>): Stream.Stream<Arr.NonEmptyReadonlyArray<Event>, E> =>
      Stream.fromPull(Effect.succeed(Effect.flatMap(Queue.takeAll(queue), (events) => handOver(queue, [events]))))

    const mainQueue: Effect.Effect<EventQueue<E>> = Effect.suspend(() => {
      if (main !== undefined) return Effect.succeed(main)
      return Effect.map(newQueue, (queue) => {
        main = queue
        return queue
      })
    })
    // A queue being dropped: what it buffered goes, then its stream ends.
    const endQueue = (queue: EventQueue<E>) => Effect.andThen(Effect.ignore(Queue.clear(queue)), Queue.end(queue))

    const roomLeft = (): number => {
      let room = Number.POSITIVE_INFINITY
      for (const queue of queues) room = Math.min(room, bufferSize - Queue.sizeUnsafe(queue))
      return room
    }

    const awaitRoom: Effect.Effect<number> = Effect.gen(function* () {
      yield* Deferred.await(started)
      while (true) {
        yield* roomFreed.close
        const room = roomLeft()
        if (room >= bufferSize - lowWater && Number.isFinite(room)) return room
        yield* roomFreed.await
      }
    })

    const batchesOf = (queue: EventQueue<E>): Stream.Stream<Event, E> =>
      Stream.fromPull(Effect.succeed(Effect.tap(Queue.takeAll(queue), () => tookFrom(queue))))

    return {
      events: Stream.unwrap(Effect.map(mainQueue, streamOf)),
      eventBatches: Stream.unwrap(Effect.map(mainQueue, batchesOf)),
      batches: Stream.unwrap(Effect.map(mainQueue, arraysOf)),
      subscribe: Effect.acquireRelease(newQueue, (queue) =>
        Effect.suspend(() => {
          queues.delete(queue)
          // A poller waiting for this queue to drain may go on without it.
          return Effect.andThen(endQueue(queue), roomFreed.open)
        })
      ).pipe(Effect.map(streamOf)),
      firstConsumer: Deferred.await(started),
      awaitRoom,
      publish: (events) =>
        Effect.suspend(() => {
          if (events.length === 0 || terminal !== undefined) return Effect.void
          return Effect.forEach(queues, (queue) => Queue.offerAll(queue, events), { discard: true })
        }),
      close: Effect.suspend(() => {
        if (terminal !== undefined) return Effect.void
        terminal = { _tag: "Closed" }
        const all = [...queues]
        queues.clear()
        return Effect.andThen(
          Effect.forEach(all, endQueue, { discard: true }),
          Deferred.succeed(endedSignal, undefined)
        )
      }),
      fail: (error) =>
        Effect.suspend(() => {
          if (terminal !== undefined) return Effect.void
          terminal = { _tag: "Failed", error }
          const all = [...queues]
          queues.clear()
          return Effect.andThen(
            Effect.forEach(all, (queue) => Queue.fail(queue, error), { discard: true }),
            Deferred.succeed(endedSignal, undefined)
          )
        }),
      buffered: () => {
        let total = 0
        for (const queue of queues) total += Queue.sizeUnsafe(queue)
        return total
      },
      ended: Deferred.await(endedSignal),
      isEnded: () => terminal !== undefined
    }
  })
