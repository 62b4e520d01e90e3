/**
 * Blocked `XREAD` / `XREADGROUP` readers, and the connections they block on.
 *
 * As in Redis, blocked readers are served right at the end of the command
 * that made their key ready (an add, a group destroyed, the key deleted), in
 * the order they blocked, before any other command runs (see `Store`). So
 * two readers blocked on one group never both get the same entry, and a
 * reader woken by `xaddAll` (one script in Redis) gets the whole batch.
 *
 * @internal
 */
import { Clock, Deferred, Effect, Semaphore } from "effect"
import { RedisCommandError, RedisConnectionError, type RedisError } from "../../Errors.js"
import { ReplyError } from "./replies.js"

/**
 * What a read that found nothing waits for. `ready` runs when one of its
 * keys got new entries or lost a consumer group, `removed` when one of its
 * stream keys was deleted; each returns the reply once it can be served (or
 * throws an error reply), `undefined` to keep waiting.
 */
export interface BlockPlan<A> {
  readonly keys: ReadonlyArray<string>
  readonly ready: (key: string, now: number) => A | undefined
  readonly removed: (key: string) => A | undefined
  /** The reply when the block times out. */
  readonly timedOut: A
  /** Whether the deletion of a key, including by expiry, ends the wait (XREADGROUP). */
  readonly endsWithKey: boolean
}

/** The reply of a read served at once, or what it blocks for. */
export type ReadOutcome<A> =
  | { readonly _tag: "Served"; readonly reply: A }
  | { readonly _tag: "Block"; readonly plan: BlockPlan<A> }

/** A blocked reader as the registry sees it, whatever its reply type. */
interface Blocked {
  readonly keys: ReadonlyArray<string>
  /** Serves the reader if it can; true when it is done. */
  readonly onReady: (key: string, now: number) => boolean
  readonly onRemoved: (key: string) => boolean
  readonly onExpiryChanged: () => void
}

/** The readers blocked on each key, in the order they blocked. */
export class BlockedReaders {
  private readonly byKey = new Map<string, Set<Blocked>>()

  add(reader: Blocked): void {
    for (const key of reader.keys) {
      const readers = this.byKey.get(key)
      if (readers === undefined) this.byKey.set(key, new Set([reader]))
      else readers.add(reader)
    }
  }

  /** Unregisters a reader; false if it was no longer blocked (served, timed out or aborted). */
  delete(reader: Blocked): boolean {
    let found = false
    for (const key of reader.keys) {
      const readers = this.byKey.get(key)
      if (readers?.delete(reader) === true) {
        found = true
        if (readers.size === 0) this.byKey.delete(key)
      }
    }
    return found
  }

  /** `key` got new entries or lost a group: serve whoever can be served, first blocked first. */
  ready(key: string, now: number): void {
    this.visit(key, (reader) => reader.onReady(key, now))
  }

  /** The stream at `key` is gone. */
  keyRemoved(key: string): void {
    this.visit(key, (reader) => reader.onRemoved(key))
  }

  expiryChanged(key: string): void {
    this.visit(key, (reader) => {
      reader.onExpiryChanged()
      return false
    })
  }

  private visit(key: string, serve: (reader: Blocked) => boolean): void {
    const readers = this.byKey.get(key)
    if (readers === undefined) return
    for (const reader of [...readers]) {
      if (readers.has(reader) && serve(reader)) this.delete(reader)
    }
  }
}

/** Turns an error reply into the service's typed error. */
export const commandError = (command: string, error: ReplyError): RedisCommandError =>
  new RedisCommandError({ command, code: error.code, message: error.message })

/** The failure of a read on a blocking connection whose scope closed. */
export const connectionClosed = (): RedisConnectionError =>
  new RedisConnectionError({ message: "the blocking connection was closed with its scope" })

class Waiter<A> implements Blocked {
  readonly reply = Deferred.makeUnsafe<A, RedisError>()
  private expiryChange = Deferred.makeUnsafe<void>()

  constructor(
    private readonly command: string,
    readonly plan: BlockPlan<A>
  ) {}

  get keys(): ReadonlyArray<string> {
    return this.plan.keys
  }

  readonly onReady = (key: string, now: number): boolean => this.attempt(() => this.plan.ready(key, now))

  readonly onRemoved = (key: string): boolean => this.attempt(() => this.plan.removed(key))

  readonly onExpiryChanged = (): void => {
    const changed = this.expiryChange
    this.expiryChange = Deferred.makeUnsafe()
    Deferred.doneUnsafe(changed, Effect.void)
  }

  /** Completes when the expiry of one of the keys changes after this call. */
  nextExpiryChange(): Effect.Effect<void> {
    return Deferred.await(this.expiryChange)
  }

  complete(reply: Effect.Effect<A, RedisError>): void {
    Deferred.doneUnsafe(this.reply, reply)
  }

