import { RedisClient } from "@effect-pulse/core"
import { Effect, Layer, Logger, LogLevel } from "effect"
import { TestConsole } from "effect/testing"

/** What a run of an example left behind. */
export interface Run {
  /** The lines it printed with `Console.log`. */
  readonly lines: ReadonlyArray<string>
  /** The library's log entries at level Error or above (there should be none). */
  readonly errorLogs: ReadonlyArray<string>
  /** The Redis keys it wrote to. */
  readonly keysWritten: ReadonlyArray<string>
}

// The commands that can create a key: the first argument is the key.
const writes = new Set(["xadd", "xaddAll", "xgroupCreate", "xgroupCreateConsumer", "hset", "set"])

/**
 * The `RedisClient` in scope, recording the key of every command that can
 * create one, so that a test can check the example deleted them all.
 */
const recordingKeys = Effect.gen(function* () {
  const redis = yield* RedisClient.RedisClient
  const keys = new Set<string>()
  const recording = new Proxy(redis, {
    get(target, property, receiver) {
      const value = Reflect.get(target, property, receiver)
      if (property === "runScript" && typeof value === "function") {
        // Scripts name their keys in their second argument (a channel among them is no key: it never exists).
        return (name: string, scriptKeys: ReadonlyArray<string>, ...rest: Array<unknown>) => {
          for (const key of scriptKeys) keys.add(key)
          return (value as (...args: Array<unknown>) => unknown).apply(target, [name, scriptKeys, ...rest])
        }
      }
      if (typeof property !== "string" || !writes.has(property) || typeof value !== "function") return value
      return (key: string, ...rest: Array<unknown>) => {
        keys.add(key)
        return (value as (...args: Array<unknown>) => unknown).apply(target, [key, ...rest])
      }
    }
  })
  return { keys, layer: Layer.succeed(RedisClient.RedisClient, recording) }
})

/**
 * Runs a program with its console output captured, the library's error logs
 * recorded (and the other log entries dropped: they are not the example's
 * output), and the keys it writes recorded.
 */
export const capture = <E>(
  program: Effect.Effect<void, E, RedisClient.RedisClient>
): Effect.Effect<Run, E, RedisClient.RedisClient> =>
  Effect.gen(function* () {
    const errorLogs: Array<string> = []
    const logger = Logger.make(({ logLevel, message }) => {
      if (LogLevel.isGreaterThanOrEqualTo(logLevel, "Error")) errorLogs.push(`${logLevel}: ${String(message)}`)
    })
    const recorder = yield* recordingKeys
    const lines = yield* Effect.gen(function* () {
      yield* program
      return yield* TestConsole.logLines
    }).pipe(Effect.provide(Layer.mergeAll(TestConsole.layer, Logger.layer([logger]), recorder.layer)))
    return { lines: lines.map(String), errorLogs, keysWritten: [...recorder.keys] }
  })
