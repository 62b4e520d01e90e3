/**
 * The faults of the suite, as an operator or a failing machine inflicts them
 * on a running Redis.
 */
import { RedisClient } from "@effect-pulse/core"
import { RedisTestServer } from "@effect-pulse/redis-layer/testing"
import { Effect, Schedule } from "effect"
import type { Scenario } from "./run.js"

/** The blocking connections of a scenario: one per sink consumer, one for the reader. */
const blockingConnections = 4

/**
 * Applies a per-connection fault until it has hit every blocking connection
 * (each is only blocked between two reads) or 2 s have passed.
 */
const onEveryBlockedClient = (operation: Effect.Effect<number, RedisTestServer.OperationError>) =>
  Effect.gen(function* () {
    let hit = 0
    yield* Effect.repeat(
      Effect.map(operation, (count) => {
        hit += count
        return hit
      }),
      { until: (total) => total >= blockingConnections, schedule: Schedule.spaced("20 millis"), times: 100 }
    )
  })

const server = RedisTestServer.RedisTestServer
const onRedis = <A>(command: (redis: RedisClient.Service) => Effect.Effect<A, unknown>) =>
  Effect.gen(function* () {
    yield* command(yield* RedisClient.RedisClient)
  })

const busy = { producersBusy: true, sinkStart: "oldest", redisDropsEvents: false, needsServer: true } as const

/** How a scenario fails today: why, and the sink consumers' ending that comes with it, if any. */
export interface KnownFailure {
  readonly why: string
  readonly failure?: string | undefined
}

/**
 * Scenarios that fail today. Their tests let the sink lose events (with
 * consumers ending only in the known way); the reader must still lose
 * nothing, and the document marks their rows and says why.
 */
export const knownFailing: ReadonlyMap<string, KnownFailure> = new Map()

export const scenarios = (pauseMillis: number): ReadonlyArray<Scenario> => [
  {
    ...busy,
    name: "restart with persistence, producers idle",
    producersBusy: false,
    fault: () => server.use((s) => s.restartKeepingData)
  },
  { ...busy, name: "restart with persistence, producers busy", fault: () => server.use((s) => s.restartKeepingData) },
  {
    ...busy,
    name: "restart without persistence, producers idle",
    producersBusy: false,
    redisDropsEvents: true,
    fault: () => server.use((s) => s.restart)
  },
  {
    ...busy,
    name: "restart without persistence, producers busy",
    redisDropsEvents: true,
    fault: () => server.use((s) => s.restart)
  },
  {
    ...busy,
    name: "pause (`SIGSTOP`, then `SIGCONT`), producers busy",
    fault: () => server.use((s) => Effect.andThen(Effect.andThen(s.pause, Effect.sleep(pauseMillis)), s.resume))
  },
  { ...busy, name: "`CLIENT KILL TYPE normal`", fault: () => server.use((s) => s.killClients) },
  {
    ...busy,
    name: "every blocked client killed",
    fault: () => server.use((s) => onEveryBlockedClient(s.killBlockedClients))
  },
  {
    ...busy,
    name: "`CLIENT UNBLOCK <id> ERROR` on every blocked client",
    fault: () => server.use((s) => onEveryBlockedClient(s.unblockClients))
  },
  {
    ...busy,
    name: "`XGROUP DESTROY`, sink started at oldest",
    needsServer: false,
    fault: ({ key, sink }) => onRedis((r) => r.xgroupDestroy(key, sink))
  },
  {
    ...busy,
    name: "`XGROUP DESTROY`, sink started at newest",
    needsServer: false,
    sinkStart: "newest",
    fault: ({ key, sink }) => onRedis((r) => r.xgroupDestroy(key, sink))
  },
  {
    ...busy,
    name: "`DEL` of the stream, producers continuing",
    needsServer: false,
    redisDropsEvents: true,
    fault: ({ key }) => onRedis((r) => r.del([key]))
  }
]

/** The scenarios whose fault is a command, which run on InMemoryRedis as well. */
export const withoutServer = (all: ReadonlyArray<Scenario>): ReadonlyArray<Scenario<RedisClient.RedisClient>> =>
  all.filter((scenario): scenario is Scenario<RedisClient.RedisClient> => !scenario.needsServer)
