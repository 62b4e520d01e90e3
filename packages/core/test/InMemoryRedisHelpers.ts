/**
 * Shared pieces of the InMemoryRedis tests.
 */
import type { Errors, RedisClient } from "@effect-pulse/core"
import { Effect } from "effect"

const decoder = new TextDecoder()

/** UTF-8 text of bytes. */
export const text = (bytes: Uint8Array): string => decoder.decode(bytes)

/** Entries with their values as text, for readable comparisons. */
export const readable = (entries: ReadonlyArray<RedisClient.StreamEntry | RedisClient.DeletedEntry>) =>
  entries.map((entry) => ({
    id: entry.id,
    fields: entry.fields === null ? null : entry.fields.map(([field, value]) => [field, text(value)])
  }))

/** Just the IDs of entries. */
export const ids = (entries: ReadonlyArray<{ readonly id: string }>): Array<string> => entries.map((entry) => entry.id)

/** Stream reads with their values as text. */
export const readableReads = (
  reads: ReadonlyArray<RedisClient.StreamRead<RedisClient.StreamEntry | RedisClient.DeletedEntry>>
) => reads.map((read) => ({ key: read.key, entries: readable(read.entries) }))

/**
 * The error a command fails with, as `{ _tag, command, code, message }`; a
 * command that succeeds makes the test fail.
 */
export const failure = <A>(effect: Effect.Effect<A, Errors.RedisError>) =>
  Effect.map(Effect.flip(effect), (error) =>
    error._tag === "RedisCommandError"
      ? { _tag: error._tag, command: error.command, code: error.code, message: error.message }
      : { _tag: error._tag, message: error.message }
  )

export const wrongType = {
  code: "WRONGTYPE",
  message: "WRONGTYPE Operation against a key holding the wrong kind of value"
}

export const invalidId = { code: "ERR", message: "ERR Invalid stream ID specified as stream command argument" }

/** Adds entries with explicit IDs `<ms>-0` and the field `n`. */
export const addNumbered = (redis: RedisClient.Service, key: string, from: number, to: number) =>
  Effect.forEach(
    Array.from({ length: to - from + 1 }, (_, i) => from + i),
    (ms) => redis.xadd(key, [["n", String(ms)]], { id: `${ms}-0` }),
    { discard: true }
  )
