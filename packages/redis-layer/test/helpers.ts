/**
 * Shared pieces of the redis-layer tests: a side connection to inspect the
 * server under test, condition polling, byte helpers.
 */
import type { RedisClient } from "@effect-pulse/core"
import { RedisTestServer } from "@effect-pulse/redis-layer/testing"
import { Cause, Effect, Layer, Schedule } from "effect"
import { Redis } from "ioredis"

/** A key no other test uses, so tests can share a server without flushing it. */
export const uniqueKey = (base: string): string => `test:${base}:${crypto.randomUUID().slice(0, 8)}`

/** UTF-8 bytes of a string. */
export const utf8 = (text: string): Uint8Array => new TextEncoder().encode(text)

/** The bytes of any `Uint8Array` (a `Buffer` included) as a plain array, for comparisons. */
export const bytesOf = (value: Uint8Array): Array<number> => Array.from(value)

/**
 * A plain ioredis connection to the harness server, outside the layer under
 * test: for `INFO`, `ACL`, `CLIENT LIST` and other inspection. Closed with
 * the scope.
 */
export const inspector = Effect.gen(function* () {
  const server = yield* RedisTestServer.RedisTestServer
  return yield* Effect.acquireRelease(
    Effect.promise(async () => {
      const client = new Redis({ host: server.host, port: server.port, lazyConnect: true, maxRetriesPerRequest: 1 })
      client.on("error", () => {})
      await client.connect()
      return client
    }),
    (client) => Effect.sync(() => client.disconnect())
  )
})

/** The `INFO` section `section` of the server as a record. */
export const info = (client: Redis, section: string) =>
  Effect.promise(() => client.info(section)).pipe(
    Effect.map((text) => {
      const fields: Record<string, string> = {}
      for (const line of text.split("\r\n")) {
        const colon = line.indexOf(":")
        if (colon > 0) fields[line.slice(0, colon)] = line.slice(colon + 1)
      }
      return fields
    })
  )

/** How many times each command ran on the server (`INFO commandstats`), by lower-case name. */
export const commandCalls = (client: Redis) =>
  Effect.map(info(client, "commandstats"), (fields) => {
    const calls = new Map<string, number>()
    for (const [name, value] of Object.entries(fields)) {
      const match = /^calls=(\d+)/.exec(value)
      if (name.startsWith("cmdstat_") && match) calls.set(name.slice("cmdstat_".length), Number(match[1]))
    }
    return calls
  })

/** Calls per command between two `commandCalls` snapshots, leaving out commands that did not run. */
export const callsBetween = (before: Map<string, number>, after: Map<string, number>): Record<string, number> => {
  const diff: Record<string, number> = {}
  for (const [name, count] of after) {
    const delta = count - (before.get(name) ?? 0)
    if (delta > 0) diff[name] = delta
  }
  return diff
}

/** How many clients are blocked in a command on the server right now. */
export const blockedClients = (client: Redis) =>
  Effect.map(info(client, "clients"), (fields) => Number(fields.blocked_clients))

/**
 * Waits until `condition` holds, checking every 10 ms for at most 10 s (a
 * condition on the server, not a guess at how long something takes).
 */
export const eventually = <E, R>(condition: Effect.Effect<boolean, E, R>, what: string) =>
  condition.pipe(
    Effect.flatMap((holds) => (holds ? Effect.void : Effect.fail(`not yet: ${what}`))),
    Effect.retry(Schedule.spaced("10 millis").pipe(Schedule.upTo({ duration: "10 seconds" }))),
    Effect.orDie
  )

/**
 * Retries `effect` every 20 ms for at most 10 s: for commands sent while the
 * client reconnects after a fault.
 */
export const whenReconnected = <A, E, R>(effect: Effect.Effect<A, E, R>) =>
  effect.pipe(Effect.retry(Schedule.spaced("20 millis").pipe(Schedule.upTo({ duration: "10 seconds" }))))

/** Builds a layer in its own scope and returns how it failed. */
export const buildFailure = <E>(theLayer: Layer.Layer<RedisClient.RedisClient, E>) =>
  Effect.flip(Effect.scoped(Layer.build(theLayer)))

/** Everything an error shows of itself: message, cause, JSON, pretty cause. */
export const everythingShownBy = (error: unknown): string => {
  const cause = (error as { cause?: unknown }).cause
  return [
    String(error),
    (error as Error).message,
    (error as Error).stack,
    JSON.stringify(error),
    String(cause),
    cause instanceof Error ? cause.stack : "",
    cause === undefined ? "" : JSON.stringify(cause),
    Cause.pretty(Cause.fail(error))
  ].join("\n")
}
