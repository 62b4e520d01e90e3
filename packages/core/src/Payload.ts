/**
 * Typed payloads: a codec turns values into the bytes `add` stores and the
 * bytes of an event back into values, checked by a `Schema`.
 *
 * @example
 * ```ts
 * import { Effect, Schema } from "effect"
 * import { EventStream, Payload } from "@effect-pulse/core"
 *
 * class OrderCreated extends Schema.Class<OrderCreated>("OrderCreated")({ id: Schema.Number }) {}
 * const orderCreated = Payload.json(OrderCreated)
 *
 * const program = Effect.gen(function*() {
 *   const orders = yield* EventStream.make("orders")
 *   yield* orders.add("created", yield* orderCreated.encode(new OrderCreated({ id: 1 })))
 * })
 * ```
 *
 * @since 0.1.0
 */
import { Effect, Schema, Stream } from "effect"
import type * as Arr from "effect/Array"
import { dual } from "effect/Function"
import { PayloadDecodeError } from "./Errors.js"
import { AcknowledgerId, type Event, type SinkEvent } from "./Event.js"
import { retryWhileDisconnected } from "./internal/retry.js"

/**
 * A payload codec for values of type `A`.
 *
 * @example
 * ```ts
 * import { Effect, Schema } from "effect"
 * import { type Event, Payload } from "@effect-pulse/core"
 *
 * const counter: Payload.Codec<{ readonly n: number }> = Payload.json(Schema.Struct({ n: Schema.Number }))
 * declare const event: Event.Event
 * const value = counter.decode(event) // Effect<{ readonly n: number }, PayloadDecodeError>
 * ```
 *
 * @since 0.1.0
 * @category models
 */
export interface Codec<A> {
  /** The bytes to pass to `add`; fails when the value does not encode with the schema. */
  readonly encode: (value: A) => Effect.Effect<Uint8Array, Schema.SchemaError>
  /** The value carried by the event, or a `PayloadDecodeError` naming the event and the issue. */
  readonly decode: (event: Event) => Effect.Effect<A, PayloadDecodeError>
}

const encoder = new TextEncoder()
const decoder = new TextDecoder("utf-8", { fatal: true })

/**
 * A codec storing values as UTF-8 JSON, the format Go Pulse services
 * usually exchange. Payloads that are not UTF-8, not JSON, or not of the
 * schema's shape fail to decode with `PayloadDecodeError`.
 *
 * @example
 * ```ts
 * import { Schema } from "effect"
 * import { Payload } from "@effect-pulse/core"
 *
 * const shipment = Payload.json(Schema.Struct({ orderId: Schema.String, weightKg: Schema.Number }))
 * ```
 *
 * @since 0.1.0
 * @category constructors
 */
export const json = <
  S extends Schema.Constraint & { readonly DecodingServices: never; readonly EncodingServices: never }
>(
  schema: S
): Codec<S["Type"]> => {
  const codec = Schema.fromJsonString(schema)
  const encodeJson = Schema.encodeEffect(codec)
  const decodeJson = Schema.decodeUnknownEffect(codec)
  return {
    encode: (value) => Effect.map(encodeJson(value), (text) => encoder.encode(text as string)),
    decode: (event) => {
      let text: string
      try {
        text = decoder.decode(event.payload)
      } catch {
        return Effect.fail(
          new PayloadDecodeError({ eventId: event.id, streamName: event.streamName, issue: "the payload is not UTF-8" })
        )
      }
      return Effect.mapError(
        decodeJson(text),
        (error) => new PayloadDecodeError({ eventId: event.id, streamName: event.streamName, issue: error.message })
      )
    }
  }
}

/**
 * An event with its decoded payload, as {@link decode} hands it on. It keeps
 * the event, so that later stages can still filter it by topic and, on a
 * sink's stream, acknowledge it.
 *
 * @example
 * ```ts
 * import type { Event, Payload } from "@effect-pulse/core"
 *
 * const describe = (order: Payload.Decoded<{ readonly id: number }, Event.SinkEvent>) =>
 *   `order ${order.value.id} from event ${order.event.id}`
 * ```
 *
 * @since 0.1.0
 * @category models
 */
export interface Decoded<A, Ev extends Event = Event> {
  readonly event: Ev
  readonly value: A
}

/**
 * What {@link decode} does with an event whose payload does not decode:
 * `"fail"` fails the stream with the `PayloadDecodeError` (readers and sinks;
 * on a sink the event stays pending and comes back after the grace period);
 * `"nack"` hands the event back to the sink for redelivery and goes on;
 * `"deadLetter"` moves it at once to its stream's dead letters, with the
 * decoding issue as the letter's `reason`, acknowledges it and goes on. The
 * last two only apply to a sink's stream, and the types say so.
 *
 * @example
 * ```ts
 * import type { Payload } from "@effect-pulse/core"
 *
 * const policy: Payload.OnDecodeError = "deadLetter"
 * ```
 *
 * @since 0.1.0
 * @category models
 */
