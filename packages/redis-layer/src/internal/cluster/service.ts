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
import type { Errors, RedisClient } from "@effect-pulse/core"
import { Effect } from "effect"
import type { Cluster } from "ioredis"
import type { Scrub } from "../errors.js"
import type { ClientOptions } from "../options.js"
import { type Commands, makeCommands } from "../service.js"
import * as ClusterBlocking from "./blocking.js"
import { fromTopology } from "./errors.js"
import { makeReplicaWait, type ReplicaWait } from "./replicas.js"
import { groupBySlot } from "./slots.js"

/** What the cluster service needs. */
export interface ClusterServiceOptions {
  readonly cluster: Cluster
  readonly scrub: Scrub
  readonly nodeOptions: ClientOptions
  readonly connectTimeoutMillis: number
  readonly waitForReplicas: ReplicaWait | undefined
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

/** The service over `options.cluster`. */
export const make = (options: ClusterServiceOptions): RedisClient.Service => {
  const { cluster, scrub, waitForReplicas: wait } = options
  const commands = makeCommands(cluster, scrub)
  const replicated = wait === undefined ? undefined : makeReplicaWait(cluster, wait, scrub)
  const adds: Pick<Commands, "xadd" | "xaddAll"> =
    replicated === undefined
      ? commands
      : {
          xadd: (key, fields, addOptions) =>
            Effect.tap(commands.xadd(key, fields, addOptions), (id) =>
              id === null ? Effect.void : replicated(key, `the entry ${id} was added`)
            ),
          xaddAll: (key, entries, addOptions) =>
            Effect.tap(commands.xaddAll(key, entries, addOptions), (ids) =>
              ids.length === 0 ? Effect.void : replicated(key, `${ids.length} entries (${ids[0]}...) were added`)
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
