/**
 * Runs a generated command on one implementation of `RedisClient`, with the
 * run's `RunState` (see `state.ts`) to resolve ID references and to record
 * the IDs adds return.
 */
import type { Errors, RedisClient } from "@effect-pulse/core"
import { Effect } from "effect"
import type { Command } from "./commands.js"
import type { AddId, FieldsName, Ttl } from "./domains.js"
import { forget, type RunState, remember, resolveId } from "./state.js"

const pattern = (length: number, seed: number) => Uint8Array.from({ length }, (_, i) => (i * 31 + seed) & 255)

/** The field sets named in commands; `p5000` overflows a stream node on its own. */
const fieldSets: Record<FieldsName, RedisClient.FieldsInput> = {
  one: [["n", "e"]],
  event: [
    ["n", "created"],
    ["p", Uint8Array.of(0, 1, 2, 255)],
    ["t", "eu"]
  ],
  numbers: [
    ["n", "12345"],
    ["p", "-7"]
  ],
  other: [
    ["a", "1"],
    ["b", "22"],
    ["c", "x".repeat(70)]
  ],
  p200: [["p", pattern(200, 1)]],
  p333: [["p", pattern(333, 2)]],
  p500: [
    ["n", "sized"],
    ["p", pattern(500, 3)]
  ],
  p700: [
    ["n", "sized"],
    ["p", pattern(700, 4)]
  ],
  p1000: [["p", pattern(1000, 5)]],
  p2000: [
    ["n", "sized"],
    ["p", pattern(2000, 6)]
  ],
  p5000: [["p", pattern(5000, 7)]],
  emptyValue: [["n", ""]],
  unicode: [["名前", "значение ✓"]],
  none: []
}

const addIdText = (state: RunState, id: AddId): string => {
  const step = state.step
  switch (id) {
    case "fresh":
      return `${step}-1`
    case "msOnly":
      return `${step}`
    case "freshMsAutoSeq":
      return `${step}-*`
    case "previousMsAutoSeq":
      return `${step - 1}-*`
    case "previousMs":
      return `${step - 1}-5`
    case "auto":
      return "*"
    case "small":
      return "1-0"
    case "zero":
      return "0-0"
    case "bad":
      return "12x"
    case "max":
      return "18446744073709551615-18446744073709551615"
  }
}

const parseTrim = (trim: string | undefined): RedisClient.Trim | undefined =>
  trim === undefined ? undefined : { approximate: trim.startsWith("~"), maxLen: Number(trim.slice(1)) }

/** Milliseconds for a `Ttl`: levels are 10^9 apart and grow by 10^5 per step (see `domains.ts`). */
const ttlMillis = (state: RunState, ttl: Ttl): number => {
  switch (ttl) {
    case "level1":
    case "level2":
    case "level3":
      return Number(ttl.slice(5)) * 1_000_000_000 + state.step * 100_000
    case "zero":
      return 0
    case "negative":
      return -100
    case "fraction":
      return 1.5
    case "huge":
      return 2 ** 62
    case "tooBig":
      return 2 ** 63
  }
}

/** Only the sign class of a PTTL compares: the milliseconds left depend on when each ran. */
const ttlClass = (millis: number): number | "positive" => (millis > 0 ? "positive" : millis)

const batch = (command: Extract<Command, { _tag: "xaddAll" }>): Array<RedisClient.FieldsInput> => {
  const entries = Array.from({ length: command.entries }, (_, i) =>
    command.mixed && i % 2 === 1 ? fieldSets.one : fieldSets[command.fields]
  )
  if (command.withEmptyEntry && entries.length > 0) entries[entries.length >> 1] = fieldSets.none
  return entries
}

