import { readFileSync } from "node:fs"
import { expect, layer, vi } from "@effect/vitest"
import { DeadLetter, type Event, EventStream, Inspect, RedisClient, Sink, StartAt } from "@effect-pulse/core"
import { RedisLayer } from "@effect-pulse/redis-layer"
import { RedisTestServer } from "@effect-pulse/redis-layer/testing"
import { Cause, Context, Deferred, Effect, Fiber, Layer, Logger, Redacted, Stream } from "effect"
import { eventually, inspector } from "./helpers.js"

/**
 * The ACL rules of the README's "Production setup" section, read from the
 * README itself, so that what the README tells users to grant is what this
 * test grants: everything after `ACL SETUSER <name> on '>password'`.
 */
const readmeAclRules = (): ReadonlyArray<string> => {
  const readme = readFileSync(new URL("../../../README.md", import.meta.url), "utf8")
  const block = /<!-- production-acl -->\n```sh\n([\s\S]*?)\n```/.exec(readme)
  if (block === null) throw new Error("README.md has no production-acl block")
  const words = block[1]!
    .replaceAll("\\\n", " ")
    .split(/\s+/)
    .filter((word) => word !== "")
  const rules = words.map((word) => word.replace(/^'(.*)'$/, "$1"))
  const start = rules.findIndex((word) => word.startsWith(">"))
  if (rules.slice(0, 3).join(" ") !== "redis-cli ACL SETUSER" || start === -1) {
    throw new Error(`unexpected production-acl block: ${block[1]}`)
  }
  return rules.slice(start + 1)
}

const password = "acl-test-password"

/** Makes an ACL user with `rules` on the server under test; its name. */
const aclUser = (rules: ReadonlyArray<string>) =>
  Effect.gen(function* () {
    const admin = yield* inspector
    const user = `pulse-${crypto.randomUUID().slice(0, 8)}`
    yield* Effect.promise(() => admin.call("ACL", "SETUSER", user, "on", `>${password}`, ...rules))
    return user
  })

/** A `RedisClient` logged in as `user`. */
const clientAs = (user: string) =>
  Effect.gen(function* () {
    const server = yield* RedisTestServer.RedisTestServer
    const context = yield* Layer.build(
      RedisLayer.layer({ host: server.host, port: server.port, username: user, password: Redacted.make(password) })
    )
    return Context.get(context, RedisClient.RedisClient)
  })

/** Everything logged through Effect and written to the console while `effect` runs. */
const capturingOutput = <A, E, R>(effect: Effect.Effect<A, E, R>) =>
  Effect.gen(function* () {
    const lines: Array<string> = []
    for (const method of ["log", "info", "warn", "error", "debug", "trace"] as const) {
      const spy = vi.spyOn(console, method).mockImplementation((...args: Array<unknown>) => {
        lines.push(`console.${method}: ${args.map(String).join(" ")}`)
      })
      yield* Effect.addFinalizer(() => Effect.sync(() => spy.mockRestore()))
    }
    const logger = Logger.make(({ logLevel, message, cause }) => {
      lines.push(`${logLevel}: ${[message].flat().map(String).join(" ")} ${Cause.pretty(cause)}`)
    })
    const result = yield* effect.pipe(Effect.provideService(Logger.CurrentLoggers, new Set([logger])))
    return { result, lines }
  })

const take = (events: Stream.Stream<Event.Event, unknown>, n: number) =>
  Effect.map(Stream.runCollect(Stream.take(events, n)), (collected) => [...collected])

