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
import { Effect, Schema } from "effect"
import { PayloadDecodeError } from "./Errors.js"
import type { Event } from "./Event.js"

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