/** Runs `command` as step `state.step` on `redis`. */
export const interpret = (
  redis: RedisClient.Service,
  state: RunState,
  command: Command
): Effect.Effect<unknown, Errors.RedisError> => {
  const id = (key: string, argument: Parameters<typeof resolveId>[2]) => resolveId(state, key, argument)
  switch (command._tag) {
    case "xadd": {
      const options = {
        id: addIdText(state, command.id),
        trim: parseTrim(command.trim),
        noMkStream: command.noMkStream
      }
      return Effect.tap(redis.xadd(command.key, fieldSets[command.fields], options), (added) =>
        Effect.sync(() => remember(state, command.key, [added], command.id === "auto"))
      )
    }
    case "xaddOnce":
      // Not remembered: a repeated add returns what the key holds, which may not be an entry of this stream.
      return redis.xadd(command.key, fieldSets[command.fields], {
        id: addIdText(state, command.id),
        noMkStream: command.noMkStream,
        dedupe: { key: command.dedupeKey, windowMillis: ttlMillis(state, command.window) }
      })
    case "xaddSized": {
      const fields: RedisClient.FieldsInput = [["p", pattern(command.bytes, command.bytes)]]
      const trim = parseTrim(command.trim)
      return Effect.forEach(
        Array.from({ length: command.repeat }, (_, i) => `${state.step}-${i + 1}`),
        (id) =>
          Effect.tap(redis.xadd(command.key, fields, { id, trim }), (added) =>
            Effect.sync(() => remember(state, command.key, [added], false))
          )
      )
    }
    case "xaddAll":
      return Effect.tap(redis.xaddAll(command.key, batch(command), { trim: parseTrim(command.trim) }), (added) =>
        Effect.sync(() => remember(state, command.key, added, true))
      )
    case "xrange":
      return redis.xrange(command.key, id(command.key, command.start), id(command.key, command.end), command.count)
    case "xrevrange":
      return redis.xrevrange(command.key, id(command.key, command.end), id(command.key, command.start), command.count)
    case "xlen":
      return redis.xlen(command.key)
    case "xdel":
      return redis.xdel(
        command.key,
        command.ids.map((argument) => id(command.key, argument))
      )
    case "xinfoStream":
      return redis.xinfoStream(command.key)
    case "xread":
      return redis.xread(
        command.streams.map((cursor) => ({ key: cursor.key, id: id(cursor.key, cursor.id) })),
        { count: command.count }
      )
    case "xreadgroup":
      return redis.xreadgroup(
        command.group,
        command.consumer,
        command.streams.map((cursor) => ({ key: cursor.key, id: id(cursor.key, cursor.id) })),
        { count: command.count, noAck: command.noAck }
      )
    case "xack":
      return redis.xack(
        command.key,
        command.group,
        command.ids.map((argument) => id(command.key, argument))
      )
    case "xclaim":
      return redis.xclaim(
        command.key,
        command.group,
        command.consumer,
        command.minIdle,
        command.ids.map((argument) => id(command.key, argument))
      )
    case "xclaimJustId":
      return redis.xclaimJustId(
        command.key,
        command.group,
        command.consumer,
        command.minIdle,
        command.ids.map((argument) => id(command.key, argument)),
        {
          idleMillis: command.idle
        }
      )
    case "xautoclaim":
      return redis.xautoclaim(
        command.key,
        command.group,
        command.consumer,
        command.minIdle,
        id(command.key, command.start),
        command.count
      )
    case "xpending":
      return redis.xpending(command.key, command.group)
    case "xpendingRange":
      return redis.xpendingRange(command.key, command.group, {
        start: id(command.key, command.start),
        end: id(command.key, command.end),
        count: command.count,
        consumer: command.consumer,
        minIdleMillis: command.minIdle
      })
    case "xgroupCreate":
      return redis.xgroupCreate(command.key, command.group, id(command.key, command.id), { mkStream: command.mkStream })
    case "xgroupDestroy":
      return redis.xgroupDestroy(command.key, command.group)
    case "xgroupCreateConsumer":
      return redis.xgroupCreateConsumer(command.key, command.group, command.consumer)
    case "xgroupDelConsumerIfNoPending":
      return redis.xgroupDelConsumerIfNoPending(command.key, command.group, command.consumer)
    case "xinfoGroups":
      return redis.xinfoGroups(command.key)
    case "xinfoConsumers":
      return redis.xinfoConsumers(command.key, command.group)
    case "del":
      // Whether each key existed or not, none does now.
      return Effect.tap(redis.del(command.keys), () =>
        Effect.sync(() => {
          for (const key of command.keys) forget(state, key)
        })
      )
    case "exists":
      return redis.exists(command.keys)
    case "pexpire":
      // An expiry set in the past deletes the key.
      return Effect.tap(redis.pexpire(command.key, ttlMillis(state, command.ttl), command.condition), (set) =>
        Effect.sync(() => {
          if (set && ttlMillis(state, command.ttl) <= 0) forget(state, command.key)
        })
      )
    case "pttl":
      return Effect.map(redis.pttl(command.key), ttlClass)
    case "set": {
      const options = {
        onlyIfMissing: command.onlyIfMissing,
        expireMillis: command.ttl === undefined ? undefined : ttlMillis(state, command.ttl)
      }
      return Effect.tap(redis.set(command.key, command.value, options), (set) =>
        Effect.sync(() => {
          if (set) forget(state, command.key)
        })
      )
    }
    case "get":
      return redis.get(command.key)
    case "hset":
      return redis.hset(command.key, command.field, command.value)
    case "hgetall":
      return redis.hgetall(command.key)
    case "hdel":
      return redis.hdel(command.key, command.fields)
    case "runScript":
      return redis.runScript(command.name as RedisClient.ScriptName, command.keys, command.args)
    case "scanAll":
      return scanAll(redis, command)
  }
}

/**
 * A whole `SCAN` walk, its keys sorted and without repeats: Redis returns
 * keys in its hash table's order and in steps of its choosing, so only the
 * set of keys a walk finds is the same on both implementations.
 */
const scanAll = Effect.fnUntraced(function* (redis: RedisClient.Service, options: RedisClient.ScanOptions) {
  const keys = new Set<string>()
  let cursor = "0"
  do {
    const page = yield* redis.scan(cursor, options)
    for (const key of page.keys) keys.add(key)
    cursor = page.cursor
  } while (cursor !== "0")
  return [...keys].sort()
})
