import { describe, expect, it } from "@effect/vitest"
import { type Event, EventStream, RedisClient, type Sink, StartAt } from "@effect-pulse/core"
import { InMemoryRedis } from "@effect-pulse/core/testing"
import { Clock, Effect, Exit, Schema, Scope, Stream } from "effect"
import { TestClock } from "effect/testing"

// Random schedules of adds, acks, nacks, pauses, crashes and restarts over
// three consumers of one sink, on the in-memory Redis with the TestClock.

const graceMillis = 20_000
const workerCount = 3
const Worker = Schema.Literals([0, 1, 2])

const Operation = Schema.Union([
  Schema.TaggedStruct("Add", { count: Schema.Literals([1, 2, 3, 4]) }),
  Schema.TaggedStruct("Ack", { worker: Worker }),
  Schema.TaggedStruct("Nack", { worker: Worker }),
  Schema.TaggedStruct("Pause", { worker: Worker }),
  Schema.TaggedStruct("Resume", { worker: Worker }),
  Schema.TaggedStruct("Crash", { worker: Worker }),
  Schema.TaggedStruct("Restart", { worker: Worker }),
  Schema.TaggedStruct("Tick", { seconds: Schema.Literals([1, 3, 5, 10, 15, 25]) })
])
type Operation = typeof Operation.Type

interface Delivery {
  readonly id: string
  readonly worker: number
  readonly at: number
  /** When the consumer let go of this delivery (ack, nack, crash). */
  releasedAt?: number
}

interface Held {
  readonly event: Event.Event
  readonly delivery: Delivery
}

interface WorkerState {
  scope: Scope.Closeable | undefined
  sink: Sink.Sink | undefined
  paused: boolean
  held: Array<Held>
}

/**
 * Lets every fiber woken by the last step run until it suspends: the chains
 * here (a read woken by an add, the event handed to a subscriber) are a few
 * scheduler hops long, and no time passes on the TestClock meanwhile.
 */
const settle = Effect.repeat(Effect.yieldNow, { times: 25 })

describe("Sink properties (InMemoryRedis, TestClock)", () => {
  it.effect.prop(
    "every event is eventually acked, and no two consumers hold an event at once before its grace period ran out",
    { operations: Schema.Array(Operation) },
    ({ operations }) =>
      Effect.gen(function* () {
        const redis = yield* RedisClient.RedisClient
        const stream = yield* EventStream.make("property")
        const added: Array<string> = []
        const deliveries: Array<Delivery> = []
        const acked = new Set<string>()
        const workers: Array<WorkerState> = Array.from({ length: workerCount }, () => ({
          scope: undefined,
          sink: undefined,
          paused: false,
          held: []
        }))
        const release = (held: ReadonlyArray<Held>) =>
          Effect.map(Clock.currentTimeMillis, (now) => {
            for (const { delivery } of held) delivery.releasedAt = now
          })

        const start = (worker: number) =>
          Effect.gen(function* () {
            const state = workers[worker]!
            const scope = yield* Scope.make()
            state.scope = scope
            state.paused = false
            state.held = []
            const sink = yield* stream
              .sink("workers", { start: StartAt.oldest, ackGracePeriod: graceMillis })
              .pipe(Scope.provide(scope))
            state.sink = sink
            yield* Effect.forkIn(
              Stream.runForEach(sink.events, (event) =>
                Effect.map(Clock.currentTimeMillis, (at) => {
                  const delivery: Delivery = { id: event.id, worker, at }
                  deliveries.push(delivery)
                  state.held.push({ event, delivery })
                })
              ),
              scope
            )
          })

        const crash = (worker: number) =>
          Effect.gen(function* () {
            const state = workers[worker]!
            if (state.scope === undefined) return
            yield* release(state.held)
            yield* Scope.close(state.scope, Exit.void)
            state.scope = undefined
            state.sink = undefined
            state.held = []
          })

        const ackAll = (worker: number) =>
          Effect.gen(function* () {
            const state = workers[worker]!
            if (state.sink === undefined || state.held.length === 0) return
            const held = state.held
            state.held = []
            yield* state.sink.ackAll(held.map(({ event }) => event))
            yield* release(held)
            for (const { event } of held) acked.add(event.id)
          })

        const apply = (operation: Operation) =>
          Effect.gen(function* () {
            switch (operation._tag) {
              case "Add": {
                const batch = Array.from({ length: operation.count }, () => ({ name: "job", payload: "" }))
                added.push(...(yield* stream.addAll(batch)))
                return
              }
              case "Ack":
              case "Nack": {
                const state = workers[operation.worker]!
                const held = state.held[0]
                if (state.sink === undefined || state.paused || held === undefined) return
                state.held.shift()
                const { event } = held
                if (operation._tag === "Ack") {
                  yield* state.sink.ack(event)
                  acked.add(event.id)
                } else {
                  yield* state.sink.nack(event)
                }
                yield* release([held])
                return
              }
              case "Pause":
                workers[operation.worker]!.paused = true
                return
              case "Resume":
                workers[operation.worker]!.paused = false
                return
              case "Crash":
                return yield* crash(operation.worker)
              case "Restart":
                if (workers[operation.worker]!.scope === undefined) yield* start(operation.worker)
                return
              case "Tick":
                return yield* TestClock.adjust(`${operation.seconds} seconds`)
            }
          })

        for (let worker = 0; worker < workerCount; worker++) yield* start(worker)
        for (const operation of operations) {
          yield* apply(operation)
          yield* settle
        }

        // Everyone comes back and works through what is left.
        for (let worker = 0; worker < workerCount; worker++) {
          if (workers[worker]!.scope === undefined) yield* start(worker)
          workers[worker]!.paused = false
        }
        for (let round = 0; round < 20 && !added.every((id) => acked.has(id)); round++) {
          for (let worker = 0; worker < workerCount; worker++) yield* ackAll(worker)
          yield* TestClock.adjust("10 seconds")
          yield* settle
          for (let worker = 0; worker < workerCount; worker++) yield* ackAll(worker)
        }

        expect(added.filter((id) => !acked.has(id))).toEqual([])
        expect((yield* redis.xpending(stream.key, "workers")).count).toBe(0)

        // A second delivery while the first holder still held the event must
        // come a whole grace period after the first.
        const byEvent = new Map<string, Array<Delivery>>()
        for (const delivery of deliveries) byEvent.set(delivery.id, [...(byEvent.get(delivery.id) ?? []), delivery])
        for (const [id, list] of byEvent) {
          for (let index = 1; index < list.length; index++) {
            const previous = list[index - 1]!
            const next = list[index]!
            const stillHeld = previous.releasedAt === undefined || previous.releasedAt > next.at
            if (stillHeld) expect(next.at - previous.at, `event ${id}`).toBeGreaterThanOrEqual(graceMillis)
          }
        }

        for (const state of workers) if (state.scope !== undefined) yield* Scope.close(state.scope, Exit.void)
      }).pipe(Effect.provide(InMemoryRedis.layer)),
    { timeout: 120_000, arbitrary: { runs: 60, size: 80 } }
  )
})
