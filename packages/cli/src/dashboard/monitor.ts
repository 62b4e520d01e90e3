/**
 * The dashboard's one inspection loop. Every `interval` it inspects every
 * stream once and publishes a snapshot; all viewers share it, so ten open
 * pages cost Redis what one does. It keeps each stream's count of added
 * entries over the last minutes, from which the rates and charts come.
 */
import { DeadLetter, Event, Inspect, type RedisClient } from "@effect-pulse/core"
import { Clock, Effect, Schedule, type Scope, Semaphore, SubscriptionRef } from "effect"
import { messageOf } from "../internal/failures.js"

/** A dead letter as the page shows it. */
export interface LetterView {
  readonly id: string
  readonly eventId: string
  readonly sink: string | null
  readonly deliveries: number
  readonly event: string
  readonly topic: string | null
  readonly payload: string
}

/** One stream: its inspection, its rate, its recent history and its first dead letters. */
export interface StreamView {
  readonly info: Inspect.StreamInfo
  /** Events added per second over the last minute. */
  readonly rate: number
  /** Events added in each of the last `historyBuckets` intervals of `bucketMillis`, oldest first. */
  readonly history: ReadonlyArray<number>
  readonly deadLetters: ReadonlyArray<LetterView>
}

/** What every viewer gets, each interval. */
export interface Snapshot {
  readonly time: number
  readonly writable: boolean
  readonly streams: ReadonlyArray<StreamView>
  /** Why the last inspection failed (Redis unreachable, ...), `null` when it worked. */
  readonly error: string | null
}

export const bucketMillis = 10_000
export const historyBuckets = 30
const keepMillis = (historyBuckets + 1) * bucketMillis
const lettersShown = 50

interface Sample {
  readonly time: number
  readonly added: number
}

/** The count of added entries at `time`: the last sample at or before it (the first sample when none is). */
const addedAt = (samples: ReadonlyArray<Sample>, time: number): number => {
  let value = samples[0]?.added ?? 0
  for (const sample of samples) {
    if (sample.time > time) break
    value = sample.added
  }
  return value
}

const letterView = (letter: DeadLetter.DeadLetter): LetterView => ({
  id: letter.id,
  eventId: letter.event.id,
  sink: letter.event.sinkName ?? null,
  deliveries: letter.deliveries,
  event: letter.event.eventName,
  topic: letter.event.topic ?? null,
  payload: Event.text(letter.event).slice(0, 200)
})

/** The monitor: the latest snapshot, and `refresh` to inspect now (after a replay or remove). */
export interface Monitor {
  readonly snapshots: SubscriptionRef.SubscriptionRef<Snapshot>
  readonly refresh: Effect.Effect<void>
}

/** Starts the loop in the scope; it stops when the scope closes. */
export const start = Effect.fnUntraced(function* (options: {
  readonly intervalMillis: number
  readonly writable: boolean
}): Effect.fn.Return<Monitor, never, RedisClient.RedisClient | Scope.Scope> {
  const snapshots = yield* SubscriptionRef.make<Snapshot>({
    time: yield* Clock.currentTimeMillis,
    writable: options.writable,
    streams: [],
    error: null
  })
  const samples = new Map<string, Array<Sample>>()

  const view = Effect.fnUntraced(function* (name: string, now: number) {
    const info = yield* Inspect.stream(name)
    const letters = info.deadLetters === 0 ? [] : yield* DeadLetter.list(name, { count: lettersShown })
    const series = samples.get(name) ?? []
    series.push({ time: now, added: info.entriesAdded })
    while (series.length > 0 && series[0]!.time < now - keepMillis) series.shift()
    samples.set(name, series)
    const history = Array.from({ length: historyBuckets }, (_, bucket) => {
      const end = now - (historyBuckets - 1 - bucket) * bucketMillis
      return Math.max(0, addedAt(series, end) - addedAt(series, end - bucketMillis))
    })
    const since = series.find((sample) => sample.time >= now - 60_000) ?? series[0]!
    const seconds = (now - since.time) / 1000
    const rate = seconds <= 0 ? 0 : (info.entriesAdded - since.added) / seconds
    return { info, rate, history, deadLetters: letters.map(letterView) } satisfies StreamView
  })

  const inspectAll = Effect.gen(function* () {
    const now = yield* Clock.currentTimeMillis
    const names = yield* Inspect.streams()
    // A stream deleted between the scan and its inspection is left out.
    const views = yield* Effect.forEach(names, (name) => Effect.option(view(name, now)), { concurrency: 4 })
    for (const name of samples.keys()) if (!names.includes(name)) samples.delete(name)
    return {
      time: now,
      writable: options.writable,
      streams: views.flatMap((found) => (found._tag === "Some" ? [found.value] : [])),
      error: null
    } satisfies Snapshot
  })

  const redis = yield* Effect.context<RedisClient.RedisClient>()
  // The loop and a refresh after a write never inspect at the same time: samples stay in time order.
  const one = yield* Semaphore.make(1)
  const refresh = inspectAll.pipe(
    Effect.catch((error: unknown) =>
      Effect.map(SubscriptionRef.get(snapshots), (last) => ({
        ...last,
        error: messageOf(error)
      }))
    ),
    Effect.flatMap((snapshot) => SubscriptionRef.set(snapshots, snapshot)),
    Semaphore.withPermits(one, 1),
    Effect.provideContext(redis)
  )
  yield* Effect.forkScoped(Effect.repeat(refresh, Schedule.spaced(options.intervalMillis)))
  return { snapshots, refresh }
})