/** The public API end to end: streams, readers, sinks (acks, nacks, claims, dead letters, process), clean-up. */
const everything = Effect.gen(function* () {
  const name = `acl-${crypto.randomUUID().slice(0, 8)}`
  const orders = yield* EventStream.make(name, { slidingTtl: "1 hour" })
  const returns = yield* EventStream.make(`${name}-returns`, { ttl: "1 hour" })
  const first = yield* orders.add("created", "1", { topic: "eu" })
  expect(yield* orders.add("created", "2", { onlyIfStreamExists: true })).toBeDefined()
  yield* orders.addAll([
    { name: "created", payload: "3" },
    { name: "created", payload: "4" }
  ])
  // An idempotent add, twice: the second stores nothing and returns the first one's ID.
  const returnId = yield* returns.add("returned", "r", { id: "return-1" })
  expect(yield* returns.add("returned", "r", { id: "return-1" })).toBe(returnId)

  const reader = yield* orders.reader({ start: StartAt.oldest })
  expect(yield* take(reader.events, 4)).toHaveLength(4)
  yield* reader.addStream(returns, { start: StartAt.oldest })
  expect((yield* take(reader.events, 1))[0]!.streamName).toBe(returns.name)
  yield* reader.removeStream(returns)
  yield* reader.close

  const sinkName = `billing-${name}`
  const billing = yield* orders.sink(sinkName, {
    start: StartAt.oldest,
    ackGracePeriod: "300 millis",
    maxDeliveries: 2
  })
  const [a, b, c, poison] = yield* take(billing.events, 4)
  yield* billing.ack(a!)
  yield* billing.ackAll([b!, c!])
  yield* billing.nack(poison!)
  // Delivered again by the claim check, not acked, then moved to the dead letters.
  expect((yield* take(billing.events, 1))[0]!.id).toBe(poison!.id)
  const letters = yield* eventually(
    Effect.map(DeadLetter.list(name), (found) => found.length === 1),
    "the dead letter"
  ).pipe(Effect.andThen(DeadLetter.list(name)))
  const deadReader = yield* DeadLetter.reader(name, { start: StartAt.oldest })
  expect((yield* take(deadReader.events, 1))[0]!.id).toBe(letters[0]!.id)
  expect(yield* DeadLetter.remove(name, [letters[0]!.id])).toBe(1)

  yield* billing.addStream(returns, { start: StartAt.oldest })
  const [returned] = yield* take(billing.events, 1)
  yield* billing.ack(returned!)
  yield* billing.removeStream(returns)

  // A second consumer of the same sink joins and leaves; process handles and acks.
  yield* Effect.scoped(Effect.asVoid(orders.sink(sinkName)))
  const handled = yield* Deferred.make<string>()
  const processing = yield* Effect.forkScoped(billing.process((event) => Deferred.succeed(handled, event.id)))
  const later = yield* orders.add("created", "5")
  expect(yield* Deferred.await(handled)).toBe(later)
  yield* billing.close
  yield* Fiber.join(processing)

  // Inspection, and a replay of a dead letter (the sink is closed: nothing takes it).
  expect(yield* Inspect.streams()).toContain(name)
  const info = yield* EventStream.info(name)
  expect(info.sinks.map((sink) => sink.name)).toEqual([sinkName])
  // The last event may still be pending: its ack can be cut short by the close.
  const stillPending = yield* Inspect.pending(name, sinkName)
  expect(stillPending.map((event) => event.id).filter((id) => id !== later)).toEqual([])
  yield* RedisClient.RedisClient.use((redis) =>
    redis.xadd(DeadLetter.key(name), [
      ["n", "created"],
      ["p", "6"],
      ["sink", sinkName],
      ["deliveries", "2"],
      ["id", "1-0"]
    ])
  )
  expect(yield* DeadLetter.replay(name)).toHaveLength(1)

  expect(yield* orders.remove(first!)).toBe(1)
  const redis = yield* RedisClient.RedisClient
  const { keepAlive, lease } = Sink.keys(sinkName)
  yield* redis.del([keepAlive, lease])
  yield* DeadLetter.destroy(name)
  yield* orders.destroy
  yield* returns.destroy
})

layer(RedisTestServer.layerOwned, { excludeTestServices: true, timeout: "60 seconds" })("Production ACL", (it) => {
  it.effect("the README's ACL is enough for the whole public API, with nothing refused or printed", () =>
    Effect.gen(function* () {
      const user = yield* aclUser(readmeAclRules())
      const { lines } = yield* capturingOutput(
        Effect.gen(function* () {
          const redis = yield* clientAs(user)
          yield* everything.pipe(Effect.provideService(RedisClient.RedisClient, redis))
        })
      )
      expect(lines.filter((line) => /NOPERM|Error|console\./.test(line))).toEqual([])
    })
  )

  it.effect("a command the user may not run fails with NOPERM naming what to grant", () =>
    Effect.gen(function* () {
      const rules = readmeAclRules().filter((rule) => rule !== "+eval" && rule !== "+evalsha")
      const redis = yield* clientAs(yield* aclUser(rules))
      const stream = yield* EventStream.make(`acl-${crypto.randomUUID().slice(0, 8)}`).pipe(
        Effect.provideService(RedisClient.RedisClient, redis)
      )
      const error = yield* Effect.flip(stream.addAll([{ name: "created", payload: "" }]))
      expect(error).toMatchObject({ _tag: "RedisCommandError", command: "XADD", code: "NOPERM" })
      expect(error.message).toContain("the command 'eval' (grant +eval)")
      expect(error.message).toContain("Production setup")
    })
  )

  it.effect("a key outside the user's patterns fails with NOPERM saying so", () =>
    Effect.gen(function* () {
      const rules = readmeAclRules().map((rule) => (rule.startsWith("~") ? "~elsewhere:*" : rule))
      const redis = yield* clientAs(yield* aclUser(rules))
      const stream = yield* EventStream.make(`acl-${crypto.randomUUID().slice(0, 8)}`).pipe(
        Effect.provideService(RedisClient.RedisClient, redis)
      )
      const error = yield* Effect.flip(stream.add("created", ""))
      expect(error).toMatchObject({ _tag: "RedisCommandError", command: "XADD", code: "NOPERM" })
      expect(error.message).toContain("a key outside the user's key patterns")
    })
  )
})
