/**
 * `RedisClient.Service` over an ioredis `Cluster`.
 *
 * ioredis routes each single-key command (and each script, by its first
 * key) to the primary serving the key's slot and follows `MOVED`/`ASK`
 * redirections. What spans keys is split here by slot: `DEL`/`EXISTS` over
 * several keys, and reads over several streams. The replies of a cluster in
 * motion that are left after ioredis's own retries become
 * `RedisConnectionError`s (see `fromTopology`).
 *
 * @internal
 */
import { Errors, type RedisClient } from "@effect-pulse/core"
import { Effect } from "effect"
import type { Cluster } from "ioredis"
import { type Scrub, toRedisError } from "../errors.js"
import type { ClientOptions } from "../options.js"
import { type Commands, makeCommands } from "../service.js"
import * as ClusterBlocking from "./blocking.js"
import { fromTopology } from "./errors.js"
import { groupBySlot, slotOf } from "./slots.js"

/** What the cluster service needs. */
export interface ClusterServiceOptions {
  readonly cluster: Cluster
  readonly scrub: Scrub
  readonly nodeOptions: ClientOptions
  readonly connectTimeoutMillis: number
  readonly waitForReplicas: { readonly replicas: number; readonly timeoutMillis: number } | undefined
}

/** Runs `run` once per slot of `items`, in parallel (a single slot runs as it is). */
const perSlot = <A, B>(
  items: ReadonlyArray<A>,
  keyOf: (item: A) => string,
  run: (items: ReadonlyArray<A>) => Effect.Effect<B, Errors.RedisError>
): Effect.Effect<ReadonlyArray<B>, Errors.RedisError> => {
  const groups = groupBySlot(items, keyOf)
  if (groups.length <= 1) return Effect.map(run(items), (result) => [result])
  return Effect.forEach(groups, ([, group]) => run(group), { concurrency: "unbounded" })
}

const sum = (counts: ReadonlyArray<number>): number => counts.reduce((total, count) => total + count, 0)

const identity = (key: string) => key
const cursorKey = (cursor: RedisClient.StreamCursor) => cursor.key

/** Every method of `commands` with topology replies turned into connection errors. */
const withTopologyErrors = (commands: Commands): Commands =>
  Object.fromEntries(
    Object.entries(commands).map(([name, method]) => [
      name,
      (...args: ReadonlyArray<unknown>) =>
        Effect.mapError(
          (method as (...args: ReadonlyArray<unknown>) => Effect.Effect<unknown, Errors.RedisError>)(...args),
          fromTopology
        )
    ])
  ) as unknown as Commands

/**
 * `WAIT replicas timeout` on the connection of the primary serving `key`,
 * the connection the add just went through: Redis counts the replicas that
 * acknowledged every write of that connection so far.
 */
const waitForReplicas = (
  cluster: Cluster,
  key: string,
  wait: { readonly replicas: number; readonly timeoutMillis: number },
  added: string,
  scrub: Scrub
): Effect.Effect<void, Errors.RedisError> =>
  Effect.callback<void, Errors.RedisError>((resume) => {
    const owner = cluster.slots[slotOf(key)]?.[0]
    const node = cluster.nodes("master").find((node) => `${node.options.host}:${node.options.port}` === owner)
    if (node === undefined) {
      return resume(
        Effect.fail(
          new Errors.RedisConnectionError({
            message: `${added} to ${key}, but the primary of its slot left before WAIT could count its replicas`
          })
        )
      )
    }
    node.call("WAIT", wait.replicas, wait.timeoutMillis, (error, reply) => {
      if (error) return resume(Effect.fail(toRedisError("WAIT", error, scrub)))
      const acknowledged = Number(reply)
      if (acknowledged >= wait.replicas) return resume(Effect.void)
      resume(
        Effect.fail(
          new Errors.RedisCommandError({
            command: "WAIT",
            code: "UNREPLICATED",
            message:
              `${added} to ${key}, but only ${acknowledged} of ${wait.replicas} replicas acknowledged it within ` +
              `${wait.timeoutMillis} ms: a failover of its primary now could lose it`
          })
        )
      )
    })
  })

/** The service over `options.cluster`. */
export const make = (options: ClusterServiceOptions): RedisClient.Service => {
  const { cluster, scrub, waitForReplicas: wait } = options
  const commands = makeCommands(cluster, scrub)
  const adds: Pick<Commands, "xadd" | "xaddAll"> =
    wait === undefined
      ? commands
      : {
          xadd: (key, fields, addOptions) =>
            Effect.tap(commands.xadd(key, fields, addOptions), (id) =>
              id === null ? Effect.void : waitForReplicas(cluster, key, wait, `the entry ${id} was added`, scrub)
            ),
          xaddAll: (key, entries, addOptions) =>
            Effect.tap(commands.xaddAll(key, entries, addOptions), (ids) =>
              ids.length === 0
                ? Effect.void
                : waitForReplicas(cluster, key, wait, `${ids.length} entries (${ids[0]}...) were added`, scrub)
            )
        }
  const service = withTopologyErrors({
    ...commands,
    ...adds,
    xread: (streams, readOptions) =>
      Effect.map(
        perSlot(streams, cursorKey, (group) => commands.xread(group, readOptions)),
        (reads) => reads.flat()
      ),
    xreadgroup: (group, consumer, streams, readOptions) =>
      Effect.map(
        perSlot(streams, cursorKey, (cursors) => commands.xreadgroup(group, consumer, cursors, readOptions)),
        (reads) => reads.flat()
      ),
    del: (keys) => Effect.map(perSlot(keys, identity, commands.del), sum),
    exists: (keys) => Effect.map(perSlot(keys, identity, commands.exists), sum)
  })
  return {
    ...service,
    blockingConnection: ClusterBlocking.make({
      cluster,
      nodeOptions: options.nodeOptions,
      connectTimeoutMillis: options.connectTimeoutMillis,
      scrub,
      xread: service.xread,
      xreadgroup: service.xreadgroup
    })
  }
}
