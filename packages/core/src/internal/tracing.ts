/**
 * Whether spans would reach anyone. Effect's default tracer
 * (`Tracer.nativeTracer`) keeps spans in memory and exports nothing; effect's
 * own docs suggest comparing against it to skip work only a tracing backend
 * observes. Spans made for every event or add are made only when a tracer is
 * installed (`Effect.withTracer`, an OTLP or OpenTelemetry layer): under the
 * native tracer one cost 2-3.5 µs of CPU, more than the rest of an event's
 * delivery or an add's Effect code (issue 15).
 *
 * @internal
 */
import { Effect, type Fiber, Tracer } from "effect"

/** Whether `fiber` has a tracer other than effect's native one. */
export const hasTracer = (fiber: Fiber.Fiber<unknown, unknown>): boolean =>
  fiber.getRef(Tracer.Tracer) !== Tracer.nativeTracer

/** Whether the current fiber has a tracer other than effect's native one. */
export const isTraced: Effect.Effect<boolean> = Effect.withFiber((fiber) => Effect.succeed(hasTracer(fiber)))

/**
 * The options of the spans made on hot paths (every read, add or handled
 * event): no captured stack trace. Capturing one is a `new Error()` per span,
 * tens of microseconds, and it would always point at the same call site.
 */
export const noStackTrace = { captureStackTrace: false } as const
