/**
 * tracing: effect-pulse's spans and metrics sent to an OpenTelemetry
 * collector by effect's own OTLP exporter (`effect/observability`), over
 * HTTP with JSON bodies. Nothing but `effect` is needed: no OpenTelemetry SDK.
 */
import { Event, EventStream, StartAt } from "@effect-pulse/core"
import { Effect, Layer, Stream } from "effect"
import { FetchHttpClient } from "effect/http"
import { Otlp } from "effect/observability"
import type { Program } from "./program.js"
import * as Scratch from "./scratch.js"

// #region tracing-layer
/**
 * Traces, metrics and logs for the OTLP/HTTP collector at `baseUrl` (an
 * OpenTelemetry Collector, Jaeger, Tempo, ... usually `http://localhost:4318`).
 * Spans are sent in batches every few seconds, and the last ones when the
 * layer's scope closes.
 */
export const telemetry = (baseUrl: string) =>
  Otlp.layerJson({ baseUrl, resource: { serviceName: "billing" } }).pipe(Layer.provide(FetchHttpClient.layer))
// #endregion

/** A traced run: three orders added and billed, under one span of the application's own. */
export const checkout: Program = Effect.gen(function* () {
  const name = yield* Scratch.streamName("orders")
  const billingName = yield* Scratch.sinkName("billing")
  // #region tracing-program
  const orders = yield* EventStream.make(name)
  const billing = yield* orders.sink(billingName, { start: StartAt.oldest })
  yield* orders.addAll([1, 2, 3].map((id) => ({ name: "created", payload: `order ${id}` })))
  yield* billing.events.pipe(
    Stream.take(3),
    Stream.runForEach((event) =>
      // The application's spans and the library's nest as the calls do.
      Effect.log(`billed ${Event.text(event)}`).pipe(
        Effect.andThen(billing.ack(event)),
        Effect.withSpan("bill order", { attributes: { "order.event": event.id } })
      )
    ),
    Effect.withSpan("checkout")
  )
  // #endregion
}).pipe(Effect.scoped)