export type OnDecodeError = "fail" | "nack" | "deadLetter"

/**
 * A pipeline stage decoding each event's payload with `codec`, handing on a
 * {@link Decoded} (the value with its event); data-last for `pipe`, or
 * data-first. A payload that does not decode is handled as `onError` says
 * (see {@link OnDecodeError}; `"fail"` by default), and only `"fail"` puts
 * `PayloadDecodeError` in the stream's error channel. A Redis failure while
 * handing back or dead-lettering is logged, and the event stays pending, to
 * be delivered again: it never ends the stream.
 *
 * @example
 * ```ts
 * import { Effect, Schema, Stream } from "effect"
 * import { Payload, Sink } from "@effect-pulse/core"
 *
 * const orderPlaced = Payload.json(Schema.Struct({ id: Schema.Number }))
 * const bill = (sink: Sink.Sink) =>
 *   sink.events.pipe(
 *     Payload.decode(orderPlaced, { onError: "deadLetter" }),
 *     Sink.handle(({ value }) => Effect.log(`billing order ${value.id}`)),
 *     Stream.runDrain
 *   )
 * ```
 *
 * @since 0.1.0
 * @category pipeline stages
 */
export const decode: {
  <A>(
    codec: Codec<A>,
    options?: { readonly onError?: "fail" | undefined }
  ): <Ev extends Event, E, R>(self: Stream.Stream<Ev, E, R>) => Stream.Stream<Decoded<A, Ev>, E | PayloadDecodeError, R>
  <A>(
    codec: Codec<A>,
    options: { readonly onError: "nack" | "deadLetter" }
  ): <Ev extends SinkEvent, E, R>(self: Stream.Stream<Ev, E, R>) => Stream.Stream<Decoded<A, Ev>, E, R>
  <Ev extends Event, E, R, A>(
    self: Stream.Stream<Ev, E, R>,
    codec: Codec<A>,
    options?: { readonly onError?: "fail" | undefined }
  ): Stream.Stream<Decoded<A, Ev>, E | PayloadDecodeError, R>
  <Ev extends SinkEvent, E, R, A>(
    self: Stream.Stream<Ev, E, R>,
    codec: Codec<A>,
    options: { readonly onError: "nack" | "deadLetter" }
  ): Stream.Stream<Decoded<A, Ev>, E, R>
} = dual(
  (args) => Stream.isStream(args[0]),
  <Ev extends Event, E, R, A>(
    self: Stream.Stream<Ev, E, R>,
    codec: Codec<A>,
    options?: { readonly onError?: OnDecodeError | undefined }
  ): Stream.Stream<Decoded<A, Ev>, E | PayloadDecodeError, R> => {
    const onError = options?.onError ?? "fail"
    const decodeOne = (event: Ev): Effect.Effect<Decoded<A, Ev> | undefined, PayloadDecodeError> =>
      codec.decode(event).pipe(
        Effect.map((value) => ({ event, value })),
        Effect.catch((error) => (onError === "fail" ? Effect.fail(error) : Effect.as(giveUp(event, error), undefined)))
      )
    const giveUp = (event: Ev, error: PayloadDecodeError) => {
      const acknowledger = (event as Event as SinkEvent)[AcknowledgerId]
      const [action, done] =
        onError === "nack"
          ? [acknowledger.nack(event), "handed it back"]
          : [acknowledger.deadLetter(event, error.issue), "moved it to the dead letters"]
      return Effect.logWarning(`event ${event.id} does not decode; ${done}`, error.issue).pipe(
        Effect.andThen(retryWhileDisconnected(action)),
        Effect.catch((failure) => Effect.logError(`could not give up on event ${event.id}`, failure))
      )
    }
    return Stream.transformPull(self, (pull) => {
      const next: Effect.Effect<
        Arr.NonEmptyReadonlyArray<Decoded<A, Ev>>,
        Effect.Error<typeof pull> | PayloadDecodeError
      > = Effect.flatMap(pull, (chunk) =>
        Effect.flatMap(Effect.forEach(chunk, decodeOne), (results) => {
          const decoded = results.filter((result) => result !== undefined)
          return decoded.length === 0
            ? next
            : Effect.succeed(decoded as unknown as Arr.NonEmptyReadonlyArray<Decoded<A, Ev>>)
        })
      )
      return Effect.succeed(next)
    })
  }
)
