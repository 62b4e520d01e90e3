import { describe, expect, it } from "@effect/vitest"
import { EventStream, InMemoryRedis, StartAt } from "@effect-pulse/core"
import { Effect, Metric, Stream } from "effect"
import { counterValue as counter } from "./utils/metrics.js"

describe("Observability", () => {
  it.effect("counts events added, read, delivered, acked and nacked per stream and sink", () =>
    Effect.gen(function* () {
      const stream = yield* EventStream.make("observed")
      yield* stream.add("a", "")
      yield* stream.addAll([
        { name: "b", payload: "" },
        { name: "c", payload: "" }
      ])
      expect(yield* counter("pulse_events_added", { stream: "observed" })).toBe(3)

      const reader = yield* stream.reader({ start: StartAt.oldest })
      yield* reader.events.pipe(Stream.take(3), Stream.runDrain)
      expect(yield* counter("pulse_events_read", { stream: "observed" })).toBe(3)

      const sink = yield* stream.sink("audit", { start: StartAt.oldest })
      const [first, second] = yield* sink.events.pipe(Stream.take(2), Stream.runCollect)
      yield* sink.ack(first!)
      yield* sink.nack(second!)
      const labels = { stream: "observed", sink: "audit" }
      expect(yield* counter("pulse_sink_events_delivered", labels)).toBeGreaterThanOrEqual(2)
      expect(yield* counter("pulse_sink_events_acked", labels)).toBe(1)
      expect(yield* counter("pulse_sink_events_nacked", labels)).toBe(1)
    }).pipe(Effect.provide(InMemoryRedis.layer), Effect.provideService(Metric.MetricRegistry, new Map()))
  )
})
