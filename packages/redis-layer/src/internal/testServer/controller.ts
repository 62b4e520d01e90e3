/**
 * What the test harness can do to a Redis it started, however it started it.
 *
 * @internal
 */
import type { ReplyLine } from "./rawCommand.js"

/** A Redis server the harness started and controls. Every operation resolves once it has taken effect. */
export interface Controller {
  readonly kind: "container" | "process"
  readonly host: string
  readonly port: number
  /** Graceful shutdown (`SIGTERM`); resolves when the server is gone. */
  readonly stop: () => Promise<void>
  /** `SIGKILL`; resolves when the server is gone. */
  readonly kill: () => Promise<void>
  /** `SIGSTOP`; resolves when the server is stopped. */
  readonly pause: () => Promise<void>
  /** `SIGCONT`; resolves when the server runs again. */
  readonly resume: () => Promise<void>
  /**
   * Stops the server if it runs and starts a new one on the same port;
   * resolves when it answers. The new server starts empty, unless
   * `keepData`: then the old one saves a snapshot as it shuts down
   * (`SHUTDOWN SAVE`, so that every write it acknowledged is in it) and the
   * new one loads it.
   */
  readonly restart: (options: { readonly keepData: boolean }) => Promise<void>
  /** Sends one command and resolves with the first line of the reply. */
  readonly command: (args: ReadonlyArray<string>) => Promise<ReplyLine>
  /** Kills the server and removes what it left behind; never rejects. */
  readonly dispose: () => Promise<void>
}

/** The message of whatever was thrown. */
export const messageOf = (error: unknown): string => (error instanceof Error ? error.message : String(error))

/**
 * `SHUTDOWN SAVE` on a server: it saves a snapshot and exits without
 * replying, so a closed connection is the expected answer.
 */
export const shutdownSaving = (command: Controller["command"]): Promise<void> =>
  command(["SHUTDOWN", "SAVE"]).then(
    (reply) => {
      if (reply.startsWith("-")) throw new Error(`SHUTDOWN SAVE failed: ${reply.slice(1)}`)
    },
    () => {}
  )
