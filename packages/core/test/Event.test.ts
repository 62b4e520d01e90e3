import { describe, expect, it } from "@effect/vitest"
import { Event } from "@effect-pulse/core"
import { DateTime } from "effect"

describe("Event.timeOfId", () => {
  it("reads the milliseconds of an entry ID, with or without its sequence part", () => {
    expect(DateTime.toEpochMillis(Event.timeOfId("1700000000000-3"))).toBe(1700000000000)
    expect(DateTime.toEpochMillis(Event.timeOfId("1700000000001"))).toBe(1700000000001)
    expect(DateTime.toEpochMillis(Event.timeOfId("0-1"))).toBe(0)
  })

  it("gives IDs of one millisecond equal times, and IDs of another millisecond another time", () => {
    const first = Event.timeOfId("1700000000000-0")
    expect(Event.timeOfId("1700000000000-7")).toEqual(first)
    expect(DateTime.toEpochMillis(Event.timeOfId("1700000000002-0"))).toBe(1700000000002)
    expect(DateTime.toEpochMillis(first)).toBe(1700000000000)
  })

  it("refuses what is not a time, as DateTime.makeUnsafe does", () => {
    expect(() => Event.timeOfId("x-1")).toThrow()
    expect(() => Event.timeOfId("")).not.toThrow()
  })
})
