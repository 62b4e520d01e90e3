/**
 * The state of one in-memory Redis: its keyspace, its blocked readers and
 * its blocking connections.
 *
 * `execute` is where a command meets Effect: it reads the caller's `Clock`
 * and runs the command as one synchronous, hence atomic, step. As in Redis,
 * keys a command makes "ready" (an add, a group destroyed, a stream key
 * deleted or overwritten) are handled right after the command: readers
 * blocked on a key that holds a stream are served if they can be, readers
 * blocked in `XREADGROUP` on a key that no longer holds a stream get
 * `UNBLOCKED`.
 *
 * @internal
 */
import { Clock, Effect } from "effect"
import type { RedisError } from "../../Errors.js"
import type { StreamEntry } from "../../RedisClient.js"
import { BlockedReaders, Connection, commandError } from "./blocking.js"
import { formatId } from "./ids.js"
import { Keyspace } from "./keyspace.js"
import { ReplyError } from "./replies.js"
import type { StoredEntry } from "./streamStore.js"

/** One in-memory Redis. */
export class Store {
  readonly blocked = new BlockedReaders()
  readonly keyspace = new Keyspace({
    streamRemoved: (key) => this.signal(key),
    expiryChanged: (key) => this.blocked.expiryChanged(key)
  })
  private readonly connections = new Set<Connection>()
  private readonly readyKeys = new Set<string>()
  private closed = false

  /** Marks `key` ready: its blocked readers are looked at once the current command is done. */
  signal(key: string): void {
    this.readyKeys.add(key)
  }

  /**
   * Runs a command at the caller's current time; an error reply becomes a
   * `RedisCommandError`. `whenClosed` is the failure once the store is closed.
   */
  execute<A>(command: string, body: (now: number) => A, whenClosed: () => RedisError): Effect.Effect<A, RedisError> {
    return Effect.flatMap(Clock.currentTimeMillis, (millis) =>
      Effect.suspend(() => {
        // Redis works in whole milliseconds; a test clock may not.
        const now = Math.floor(millis)
        if (this.closed) return Effect.fail(whenClosed())
        try {
          return Effect.succeed(this.atomically(now, body))
        } catch (error) {
          if (error instanceof ReplyError) return Effect.fail(commandError(command, error))
          throw error
        }
      })
    )
  }

  /** Runs `body`, then serves the readers of the keys it made ready, even when it fails half way. */
  atomically<A>(now: number, body: (now: number) => A): A {
    try {
      return body(now)
    } finally {
      this.serveReadyKeys(now)
    }
  }

  /** A new blocking connection, or `undefined` once the store is closed. */
  openConnection(): Connection | undefined {
    if (this.closed) return undefined
    const connection = new Connection(this)
    this.connections.add(connection)
    return connection
  }

  closeConnection(connection: Connection): void {
    this.connections.delete(connection)
    connection.close()
  }

  /** Closes every connection; later commands fail with `RedisConnectionError`. */
  close(): void {
    this.closed = true
    for (const connection of [...this.connections]) this.closeConnection(connection)
  }

  private serveReadyKeys(now: number): void {
    // Serving may make more keys ready (a lookup that expires a key): keep going until none is left.
    for (const key of this.readyKeys) {
      this.readyKeys.delete(key)
      if (this.keyspace.lookup(key, now)?.type === "stream") this.blocked.ready(key, now)
      else this.blocked.keyRemoved(key)
    }
  }
}

/** An entry as a reply carries it: the caller gets its own copy of the bytes. */
export const entryReply = (entry: StoredEntry): StreamEntry => ({
  id: formatId(entry.id),
  fields: entry.fields.map(([field, value]) => [field, value.slice()] as const)
})
