/**
 * Deterministic scenarios for blocking reads, run on both implementations:
 * reads blocked on their own connections, then commands from the shared
 * connection that wake them (or fail them), and a transcript of every
 * outcome to compare.
 */
import type { Errors, RedisClient } from "@effect-pulse/core"
import { Effect, Fiber } from "effect"
import type { Command } from "./commands.js"
import { interpret } from "./interpret.js"
import { type Outcome, outcomeOf } from "./outcome.js"
import { makeRunState, type RunState } from "./state.js"

/** One implementation, and how to know that its reads are blocked. */
export interface Target {
  readonly redis: RedisClient.Service
  /** Completes once `count` reads are blocked on the server. */
  readonly awaitBlocked: (count: number) => Effect.Effect<void>
}

/** A scenario's steps, written once for both targets. */
export interface Script {
  /** Runs a command on the shared connection and records its outcome. */
  readonly run: (command: Command) => Effect.Effect<void>
  /** Starts a read on a connection of its own; `wait` completes when it has ended and records its outcome. */
  readonly block: <A>(
    label: string,
    read: (connection: RedisClient.BlockingConnection) => Effect.Effect<A, Errors.RedisError>
  ) => Effect.Effect<{ readonly wait: Effect.Effect<void> }>
  readonly awaitBlocked: (count: number) => Effect.Effect<void>
}

export type Transcript = ReadonlyArray<readonly [step: string, outcome: Outcome]>

/** Runs `scenario` on `target` and returns what every step answered. */
export const transcript = (
  target: Target,
  scenario: (script: Script) => Effect.Effect<void>
): Effect.Effect<Transcript> =>
  Effect.gen(function* () {
    const state: RunState = makeRunState()
    const steps: Array<readonly [string, Outcome]> = []
    const script: Script = {
      run: (command) =>
        Effect.gen(function* () {
          state.step++
          const exit = yield* Effect.exit(interpret(target.redis, state, command))
          steps.push([command._tag, outcomeOf(exit, state, "key" in command ? command.key : undefined)])
        }),
      block: (label, read) =>
        Effect.gen(function* () {
          // Started at once, so that the in-memory read has blocked (or been served) when this returns.
          const fiber = yield* Effect.forkChild(Effect.scoped(Effect.flatMap(target.redis.blockingConnection, read)), {
            startImmediately: true
          })
          return {
            wait: Effect.gen(function* () {
              const exit = yield* Fiber.await(fiber)
              steps.push([label, outcomeOf(exit, state, undefined)])
            })
          }
        }),
      awaitBlocked: target.awaitBlocked
    }
    yield* scenario(script)
    return steps
  })
