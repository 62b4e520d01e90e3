import { describe, expect, it } from "@effect/vitest"
import { InMemoryRedis } from "@effect-pulse/core/testing"
import { Effect } from "effect"
import { TestConsole } from "effect/testing"
import { examples } from "../src/examples.js"
import { run, select } from "../src/run.js"
import { expectedOutput } from "./expected.js"

const allNames = examples.map((example) => example.name)

describe("run", () => {
  it.effect("selects every example, in order, when no name is given", () =>
    Effect.gen(function* () {
      expect((yield* select([])).map((example) => example.name)).toEqual(allNames)
      expect(allNames).toEqual([
        "single-reader",
        "multi-readers",
        "single-sink",
        "multi-sinks",
        "multi-streams",
        "pub-sub",
        "worker-pool",
        "typed-events",
        "pipeline",
        "delivery-control"
      ])
    })
  )

  it.effect("runs the examples named, each after a heading", () =>
    Effect.gen(function* () {
      yield* run(["pub-sub", "single-reader"], "the test Redis")
      expect(yield* TestConsole.logLines).toEqual([
        "== pub-sub: topics matched exactly, by a glob and by a regular expression (on the test Redis)",
        ...expectedOutput["pub-sub"]!,
        "",
        "== single-reader: add an event, read it with a reader, close it (on the test Redis)",
        ...expectedOutput["single-reader"]!
      ])
    }).pipe(Effect.provide([TestConsole.layer, InMemoryRedis.layer]))
  )

  it.effect("refuses an unknown name before running anything, naming the examples", () =>
    Effect.gen(function* () {
      const error = yield* Effect.flip(run(["single-reader", "nope"], "the test Redis"))
      const message = `unknown example "nope"; the examples are: ${allNames.join(", ")}`
      expect(error).toMatchObject({ _tag: "UnknownExample", name: "nope", message })
      expect(yield* TestConsole.errorLines).toEqual([message])
      expect(yield* TestConsole.logLines).toEqual([])
    }).pipe(Effect.provide([TestConsole.layer, InMemoryRedis.layer]))
  )
})
