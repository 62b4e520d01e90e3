import { expect, layer } from "@effect/vitest"
import { Event, EventStream, RedisClient, StartAt } from "@effect-pulse/core"
import { RedisTestCluster } from "@effect-pulse/redis-layer/testing"
import { Duration, Effect, type Layer, Schedule, Stream } from "effect"
import { eventually, uniqueName } from "./utils/redisLayers.js"

// A failover of a Redis Cluster primary while sinks consume: the primary
// serving one of the streams is killed, its replica takes over, and
// consumption resumes by itself. Redis replicates asynchronously, so adds
// acknowledged by the old primary just before it died may never have
// reached the replica: those are counted apart (lost to replication), and
// everything Redis still holds must be handled (lost by the library: 0).
// FAILOVER_EVENTS sets the number of events (default 20,000).

const totalEvents = Number(process.env.FAILOVER_EVENTS ?? 20_000)
const streamCount = 6
const consumers = 2
const sinkName = "failover"

interface Outcome {
  readonly produced: number
  readonly acknowledged: number
  readonly addsRetried: number
  readonly unreplicated: number
  readonly stored: number
  readonly handled: number
  readonly lostByLibrary: number
  /** Entries Redis holds that the reader never saw. */
  readonly missedByReader: number
  readonly lostToReplication: number
  readonly duplicateDeliveries: number
  readonly duplicateAdds: number
  readonly failoverMillis: number
  /** The longest time without a handled event of the victim stream, from the kill on. */
  readonly victimStallMillis: number
  readonly victimHandledAfterFailover: number
}

