/**
 * How `Inspect` computes what Redis does not answer in one command: lag
 * counted when Redis cannot say, dead letters per sink, a sink's consumers
 * with their keep-alive, and a missing stream told apart from a failure.
 *
 * @internal
 */
import { DateTime, Effect } from "effect"
import type { RedisError } from "../Errors.js"
import { StreamNotFound } from "../Errors.js"
import { timeOfId } from "../Event.js"
import type { LagSource, PendingEvent, SinkInfo } from "../Inspect.js"
import type { GroupInfo, Service as RedisService, StreamEntry } from "../RedisClient.js"
import { lastBeats } from "./keepAliveBeats.js"
import { deadLetterKey, fieldDeadSink, streamKey } from "./keys.js"

/** Entries counted, at most, where Redis cannot say (lag after XDELs, dead letters per sink). */
const countLimit = 100_000
const pageSize = 1000

/** Walks the entries of `key` after `after` in pages, until `visit` has seen `countLimit` of them. */
export const walkEntries = Effect.fnUntraced(function* (
  redis: RedisService,
  key: string,
  after: string,
  visit: (entry: StreamEntry) => void
) {
  let seen = 0
  let start = after === "0-0" ? "-" : `(${after}`
  while (seen < countLimit) {
    const page = yield* redis.xrange(key, start, "+", pageSize)
    for (const entry of page) visit(entry)
    seen += page.length
    if (page.length < pageSize) return { seen, complete: true }
    start = `(${page[page.length - 1]!.id}`
  }
  return { seen, complete: false }
})

const utf8 = new TextDecoder()

/** How many dead letters of the stream each sink put there. */
export const deadLettersBySink = Effect.fnUntraced(function* (redis: RedisService, stream: string) {
  const counts = new Map<string, number>()
  yield* walkEntries(redis, deadLetterKey(stream), "0-0", (entry) => {
    const sink = entry.fields.find(([field]) => field === fieldDeadSink)
    const name = sink === undefined ? "" : utf8.decode(sink[1])
    counts.set(name, (counts.get(name) ?? 0) + 1)
  })
  return counts
})

const missingKey = (error: RedisError): boolean =>
  error._tag === "RedisCommandError" && error.code === "ERR" && /no such key/i.test(error.message)

/** `XINFO` on a stream key, a missing key told apart from a failure. */
export const onStream = <A>(name: string, effect: Effect.Effect<A, RedisError>) =>
  Effect.catchIf(effect, missingKey, () => Effect.fail(new StreamNotFound({ streamName: name })))

export const sinkInfo = Effect.fnUntraced(function* (
  redis: RedisService,
  stream: string,
  group: GroupInfo,
  context: { readonly now: number; readonly graceMillis: number; readonly deadLetters: ReadonlyMap<string, number> }
) {
  const key = streamKey(stream)
  const [consumers, beats, oldest, sample] = yield* Effect.all(
    [
      redis.xinfoConsumers(key, group.name),
      lastBeats(redis, group.name),
      redis.xpendingRange(key, group.name, { start: "-", end: "+", count: 1 }),
      redis.xpendingRange(key, group.name, { start: "-", end: "+", count: 1000 })
    ],
    { concurrency: "unbounded" }
  )
  let lag = group.lag ?? 0
  let lagSource: LagSource = "redis"
  if (group.lag === null) {
    const counted = yield* walkEntries(redis, key, group.lastDeliveredId, () => {})
    lag = counted.seen
    lagSource = counted.complete ? "counted" : "at-least"
  }
  const first = oldest[0]
  const info: SinkInfo = {
    name: group.name,
    lastDeliveredId: group.lastDeliveredId,
    lag,
    lagSource,
    pending: group.pending,
    oldestPending: first === undefined ? null : pendingEvent(first, context.now),
    redelivered: sample.filter((entry) => entry.deliveries > 1).length,
    maxDeliveries: sample.reduce((max, entry) => Math.max(max, entry.deliveries), 0),
    consumers: consumers.map((consumer) => {
      const beat = beats.get(consumer.name)
      return {
        name: consumer.name,
        pending: consumer.pending,
        idleMillis: consumer.idleMillis,
        lastKeepAlive: beat ?? null,
        alive: beat !== undefined && context.now - beat <= 2 * context.graceMillis
      }
    }),
    deadLetters: context.deadLetters.get(group.name) ?? 0
  }
  return info
})

export const pendingEvent = (
  entry: { readonly id: string; readonly consumer: string; readonly idleMillis: number; readonly deliveries: number },
  now: number
): PendingEvent => ({
  id: entry.id,
  consumer: entry.consumer,
  idleMillis: entry.idleMillis,
  ageMillis: Math.max(0, now - DateTime.toEpochMillis(timeOfId(entry.id))),
  deliveries: entry.deliveries
})
