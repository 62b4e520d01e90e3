import { describe, expect, it } from "@effect/vitest"
import { type Event, Payload } from "@effect-pulse/core"
import { DateTime, Effect, Schema } from "effect"

class OrderCreated extends Schema.Class<OrderCreated>("OrderCreated")({
  id: Schema.Number,
  customer: Schema.String
}) {}

const eventWith = (payload: Uint8Array): Event.Event => ({
  id: "5-0",
  streamName: "orders",
  sinkName: undefined,
  eventName: "created",
  topic: undefined,
  payload,
  createdAt: DateTime.makeUnsafe(5)
})

describe("Payload.json", () => {
  const codec = Payload.json(OrderCreated)

  it.effect("round-trips a value through UTF-8 JSON bytes", () =>
    Effect.gen(function* () {
      const bytes = yield* codec.encode(new OrderCreated({ id: 1, customer: "zoë" }))
      expect(new TextDecoder().decode(bytes)).toBe('{"id":1,"customer":"zoë"}')
      const decoded = yield* codec.decode(eventWith(bytes))
      expect(decoded).toBeInstanceOf(OrderCreated)
      expect(decoded).toEqual(new OrderCreated({ id: 1, customer: "zoë" }))
    })
  )

  it.effect("reports the event and the issue when the payload does not decode", () =>
    Effect.gen(function* () {
      const cases = [
        new TextEncoder().encode('{"id":"one","customer":"x"}'),
        new TextEncoder().encode("not json"),
        new Uint8Array([0xff, 0xfe, 0x00])
      ]
      for (const payload of cases) {
        const error = yield* Effect.flip(codec.decode(eventWith(payload)))
        expect(error._tag).toBe("PayloadDecodeError")
        expect(error.eventId).toBe("5-0")
        expect(error.streamName).toBe("orders")
        expect(error.issue.length).toBeGreaterThan(0)
      }
    })
  )
})