const runFailover = Effect.gen(function* () {
  const cluster = yield* RedisTestCluster.RedisTestCluster
  const redis = yield* RedisClient.RedisClient
  const streams = yield* Effect.forEach(Array.from({ length: streamCount }), (_, index) =>
    EventStream.make(uniqueName(`failover-${index}`), { maxLen: 10 * totalEvents })
  )
  const victim = streams[0]!
  const victimKey = `pulse:stream:${victim.name}`

  // Handling: by entry ID (deliveries) and by sequence number (adds), with the time of the first handling.
  const deliveries = new Map<string, number>()
  const handledAt = new Map<number, number>()
  for (let consumer = 0; consumer < consumers; consumer++) {
    const sink = yield* victim.sink(sinkName, { start: StartAt.oldest, ackGracePeriod: "2 seconds" })
    for (const stream of streams.slice(1)) yield* sink.addStream(stream, { start: StartAt.oldest })
    yield* Effect.forkScoped(
      sink.process(
        (event) =>
          Effect.sync(() => {
            deliveries.set(
              `${event.streamName}/${event.id}`,
              (deliveries.get(`${event.streamName}/${event.id}`) ?? 0) + 1
            )
            const seq = Number(Event.text(event))
            if (!handledAt.has(seq)) handledAt.set(seq, Date.now())
          }),
        { concurrency: 16 }
      )
    )
  }

  // A reader over every stream as well: it must see every entry Redis holds.
  const seenByReader = new Set<string>()
  const reader = yield* victim.reader({ start: StartAt.oldest })
  for (const stream of streams.slice(1)) yield* reader.addStream(stream, { start: StartAt.oldest })
  yield* Effect.forkScoped(
    reader.events.pipe(
      Stream.runForEach((event) => Effect.sync(() => seenByReader.add(`${event.streamName}/${event.id}`)))
    )
  )

  // Producing: each add retried until it is acknowledged, as a producer that cannot drop events would.
  const acknowledged = new Set<number>()
  let addsRetried = 0
  let unreplicated = 0
  const add = (seq: number) =>
    streams[seq % streamCount]!.add("order", String(seq)).pipe(
      // With WAIT: the entry was added, only its replication is not confirmed (the victim has no replica left).
      Effect.catchIf(
        (error) => error._tag === "RedisCommandError" && error.code === "UNREPLICATED",
        () =>
          Effect.sync(() => {
            unreplicated++
          })
      ),
      Effect.tapError(() =>
        Effect.sync(() => {
          addsRetried++
        })
      ),
      Effect.retry({ schedule: Schedule.spaced("50 millis"), times: 600 }),
      Effect.tap(() => Effect.sync(() => acknowledged.add(seq)))
    )
  const produce = (from: number, to: number) =>
    Effect.forEach(
      Array.from({ length: to - from }, (_, n) => from + n),
      add,
      { concurrency: 64, discard: true }
    )

  const killAt = Math.floor(totalEvents / 3)
  yield* produce(0, killAt)
  const killStarted = Date.now()
  const [failover] = yield* Effect.all([Effect.timed(cluster.killPrimaryOf(victimKey)), produce(killAt, totalEvents)], {
    concurrency: "unbounded"
  })
  const failoverMillis = Math.round(Duration.toMillis(failover[0]))

  // What Redis holds now, stream by stream (the victim's from its new primary).
  const storedEntries = yield* Effect.forEach(streams, (stream) =>
    Effect.map(redis.xrange(`pulse:stream:${stream.name}`, "-", "+"), (entries) =>
      entries.map((entry) => ({
        key: `${stream.name}/${entry.id}`,
        seq: Number(new TextDecoder().decode(entry.fields.find(([field]) => field === "p")![1]))
      }))
    )
  ).pipe(Effect.map((perStream) => perStream.flat()))
  const storedSeqs = new Set(storedEntries.map((entry) => entry.seq))

  // Everything Redis holds gets handled, however long the redeliveries take.
  yield* eventually(
    Effect.sync(
      () => storedEntries.filter((entry) => !deliveries.has(entry.key) || !seenByReader.has(entry.key)).length
    ),
    (missing) => missing === 0,
    "90 seconds"
  ).pipe(Effect.catchDefect(() => Effect.void))

  const victimTimes = [
    killStarted,
    ...Array.from(handledAt)
      .filter(([seq, at]) => seq % streamCount === 0 && at >= killStarted)
      .map(([, at]) => at)
      .sort((a, b) => a - b)
  ]
  const victimStallMillis = Math.max(0, ...victimTimes.slice(1).map((at, index) => at - victimTimes[index]!))
  const outcome: Outcome = {
    produced: totalEvents,
    acknowledged: acknowledged.size,
    addsRetried,
    unreplicated,
    stored: storedEntries.length,
    handled: handledAt.size,
    lostByLibrary: storedEntries.filter((entry) => !deliveries.has(entry.key)).length,
    missedByReader: storedEntries.filter((entry) => !seenByReader.has(entry.key)).length,
    lostToReplication: Array.from(acknowledged).filter((seq) => !storedSeqs.has(seq)).length,
    duplicateDeliveries: Array.from(deliveries.values()).filter((count) => count > 1).length,
    duplicateAdds: storedEntries.length - storedSeqs.size,
    failoverMillis,
    victimStallMillis,
    victimHandledAfterFailover: victimTimes.filter((at) => at > killStarted + failoverMillis).length
  }
  return outcome
})

const describeFailover = (
  title: string,
  clusterLayer: Layer.Layer<RedisClient.RedisClient | RedisTestCluster.RedisTestCluster, unknown>
) =>
  layer(clusterLayer, { excludeTestServices: true, timeout: "120 seconds" })(title, (it) => {
    it.effect(
      `a reader and sinks over ${streamCount} streams in different slots lose nothing Redis holds when a primary fails over`,
      () =>
        Effect.gen(function* () {
          const outcome = yield* runFailover
          console.log(`${title}: ${JSON.stringify(outcome)}`)
          expect(outcome.acknowledged).toBe(totalEvents)
          expect(outcome.lostByLibrary).toBe(0)
          expect(outcome.missedByReader).toBe(0)
          // Every event the producer got acknowledged is handled, unless Redis itself lost it.
          expect(outcome.handled).toBe(outcome.acknowledged - outcome.lostToReplication)
          // Consumption of the victim stream resumed by itself once its replica had taken over.
          expect(outcome.victimHandledAfterFailover).toBeGreaterThan(0)
        }),
      { timeout: 180_000 }
    )
  })

describeFailover("Cluster failover", RedisTestCluster.layerClient)
describeFailover(
  "Cluster failover with WAIT 1 replica",
  // Two replicas each: once one has taken over, WAIT still has a replica to count.
  RedisTestCluster.layerClientWith(
    { waitForReplicas: { replicas: 1, timeout: "100 millis" } },
    { ...RedisTestCluster.defaultShape, replicasPerPrimary: 2 }
  )
)
