/**
 * Blocking reads on a Redis Cluster, over streams of any slots.
 *
 * Redis refuses one `XREAD` over keys of different slots (`CROSSSLOT`), so a
 * read covering several slots first asks every slot without blocking
 * (through the shared cluster connection, in parallel). Only when none has
 * anything does it block: one read per slot, each on its own connection to
 * the primary serving that slot, and the first to return ends the wait (the
 * others are interrupted, which drops their sockets: a blocked read cannot be
 * cancelled on its socket). A busy consumer thus mostly takes the first
 * path, and an idle one pays a reconnection per slot when it wakes up.
 *
 * A slot connection follows its slot: when the cluster's map says another
 * node serves it (after a failover or a resharding), the next read
 * reconnects there; a lost connection or a topology reply asks ioredis to
 * refresh the map.
 *
 * @internal
 */
import { Errors, type RedisClient } from "@effect-pulse/core"
import { Effect, type Scope } from "effect"
import { type Cluster, Redis } from "ioredis"
import { blockingOverrides, Session, xreadArgs, xreadgroupArgs } from "../blocking.js"
import { silenceErrors } from "../connection.js"
import type { Scrub } from "../errors.js"
import type { ClientOptions } from "../options.js"
import * as Reply from "../replies.js"
import { type Argument, type Command, command } from "../send.js"
import { fromTopology, isTopologyError } from "./errors.js"
import { groupBySlot } from "./slots.js"

/** What the blocking reads of a cluster need. */
export interface ClusterBlockingOptions {
  readonly cluster: Cluster
  /** The options of a connection to one node (credentials, TLS, timeouts). */
  readonly nodeOptions: ClientOptions
  readonly connectTimeoutMillis: number
  readonly scrub: Scrub
  /** The non-blocking reads of the service, across slots. */
  readonly xread: RedisClient.Service["xread"]
  readonly xreadgroup: RedisClient.Service["xreadgroup"]
}

const XREAD = command("XREAD")
const XREADGROUP = command("XREADGROUP")

interface SlotConnection {
  readonly session: Session
  /** The node (`host:port`) the session connected to last. */
  node: string | undefined
}

type Cursors = ReadonlyArray<RedisClient.StreamCursor>

/** The primary serving `slot` in ioredis's map, as `host:port`. */
const ownerOf = (cluster: Cluster, slot: number): string | undefined => cluster.slots[slot]?.[0]

const splitNode = (node: string): { host: string; port: number } => {
  const colon = node.lastIndexOf(":")
  return { host: node.slice(0, colon), port: Number(node.slice(colon + 1)) }
}

class ClusterSessions {
  private readonly bySlot = new Map<number, SlotConnection>()

  constructor(private readonly options: ClusterBlockingOptions) {}

  close(): void {
    for (const { session } of this.bySlot.values()) session.close()
    this.bySlot.clear()
  }

  private refresh(): void {
    this.options.cluster.refreshSlotsCache()
  }

  private connectionFor(slot: number): SlotConnection {
    let connection = this.bySlot.get(slot)
    if (connection !== undefined) return connection
    const created: SlotConnection = {
      node: undefined,
      session: new Session({
        duplicate: () => {
          const node = ownerOf(this.options.cluster, slot)!
          created.node = node
          return silenceErrors(new Redis({ ...this.options.nodeOptions, ...splitNode(node), ...blockingOverrides }))
        },
        connectTimeoutMillis: this.options.connectTimeoutMillis,
        target: `the primary of slot ${slot}`,
        scrub: this.options.scrub
      })
    }
    connection = created
    this.bySlot.set(slot, connection)
    return connection
  }

  /** One blocking read on the connection of `slot`, reconnected to the slot's current primary when it moved. */
  read<A>(
    slot: number,
    cmd: Command,
    args: ReadonlyArray<Argument>,
    decode: (reply: unknown) => A
  ): Effect.Effect<A, Errors.RedisError> {
    return Effect.suspend(() => {
      const owner = ownerOf(this.options.cluster, slot)
      if (owner === undefined) {
        this.refresh()
        return Effect.fail(
          new Errors.RedisConnectionError({ message: `no node of the cluster is known to serve slot ${slot} yet` })
        )
      }
      const connection = this.connectionFor(slot)
      if (connection.node !== undefined && connection.node !== owner) connection.session.reset()
      return connection.session.read(cmd, args, decode).pipe(
        Effect.tapError((error) =>
          Effect.sync(() => {
            if (error._tag === "RedisConnectionError" || isTopologyError(error)) {
              connection.session.reset()
              this.refresh()
            }
          })
        ),
        Effect.mapError(fromTopology)
      )
    })
  }
}

/**
 * Reads `streams`, grouped by slot: a single slot blocks on its own
 * connection; several are first asked without blocking, and block (the first
 * reply wins) only when none has anything.
 */
const acrossSlots = <Entry>(
  streams: Cursors,
  nonBlocking: (cursors: Cursors) => Effect.Effect<ReadonlyArray<RedisClient.StreamRead<Entry>>, Errors.RedisError>,
  blocking: (
    slot: number,
    cursors: Cursors
  ) => Effect.Effect<ReadonlyArray<RedisClient.StreamRead<Entry>>, Errors.RedisError>
): Effect.Effect<ReadonlyArray<RedisClient.StreamRead<Entry>>, Errors.RedisError> => {
  const groups = groupBySlot(streams, (stream) => stream.key)
  if (groups.length === 1) return blocking(groups[0]![0], groups[0]![1])
  return Effect.flatMap(
    Effect.forEach(groups, ([, cursors]) => nonBlocking(cursors), { concurrency: "unbounded" }),
    (reads) => {
      const found = reads.flat()
      if (found.length > 0) return Effect.succeed(found)
      return Effect.raceAllFirst(groups.map(([slot, cursors]) => blocking(slot, cursors)))
    }
  )
}

/** `RedisClient.blockingConnection` for a cluster: a set of per-slot connections, closed with the scope. */
export const make = (
  options: ClusterBlockingOptions
): Effect.Effect<RedisClient.BlockingConnection, never, Scope.Scope> =>
  Effect.acquireRelease(
    Effect.sync(() => new ClusterSessions(options)),
    (sessions) => Effect.sync(() => sessions.close())
  ).pipe(
    Effect.map(
      (sessions): RedisClient.BlockingConnection => ({
        xread: (streams, readOptions) =>
          acrossSlots(
            streams,
            (cursors) => options.xread(cursors, { count: readOptions.count }),
            (slot, cursors) =>
              sessions.read(
                slot,
                XREAD,
                xreadArgs(cursors, readOptions.count, readOptions.blockMillis),
                Reply.streamReads
              )
          ),
        xreadgroup: (group, consumer, streams, readOptions) =>
          acrossSlots(
            streams,
            (cursors) => options.xreadgroup(group, consumer, cursors, readOptions),
            (slot, cursors) =>
              sessions.read(
                slot,
                XREADGROUP,
                xreadgroupArgs(group, consumer, cursors, readOptions, readOptions.blockMillis),
                Reply.groupStreamReads
              )
          )
      })
    )
  )
