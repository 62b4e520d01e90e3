/**
 * delivery-control: what queue users ask for. An add retried with the same
 * `id` is stored once; a handler that fails is retried on a schedule; events
 * of one customer are handled in order while customers run side by side; and
 * a handler running longer than the ack grace period keeps its event.
 */
import { Event, EventStream, RedisClient, StartAt } from "@effect-pulse/core"
import { Console, Deferred, Effect, Fiber, Schedule, Stream } from "effect"
import type { Program } from "./program.js"
import * as Scratch from "./scratch.js"

/** The delivery-control example. */
export const deliveryControl: Program = Effect.gen(function* () {
  const name = yield* Scratch.streamName("payments")
  const billingName = yield* Scratch.sinkName("billing")
  const reportsName = yield* Scratch.sinkName("reports")
  const redis = yield* RedisClient.RedisClient
  // The example removes the keys it wrote; an application lets them expire after the window.
  yield* Effect.addFinalizer(() => redis.del([EventStream.idempotencyKey(name, "p1")]).pipe(Effect.orDie))
  // #region delivery-control
  const payments = yield* EventStream.make(name, { idempotencyWindow: "10 minutes" })

  // Idempotent adds: a producer that retries an add (say, after a timeout) stores it once.
  const first = yield* payments.add("paid", "alice:1", { id: "p1" })
  const again = yield* payments.add("paid", "alice:1", { id: "p1" })
  yield* Console.log(`the add of p1, retried, returned the same ID: ${first === again}`)
  yield* payments.addAll([
    { name: "paid", payload: "bob:2" },
    { name: "paid", payload: "alice:3" },
    { name: "paid", payload: "bob:4" },
    { name: "paid", payload: "alice:5" }
  ])

  // Retries on a schedule, per-customer order, customers side by side.
  const billing = yield* payments.sink(billingName, { start: StartAt.oldest })
  const billed = new Map<string, Array<string>>()
  let attemptsOf4 = 0
  const allBilled = yield* Deferred.make<void>()
  const customerOf = (event: Event.Event) => Event.text(event).split(":")[0]!
  const bill = (event: Event.Event) =>
    Effect.gen(function* () {
      const [customer, order] = Event.text(event).split(":") as [string, string]
      // The payment service refuses order 4 the first time.
      if (order === "4" && ++attemptsOf4 === 1) return yield* Effect.fail("payment service down")
      billed.set(customer, [...(billed.get(customer) ?? []), order])
      if ([...billed.values()].flat().length === 5) yield* Deferred.succeed(allBilled, undefined)
    })
  yield* Effect.raceFirst(
    billing.process(bill, {
      concurrency: 4,
      orderBy: customerOf,
      retry: Schedule.exponential("100 millis").pipe(Schedule.jittered)
    }),
    Deferred.await(allBilled)
  )
  yield* Console.log(`alice's payments billed in order: ${billed.get("alice")!.join(", ")}`)
  yield* Console.log(`bob's payments: ${billed.get("bob")!.join(", ")} (4 failed once and was retried)`)

  // Long handlers: each report takes three grace periods, and its event stays with its consumer meanwhile.
  const reports = yield* payments.sink(reportsName, { start: StartAt.oldest, ackGracePeriod: "400 millis" })
  let deliveries = 0
  const allStarted = yield* Deferred.make<void>()
  const report = Effect.andThen(
    Effect.sync(() => ++deliveries),
    (started) =>
      Effect.andThen(started === 5 ? Deferred.succeed(allStarted, undefined) : Effect.void, Effect.sleep("1200 millis"))
  )
  const reporting = yield* Effect.forkScoped(reports.process(() => report, { concurrency: 5 }))
  yield* Deferred.await(allStarted)
  // Another consumer of the sink, which would claim any event left idle past the grace period.
  const other = yield* payments.sink(reportsName, { ackGracePeriod: "400 millis" })
  let otherGot = 0
  yield* Effect.forkScoped(other.events.pipe(Stream.runForEach(() => Effect.sync(() => otherGot++))))
  // Done when nothing is pending any more: every report acknowledged.
  yield* redis
    .xpending(payments.key, reportsName)
    .pipe(Effect.repeat({ schedule: Schedule.spaced("50 millis"), until: (summary) => summary.count === 0 }))
  yield* Fiber.interrupt(reporting)
  yield* Console.log(
    `5 reports of 1.2 s (three grace periods each): ${deliveries} deliveries, ${otherGot} to the other consumer`
  )
  // #endregion
}).pipe(Effect.scoped)
