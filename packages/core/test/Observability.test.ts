import { describe, expect, it } from "@effect/vitest"
import { DeadLetter, Event, EventStream, StartAt } from "@effect-pulse/core"
import { InMemoryRedis } from "@effect-pulse/core/testing"
import { Effect, Metric, Option, Stream, Tracer } from "effect"
import { counterValue as counter } from "./utils/metrics.js"
import { describeOnBothLayers, eventually, uniqueName } from "./utils/redisLayers.js"

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

/** A tracer that keeps every span it makes, for tests to read once the spans ended. */
const recordingTracer = () => {
  const spans: Array<Tracer.NativeSpan> = []
  const tracer = Tracer.make({
    span: (options) => {
      const span = new Tracer.NativeSpan(options)
      spans.push(span)
      return span
    }
  })
  const ended = (name: string) => spans.filter((span) => span.name === name && span.status._tag === "Ended")
  return { tracer, ended }
}

const parentName = (span: Tracer.NativeSpan) =>
  Option.match(span.parent, { onNone: () => undefined, onSome: (parent) => (parent as Tracer.NativeSpan).name })

describeOnBothLayers("Spans", (it) => {
  it.effect("an add, a child of the caller's span with the stream and event, when a tracer is installed", () =>
    Effect.gen(function* () {
      const { tracer, ended } = recordingTracer()
      const name = uniqueName("traced")
      const stream = yield* EventStream.make(name)
      // With effect's native tracer (no tracer installed) the add makes no span: nothing would receive it.
      yield* stream.add("untraced", "0")
      yield* stream.add("created", "1").pipe(Effect.withSpan("test"), Effect.withTracer(tracer))
      const failed = yield* stream
        .add("bad\ud800", "2")
        .pipe(Effect.flip, Effect.withSpan("test"), Effect.withTracer(tracer))
      expect(failed._tag).toBe("InvalidName")

      const adds = ended("EventStream.add")
      expect(adds.map((span) => span.attributes.get("event"))).toEqual(["created", "bad\ud800"])
      for (const add of adds) {
        expect(parentName(add)).toBe("test")
        expect(add.attributes.get("stream")).toBe(name)
      }
      expect(adds.map((span) => (span.status._tag === "Ended" ? span.status.exit._tag : ""))).toEqual([
        "Success",
        "Failure"
      ])
      yield* stream.destroy
    })
  )

  it.effect("a reader's creation and each of its reads, a trace of its own, with the events read", () =>
    Effect.gen(function* () {
      const { tracer, ended } = recordingTracer()
      const name = uniqueName("traced")
      yield* Effect.gen(function* () {
        const stream = yield* EventStream.make(name)
        yield* stream.addAll([
          { name: "a", payload: "1" },
          { name: "b", payload: "2" }
        ])
        const reader = yield* stream.reader({ start: StartAt.oldest })
        yield* reader.events.pipe(Stream.take(2), Stream.runDrain)
        yield* stream.remove("0-1")
        yield* stream.destroy
      }).pipe(Effect.scoped, Effect.withSpan("test"), Effect.withTracer(tracer))

      expect(ended("EventStream.remove")[0]?.attributes.get("ids")).toEqual(["0-1"])
      expect(ended("EventStream.destroy")[0]?.attributes.get("stream")).toBe(name)

      const [made] = ended("Reader.make")
      expect(parentName(made!)).toBe("test")
      expect(made!.attributes.get("stream")).toBe(name)
      const reads = ended("Reader.read")
      // A read cut short (by the reader closing) ends without a count.
      const counts = reads.map((read) => Number(read.attributes.get("events") ?? 0))
      expect(counts.reduce((total, count) => total + count, 0)).toBe(2)
      for (const read of reads) {
        expect(read.parent).toEqual(Option.none())
        expect(read.kind).toBe("consumer")
        expect(read.attributes.get("reader")).toBe(made!.attributes.get("reader"))
      }
    })
  )

  it.effect("a sink's creation, reads, handled events, acks, nacks, claims and dead letters", () =>
    Effect.gen(function* () {
      const { tracer, ended } = recordingTracer()
      const name = uniqueName("traced")
      const { stream, ids } = yield* Effect.gen(function* () {
        const stream = yield* EventStream.make(name)
        const billing = yield* stream.sink(uniqueName("billing"), {
          start: StartAt.oldest,
          ackGracePeriod: "1 second",
          maxDeliveries: 2
        })
        const audit = yield* stream.sink(uniqueName("audit"), { start: StartAt.oldest })
        const ids = yield* stream.addAll([
          { name: "created", payload: "ok" },
          { name: "created", payload: "bad" }
        ])
        // The bad event fails twice, and lands among the dead letters.
        const handler = (event: Event.Event) =>
          Event.text(event) === "bad" ? Effect.fail("refused") : Effect.withSpan(Effect.void, "handler work")
        yield* Effect.forkScoped(billing.process(handler))
        yield* audit.events.pipe(Stream.take(2), Stream.runForEach(audit.ack))
        yield* eventually(DeadLetter.list(name), (letters) => letters.length === 1)
        return { stream, ids }
      }).pipe(Effect.scoped, Effect.withSpan("test"), Effect.withTracer(tracer))
      yield* stream.destroy
      const [ok, bad] = ids

      const made = ended("Sink.make")
      expect(made).toHaveLength(2)
      for (const span of made) expect(parentName(span)).toBe("test")
      const reads = ended("Sink.read")
      expect(reads.every((read) => read.parent._tag === "None" && read.kind === "consumer")).toBe(true)
      expect(
        reads.reduce((total, read) => total + Number(read.attributes.get("events") ?? 0), 0)
      ).toBeGreaterThanOrEqual(4)

      const handled = ended("Sink.handle")
      // At least once: a slow ack under load may let the claim check deliver it again.
      expect(handled.filter((span) => span.attributes.get("event.id") === ok).length).toBeGreaterThanOrEqual(1)
      expect(handled.filter((span) => span.attributes.get("event.id") === bad)).toHaveLength(2)
      expect(handled.every((span) => span.parent._tag === "None")).toBe(true)
      const [work] = ended("handler work")
      expect(parentName(work!)).toBe("Sink.handle")

      expect(ended("Sink.ack").map((span) => span.attributes.get("event.id"))).toEqual([ok, bad])
      expect(ended("Sink.ackAll").some((span) => span.attributes.get("count") === 1)).toBe(true)
      expect(ended("Sink.nack").filter((span) => span.attributes.get("event.id") === bad)).toHaveLength(2)
      const claims = ended("Sink.claim")
      expect(claims.reduce((total, span) => total + Number(span.attributes.get("claimed")), 0)).toBeGreaterThanOrEqual(
        1
      )
      expect(claims.reduce((total, span) => total + Number(span.attributes.get("deadLettered")), 0)).toBe(1)
      expect(ended("DeadLetter.list").every((span) => span.attributes.get("stream") === name)).toBe(true)
      const [deadLetter] = ended("Sink.deadLetter")
      expect(deadLetter!.attributes.get("ids")).toEqual([bad])
      expect(parentName(deadLetter!)).toBe("Sink.claim")
    })
  )
})
