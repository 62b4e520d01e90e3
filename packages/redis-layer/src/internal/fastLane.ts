/**
 * The fast lane: a second connection of a single-node layer that carries the
 * hot commands (`XADD`, `XACK`, the add scripts), written and read by
 * effect-pulse itself.
 *
 * Most of what an add costs the client is ioredis: its `Command` objects,
 * its argument encoding, its reply decoder, its promise plumbing. The lane
 * keeps what ioredis does well, connecting (TLS, credentials, database,
 * client name: everything the layer's options say), and once a connection
 * of its own is ready and idle takes its socket over (`DirectConnection`):
 * commands are encoded straight to bytes, concurrent ones share one write,
 * and replies are decoded from the bytes (`decoders.ts`).
 *
 * The lane behaves as the shared connection does, which the library relies on:
 *
 * - While the shared connection is not ready (Redis down, reconnecting) or the
 *   lane is not connected yet, a command goes through the shared connection,
 *   so it fails at once with the same `RedisConnectionError` (or works, once
 *   the shared connection works). Nothing waits for the lane to connect.
 * - The lane connects lazily: on a command that finds it down while the
 *   shared connection is ready, after a Redis restart, a killed connection,
 *   and so on (after a failed attempt, not again before a backoff).
 * - A command in flight when the lane's connection drops fails with
 *   `RedisConnectionError` (it may or may not have run) and is never sent
 *   again; error replies keep their code, mapped by `toRedisError` as the
 *   shared connection's are.
 * - Commands reach Redis in the order they were sent, across the switch from
 *   the shared connection to the lane too: a lane that becomes ready while
 *   commands sent through the shared connection are still in flight holds
 *   what it is given until their replies are in.
 *
 * @internal
 */
import { Effect, Exit, type Scope } from "effect"
import type { Redis } from "ioredis"
import { type ConnectOptions, waitUntilReady } from "./connection.js"
import { DecodeDefect, type Decoder } from "./decoders.js"
import { DirectConnection } from "./directReads.js"
import { reconnectDelay } from "./options.js"
import type { Argument, Command } from "./send.js"
import { type Deliver, overClient, type Transport } from "./transport.js"

/** The size of the buffers the lane encodes commands into: a few hundred adds each (see `CommandBuffer`). */
const laneSlabSize = 64 * 1024

/** What the lane needs from the layer that makes it. */
export interface FastLaneOptions extends ConnectOptions {
  /** The layer's connection: its state decides whether the lane may be used, and it carries commands meanwhile. */
  readonly shared: Redis
  /** A new, not yet connected client with the layer's settings, connecting only when asked and never by itself. */
  readonly duplicate: () => Redis
}

/** The hot commands' route: the lane when it is up, the shared connection otherwise. */
export class FastLane implements Transport {
  private readonly fallback: Transport
  /** The lane's client while it connects or is connected. */
  private client: Redis | undefined
  /** `client`'s socket, taken over once it was ready. */
  private direct: DirectConnection | undefined
  private cancelConnect: (() => void) | undefined
  /** Commands of the lane sent through the shared connection and not answered yet. */
  private sharedInFlight = 0
  private failedAttempts = 0
  private retryAt = 0
  /** Closed with its scope: everything goes through the shared connection. */
  private closed = false

  constructor(private readonly options: FastLaneOptions) {
    this.fallback = overClient(options.shared)
  }

  send<A>(command: Command, args: ReadonlyArray<Argument>, decoder: Decoder<A>, deliver: Deliver<A>): void {
    const direct = this.route()
    if (direct === undefined) {
      this.viaShared(command, args, decoder, deliver)
      return
    }
    direct.send(command.label, args, (error, frame, start, end) => {
      if (error) return deliver(error, undefined)
      let value: A
      try {
        value = decoder.frame(frame!, start, end)
      } catch (defect) {
        return deliver(new DecodeDefect(defect), undefined)
      }
      deliver(undefined, value)
    })
  }

  /** Whether the lane's own connection is up and taken over (commands may still go through the shared one, see `route`). */
  get isConnected(): boolean {
    return this.direct?.isOpen === true
  }

  /** Closes the lane: a command in flight fails with `RedisConnectionError`, later ones go through the shared connection. */
  close(): void {
    this.closed = true
    this.drop()
  }

  /** The lane's connection if commands may go on it now; else starts connecting it when it makes sense. */
  private route(): DirectConnection | undefined {
    // The shared connection is down: fail as it does (or work as it does), whatever the lane's socket has noticed.
    if (this.closed || this.options.shared.status !== "ready") return undefined
    const direct = this.direct
    if (direct?.isOpen === true) return direct
    if (direct !== undefined) this.drop()
    if (this.client === undefined && Date.now() >= this.retryAt) this.connect()
    return undefined
  }

  private viaShared<A>(command: Command, args: ReadonlyArray<Argument>, decoder: Decoder<A>, deliver: Deliver<A>) {
    this.sharedInFlight++
    this.fallback.send(command, args, decoder, (error, value) => {
      // The last of them answered: what the lane held back may go now, after them.
      if (--this.sharedInFlight === 0) this.direct?.release()
      deliver(error, value)
    })
  }

  private connect(): void {
    const client = this.options.duplicate()
    this.client = client
    let settled = false
    const cancel = Effect.runCallback(waitUntilReady(client, this.options), {
      onExit: (exit) => {
        settled = true
        this.cancelConnect = undefined
        if (this.client !== client) return
        if (Exit.isFailure(exit)) return this.connectFailed()
        const direct = DirectConnection.takeOver(client, laneSlabSize)
        // Not ready and idle after all (it dropped meanwhile): as a failed attempt. Options that never allow a
        // take-over keep the lane from being made at all (`applies`).
        if (direct === undefined) return this.connectFailed()
        this.failedAttempts = 0
        if (this.sharedInFlight > 0) direct.hold()
        this.direct = direct
      }
    })
    if (!settled) this.cancelConnect = cancel
  }

  private connectFailed(): void {
    this.drop()
    this.failedAttempts++
    this.retryAt = Date.now() + reconnectDelay(this.failedAttempts)
  }

  /** Disconnects the lane's client, if any: commands in flight on it fail, the next command connects afresh. */
  private drop(): void {
    const client = this.client
    this.client = undefined
    this.direct = undefined
    this.cancelConnect?.()
    this.cancelConnect = undefined
    client?.disconnect()
  }
}

/**
 * A fast lane for the current scope, closed with it. Making it does not
 * connect: the first hot command does.
 */
export const make = (options: FastLaneOptions): Effect.Effect<FastLane, never, Scope.Scope> =>
  Effect.acquireRelease(
    Effect.sync(() => new FastLane(options)),
    (lane) => Effect.sync(() => lane.close())
  )

/**
 * Whether the lane can keep the shared connection's semantics for a client
 * with these options: commands that fail at once while it is down (no
 * offline queue), no command timeout (the lane has none), and RESP2 without
 * a key prefix (what `DirectConnection.takeOver` requires).
 */
export const applies = (options: {
  readonly enableOfflineQueue?: boolean | undefined
  readonly commandTimeout?: number | undefined
  readonly protocol?: number | undefined
  readonly keyPrefix?: string | undefined
}) =>
  options.enableOfflineQueue === false &&
  options.commandTimeout === undefined &&
  options.protocol === 2 &&
  (options.keyPrefix ?? "") === ""
