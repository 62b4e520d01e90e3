/**
 * Runs one command sequence on the in-memory Redis and on a real Redis, step
 * by step, and fails at the first step whose outcomes differ, showing what
 * real Redis answered up to there.
 */
import { expect } from "@effect/vitest"
import type { RedisClient } from "@effect-pulse/core"
import { Effect } from "effect"
import type { Command } from "./commands.js"
import { interpret } from "./interpret.js"
import { type Outcome, outcomeOf } from "./outcome.js"
import { makeRunState } from "./state.js"

const shown = (value: unknown, limit: number): string => {
  const text = JSON.stringify(value) ?? String(value)
  return text.length > limit ? `${text.slice(0, limit)}…` : text
}

const describe = (command: Command): string => {
  const { _tag, ...args } = command
  return `${_tag} ${shown(args, 300)}`
}

/**
 * Runs `commands` on both, one step on each in turn (so that both run a
 * command at about the same time, which keeps expiry times comparable).
 */
export const compareOnBoth = (
  memory: RedisClient.Service,
  real: RedisClient.Service,
  commands: ReadonlyArray<Command>
): Effect.Effect<void> =>
  Effect.gen(function* () {
    const memoryState = makeRunState()
    const realState = makeRunState()
    const transcript: Array<string> = []
    for (const [index, command] of commands.entries()) {
      memoryState.step = index + 1
      realState.step = index + 1
      const memoryExit = yield* Effect.exit(interpret(memory, memoryState, command))
      const realExit = yield* Effect.exit(interpret(real, realState, command))
      const key = "key" in command ? command.key : undefined
      const expected: Outcome = outcomeOf(realExit, realState, key)
      const actual: Outcome = outcomeOf(memoryExit, memoryState, key)
      transcript.push(`${index + 1}. ${describe(command)}\n   → ${shown(expected, 400)}`)
      expect(
        actual,
        `step ${index + 1}: InMemoryRedis answered ${shown(actual, 2000)}\n` +
          `where real Redis answered ${shown(expected, 2000)}, after:\n${transcript.join("\n")}\n`
      ).toEqual(expected)
    }
  })
