/**
 * Blocking reads on a Redis Cluster, over streams of any slots.
 *
 * Redis refuses one `XREAD` over keys of different slots (`CROSSSLOT`), so a
 * read covering several slots first asks every slot without blocking
 * (through the shared cluster connection, in parallel). Only when none has
 * anything does it block: one read per slot, each on its own connection to
 * the primary serving that slot. The first to return ends the wait: the
 * others are released with `CLIENT UNBLOCK` (sent through the cluster's
 * connection to their node) and awaited, and what any of them got is
 * returned with the rest. Interrupting them instead would drop entries
 * Redis had already delivered to a group read (they would stay pending
 * until another consumer claims them) and cost a reconnection each.
 *
 * A slot connection follows its slot: when the cluster's map says another
 * node serves it (after a failover or a resharding), the next read
 * reconnects there; a lost connection or a topology reply asks ioredis to
 * refresh the map.
 *
 * @internal
 */
import { Errors, type RedisClient } from "@effect-pulse/core"
import { Cause, Deferred, Effect, Exit, Fiber, type Scope } from "effect"
import { type Cluster, Redis } from "ioredis"
import { blockingOverrides, groupStreamReads, Session, streamReads, xreadArgs, xreadgroupArgs } from "../blocking.js"
import { silenceErrors } from "../connection.js"
import type { Decoder } from "../decoders.js"
import type { Scrub } from "../errors.js"
import type { ClientOptions } from "../options.js"
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
  /** The `CLIENT ID` of the session's current connection, once known. */
  clientId: number | undefined
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
      clientId: undefined,
      session: new Session({
        duplicate: () => {
          const node = ownerOf(this.options.cluster, slot)!
          created.node = node
          created.clientId = undefined
          const client = silenceErrors(
            new Redis({ ...this.options.nodeOptions, ...splitNode(node), ...blockingOverrides })
          )
          // Sent on "ready", before the session's first read: the ID that CLIENT UNBLOCK needs.
          client.once("ready", () => {
            client.call("CLIENT", "ID").then(
              (id) => {
                if (created.node === node) created.clientId = Number(id)
              },
              () => {}
            )
          })
          return client
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

  /**
   * Releases the read blocked on the connection of `slot` (`CLIENT UNBLOCK`,
   * as if its block had timed out); does nothing when the connection's ID or
   * node is not known.
   */
  unblock(slot: number): Effect.Effect<void> {
    return Effect.callback<void>((resume) => {
      const connection = this.bySlot.get(slot)
      const id = connection?.clientId
      const node = this.options.cluster
        .nodes("all")
        .find((node) => `${node.options.host}:${node.options.port}` === connection?.node)
      if (id === undefined || node === undefined) return resume(Effect.void)
      node.call("CLIENT", "UNBLOCK", id).then(
        () => resume(Effect.void),
        () => resume(Effect.void)
      )
    })
  }

  /** One blocking read on the connection of `slot`, reconnected to the slot's current primary when it moved. */
  read<A>(
    slot: number,
    cmd: Command,
    args: ReadonlyArray<Argument>,
    decode: Decoder<A>
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

type Reads<Entry> = ReadonlyArray<RedisClient.StreamRead<Entry>>

/** How often a read not yet released is asked again, and how many times before it is interrupted. */
const unblockRetryMillis = 20
const unblockAttempts = 50

/** A pause on a Node timer: it bounds a wait on the network, and must pass under `TestClock` as well. */
const pause = (millis: number): Effect.Effect<void> =>
  Effect.callback<void>((resume) => {
    const timer = setTimeout(() => resume(Effect.void), millis)
    return Effect.sync(() => clearTimeout(timer))
  })

/**
 * One blocking read per slot, until the first returns; the others are then
 * released and awaited (interrupted only when a second of asking did not
 * release them: a node gone). Returns
 * every entry any of them got; fails only when none got any and one failed.
 */
const blockOnEverySlot = <Entry>(
  sessions: ClusterSessions,
  groups: ReadonlyArray<readonly [slot: number, cursors: Cursors]>,
  blocking: (slot: number, cursors: Cursors) => Effect.Effect<Reads<Entry>, Errors.RedisError>
): Effect.Effect<Reads<Entry>, Errors.RedisError> =>
  Effect.gen(function* () {
    const first = yield* Deferred.make<void>()
    const fibers = yield* Effect.forEach(groups, ([slot, cursors]) =>
      Effect.forkChild(Effect.onExit(blocking(slot, cursors), () => Deferred.succeed(first, undefined)))
    )
    yield* Deferred.await(first)
    const exits = yield* Effect.forEach(
      fibers,
      (fiber, index) =>
        Effect.gen(function* () {
          // Asked again until it returns: the read may not be blocked yet, or its CLIENT ID not known yet.
          for (let attempt = 0; attempt < unblockAttempts && fiber.pollUnsafe() === undefined; attempt++) {
            yield* sessions.unblock(groups[index]![0])
            yield* Effect.raceFirst(Fiber.await(fiber), pause(unblockRetryMillis))
          }
          if (fiber.pollUnsafe() === undefined) yield* Fiber.interrupt(fiber)
          return yield* Fiber.await(fiber)
        }),
      { concurrency: "unbounded" }
    )
    const reads = exits.flatMap((exit) => (Exit.isSuccess(exit) ? exit.value : []))
    const failure = exits.find((exit) => Exit.isFailure(exit) && !Cause.hasInterruptsOnly(exit.cause))
    if (reads.length > 0 || failure === undefined) return reads
    return yield* failure as Exit.Failure<Reads<Entry>, Errors.RedisError>
  })

/**
 * Reads `streams`, grouped by slot: a single slot blocks on its own
 * connection; several are first asked without blocking, and block on every
 * slot only when none has anything.
 */
const acrossSlots = <Entry>(
  sessions: ClusterSessions,
  streams: Cursors,
  nonBlocking: (cursors: Cursors) => Effect.Effect<Reads<Entry>, Errors.RedisError>,
  blocking: (slot: number, cursors: Cursors) => Effect.Effect<Reads<Entry>, Errors.RedisError>
): Effect.Effect<Reads<Entry>, Errors.RedisError> => {
  const groups = groupBySlot(streams, (stream) => stream.key)
  if (groups.length === 1) return blocking(groups[0]![0], groups[0]![1])
  return Effect.flatMap(
    Effect.forEach(groups, ([, cursors]) => nonBlocking(cursors), { concurrency: "unbounded" }),
    (reads) => {
      const found = reads.flat()
      return found.length > 0 ? Effect.succeed(found) : blockOnEverySlot(sessions, groups, blocking)
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
            sessions,
            streams,
            (cursors) => options.xread(cursors, { count: readOptions.count }),
            (slot, cursors) =>
              sessions.read(slot, XREAD, xreadArgs(cursors, readOptions.count, readOptions.blockMillis), streamReads)
          ),
        xreadgroup: (group, consumer, streams, readOptions) =>
          acrossSlots(
            sessions,
            streams,
            (cursors) => options.xreadgroup(group, consumer, cursors, readOptions),
            (slot, cursors) =>
              sessions.read(
                slot,
                XREADGROUP,
                xreadgroupArgs(group, consumer, cursors, readOptions, readOptions.blockMillis),
                groupStreamReads
              )
          )
      })
    )
  )
