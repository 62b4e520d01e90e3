import { describe, expect, it } from "@effect/vitest"
import { type Event, Topic } from "@effect-pulse/core"
import { Effect, Exit } from "effect"

describe("Topic", () => {
  it("exact matches one topic only", () => {
    expect(Topic.exact("eu").test("eu")).toBe(true)
    expect(Topic.exact("eu").test("eu.fr")).toBe(false)
    expect(Topic.exact("eu").test("")).toBe(false)
  })

  it("regex takes a RegExp or a source, and drops stateful flags", () => {
    const global = Effect.runSync(Topic.regex(/^eu/g))
    expect([global.test("eu"), global.test("eu"), global.test("us")]).toEqual([true, true, false])
    expect(Effect.runSync(Topic.regex("^us$")).test("us")).toBe(true)
    expect(Effect.runSync(Topic.regex(/^EU$/i)).test("eu")).toBe(true)
  })

  it("glob: * stays within a segment, ** crosses segments, other characters are literal", () => {
    const segment = Topic.glob("orders.*")
    expect(segment.test("orders.eu")).toBe(true)
    expect(segment.test("orders.")).toBe(true)
    expect(segment.test("orders.eu.fr")).toBe(false)
    expect(segment.test("ordersXeu")).toBe(false)
    expect(Topic.glob("orders.**").test("orders.eu.fr")).toBe(true)
    expect(Topic.glob("a?(b)").test("a?(b)")).toBe(true)
    expect(Topic.glob("a?(b)").test("ax(b)")).toBe(false)
    expect(Topic.glob("eu*").test("eu-west")).toBe(true)
  })

  it("an invalid regex source fails with InvalidTopicPattern when the matcher is built", () => {
    for (const source of ["(", "(unclosed", "[z-a]"]) {
      const exit = Effect.runSyncExit(Topic.regex(source))
      expect(
        Exit.isFailure(exit) && exit.cause.reasons[0]?._tag === "Fail" && exit.cause.reasons[0].error
      ).toMatchObject({
        _tag: "InvalidTopicPattern",
        pattern: source
      })
    }
  })

  it("fromInput reads strings as exact topics and RegExps as regexes", () => {
    expect(Topic.fromInput("eu")._tag).toBe("Exact")
    expect(Topic.fromInput(/eu/)._tag).toBe("Regex")
    expect(Topic.fromInput(Topic.any)).toBe(Topic.any)
  })

  it("matches reads an event without topic as the empty topic, data-first or data-last", () => {
    const event = { topic: undefined } as Event.Event
    expect(Topic.matches(Topic.exact(""))(event)).toBe(true)
    expect(Topic.matches(event, Topic.exact("eu"))).toBe(false)
    expect(Topic.matches(event, Topic.any)).toBe(true)
  })
})