  private attempt(serve: () => A | undefined): boolean {
    try {
      const reply = serve()
      if (reply === undefined) return false
      this.complete(Effect.succeed(reply))
    } catch (error) {
      if (!(error instanceof ReplyError)) throw error
      this.complete(Effect.fail(commandError(this.command, error)))
    }
    return true
  }
}

/** What a connection needs from its store (the `Store`). */
export interface ConnectionHost {
  readonly blocked: BlockedReaders
  /** Runs one command atomically at the caller's time, failing with its error reply. */
  readonly execute: <A>(
    command: string,
    body: (now: number) => A,
    whenClosed: () => RedisError
  ) => Effect.Effect<A, RedisError>
  /** Runs `body` and then serves the readers of the keys it made ready. */
  readonly atomically: <A>(now: number, body: (now: number) => A) => A
  readonly keyspace: {
    /** Expires the keys past their time and returns the next expiry time among them. */
    readonly nextExpiry: (keys: ReadonlyArray<string>, now: number) => number | undefined
  }
}

/**
 * A blocking connection. Like a Redis connection it runs one command at a
 * time: a second read waits for the first. Closing it fails the read in
 * progress and every later one with `RedisConnectionError`.
 */
export class Connection {
  private closed = false
  private readonly aborts = new Set<() => void>()
  private readonly oneAtATime = Semaphore.makeUnsafe(1)

  constructor(private readonly host: ConnectionHost) {}

  read<A>(
    command: string,
    attempt: (now: number) => ReadOutcome<A>,
    blockMillis: number
  ): Effect.Effect<A, RedisError> {
    const host = this.host
    return this.oneAtATime.withPermit(
      Effect.uninterruptibleMask((restore) =>
        // Trying and blocking happen in one step, so that no add slips in between.
        host
          .execute(
            command,
            (now): Step<A> => {
              if (this.closed) return { _tag: "Closed" }
              const outcome = attempt(now)
              if (outcome._tag === "Served") return outcome
              const waiter = new Waiter(command, outcome.plan)
              const abort = () => {
                if (host.blocked.delete(waiter)) waiter.complete(Effect.fail(connectionClosed()))
              }
              host.blocked.add(waiter)
              this.aborts.add(abort)
              return { _tag: "Waiting", waiter, abort }
            },
            connectionClosed
          )
          .pipe(
            Effect.flatMap((step) => {
              if (step._tag === "Closed") return Effect.fail(connectionClosed())
              if (step._tag === "Served") return Effect.succeed(step.reply)
              return restore(wait(host, step.waiter, blockMillis)).pipe(
                // However the wait ends, the reader must not stay registered.
                Effect.onExit(() =>
                  Effect.sync(() => {
                    host.blocked.delete(step.waiter)
                    this.aborts.delete(step.abort)
                  })
                )
              )
            })
          )
      )
    )
  }

  close(): void {
    this.closed = true
    for (const abort of [...this.aborts]) abort()
  }
}

type Step<A> =
  | { readonly _tag: "Closed" }
  | { readonly _tag: "Served"; readonly reply: A }
  | { readonly _tag: "Waiting"; readonly waiter: Waiter<A>; readonly abort: () => void }

/** Waits for the reply of a registered reader, timing it out and watching its keys' expiry. */
const wait = <A>(host: ConnectionHost, waiter: Waiter<A>, blockMillis: number): Effect.Effect<A, RedisError> => {
  // Drivers only settle the waiter; the reply always comes through its Deferred.
  const drivers: Array<Effect.Effect<void>> = []
  if (blockMillis > 0) {
    drivers.push(
      Effect.sleep(blockMillis).pipe(
        Effect.andThen(
          Effect.sync(() => {
            if (host.blocked.delete(waiter)) waiter.complete(Effect.succeed(waiter.plan.timedOut))
          })
        )
      )
    )
  }
  if (waiter.plan.endsWithKey) drivers.push(watchExpiry(host, waiter))
  const reply = Deferred.await(waiter.reply)
  return drivers.length === 0
    ? reply
    : Effect.raceFirst(reply, Effect.andThen(Effect.all(drivers, { concurrency: "unbounded" }), Effect.never))
}

/**
 * Redis expires keys in the background too, and a blocked `XREADGROUP`
 * whose stream key expires gets `UNBLOCKED` without anyone touching the key.
 * This expires the waiter's keys as soon as their time is past.
 */
const watchExpiry = <A>(host: ConnectionHost, waiter: Waiter<A>): Effect.Effect<never> =>
  Effect.forever(
    Effect.gen(function* () {
      const changed = waiter.nextExpiryChange()
      const now = Math.floor(yield* Clock.currentTimeMillis)
      const expireAt = host.atomically(now, (now) => host.keyspace.nextExpiry(waiter.keys, now))
      yield* expireAt === undefined ? changed : Effect.raceFirst(changed, Effect.sleep(expireAt - now + 1))
    })
  )
