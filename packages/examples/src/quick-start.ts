// #region quick-start
import { Event, EventStream, StartAt } from "@effect-pulse/core"
import { InMemoryRedis } from "@effect-pulse/core/testing"
import { RedisLayer } from "@effect-pulse/redis-layer"
import { Config, Console, Effect, Layer, Option, Stream } from "effect"

const program = Effect.gen(function* () {
  const orders = yield* EventStream.make("quick-start-orders")
  // A sink is a consumer group: its consumers share the events, and an event
  // not acknowledged within the grace period (20 s) is delivered again.
  const billing = yield* orders.sink("billing", { start: StartAt.oldest })
  yield* orders.add("created", '{"id":1}')
  yield* orders.add("created", '{"id":2}')

  yield* billing.events.pipe(
    Stream.take(2),
    Stream.runForEach((event) =>
      Console.log(`billing got ${event.eventName}: ${Event.text(event)}`).pipe(Effect.andThen(billing.ack(event)))
    )
  )
  yield* orders.destroy
}).pipe(
  // Sinks and readers are scoped resources: closing the scope stops them.
  Effect.scoped
)

// A real Redis when REDIS_URL is set (RedisLayer.layerConfig reads it), else the in-memory one.
const redis = Layer.unwrap(
  Effect.map(Config.option(Config.String("REDIS_URL")), (url) =>
    Option.isSome(url) ? RedisLayer.layerConfig() : InMemoryRedis.layer
  )
)

// A failure rejects the promise: Node prints it and exits with code 1.
Effect.runPromise(program.pipe(Effect.provide(redis)))
// #endregion
