/**
 * Turning ioredis failures into the typed errors of `@effect-pulse/core`,
 * without letting a secret through.
 *
 * @internal
 */
import { Errors } from "@effect-pulse/core"

/**
 * Removes every secret from a piece of text. ioredis and Node never put the
 * password in their messages, but some of their errors carry the arguments of
 * the command that failed (`AUTH`/`HELLO` include it), so every message is
 * scrubbed and no raw error object is ever passed on.
 */
export type Scrub = (text: string) => string

/** A scrubber for the given secrets; empty secrets are ignored. */
export const makeScrub = (secrets: ReadonlyArray<string | undefined>): Scrub => {
  const present = secrets.filter((secret): secret is string => typeof secret === "string" && secret.length > 0)
  if (present.length === 0) return (text) => text
  return (text) => {
    let scrubbed = text
    for (const secret of present) scrubbed = scrubbed.replaceAll(secret, "***")
    for (const secret of present) {
      const encoded = encodeURIComponent(secret)
      if (encoded !== secret) scrubbed = scrubbed.replaceAll(encoded, "***")
    }
    return scrubbed
  }
}

/**
 * Hides the password of a URL-looking string, even one that does not parse:
 * `redis://user:secret@host` becomes `redis://user:***@host`. Everything
 * between `://` and the last `@` is the user info, so a password holding `/`,
 * `@` or `#` is hidden as well.
 */
export const redactUrl = (url: string): string => {
  const schemeEnd = url.indexOf("://")
  const start = schemeEnd === -1 ? 0 : schemeEnd + 3
  const at = url.lastIndexOf("@")
  if (at < start) return url
  const colon = url.indexOf(":", start)
  if (colon === -1 || colon > at) return url
  return `${url.slice(0, colon)}:***${url.slice(at)}`
}

/** Whether ioredis got this error as a reply from Redis (as opposed to a failure of the connection). */
export const isReplyError = (error: unknown): error is Error =>
  error instanceof Error && (error.name === "ReplyError" || error.constructor?.name === "ReplyError")

/**
 * A copy of an error that keeps what is useful for diagnosis (name, message,
 * `code`, `syscall`, `address`, `port`) and drops the rest, in particular the
 * `command.args` that ioredis attaches, which may hold a password or payload.
 */
export const sanitize = (error: unknown, scrub: Scrub): Error => {
  if (!(error instanceof Error)) return new Error(scrub(String(error)))
  const copy = new Error(scrub(error.message))
  copy.name = error.name
  const source = error as Error & { code?: unknown; syscall?: unknown; address?: unknown; port?: unknown }
  const target = copy as Error & Record<string, unknown>
  if (typeof source.code === "string" || typeof source.code === "number") target.code = source.code
  if (typeof source.syscall === "string") target.syscall = source.syscall
  if (typeof source.address === "string") target.address = source.address
  if (typeof source.port === "number") target.port = source.port
  // The stack of the copy would point here; it says nothing useful and the original may repeat the message.
  copy.stack = `${copy.name}: ${copy.message}`
  return copy
}

/**
 * An error reply raised inside a Lua script, without the location Redis
 * appends to it (` script: <sha>, on @user_script:<line>.`): the location
 * says nothing to a caller who never wrote the script, and without it the
 * message is the one the same command sent on its own would get.
 */
export const withoutScriptLocation = (message: string): string =>
  message.replace(/ script: [0-9a-f]{40}, on @user_script:\d+\.$/, "")

/** The leading word of an error reply (`NOGROUP`, `WRONGTYPE`, `ERR`, ...). */
export const replyCode = (message: string): string => {
  const space = message.indexOf(" ")
  return space === -1 ? message : message.slice(0, space)
}

/** A connection failure with a scrubbed message and cause. */
export const connectionError = (message: string, cause: unknown, scrub: Scrub): Errors.RedisConnectionError =>
  cause === undefined
    ? new Errors.RedisConnectionError({ message: scrub(message) })
    : new Errors.RedisConnectionError({ message: scrub(message), cause: sanitize(cause, scrub) })

/**
 * Maps a failure of `command` (upper case, as Redis names it) to a
 * `RedisCommandError` when Redis answered with an error reply, and to a
 * `RedisConnectionError` otherwise: connection closed or refused, "Stream
 * isn't writeable", `MaxRetriesPerRequestError`, a command or socket timeout.
 */
export const toRedisError = (command: string, error: unknown, scrub: Scrub): Errors.RedisError => {
  if (isReplyError(error)) {
    const message = scrub(error.message)
    const code = replyCode(message)
    return new Errors.RedisCommandError({
      command,
      code,
      message: code === "NOPERM" ? describeNoPermission(command, message) : message
    })
  }
  return connectionError(`${command} failed: ${connectionFailure(error)}`, error, scrub)
}

/**
 * A `NOPERM` reply in words that say what to grant: Redis names the command
 * it refused (`'eval'`, which may be another than the one the library sent
 * it for, such as the script behind `XADD`) or says that a key or channel is
 * outside the user's patterns. Redis's own message follows.
 */
export const describeNoPermission = (command: string, message: string): string => {
  const refused = /run the '([^']+)' command/.exec(message)?.[1]
  const missing =
    refused !== undefined
      ? `the command '${refused}' (grant +${refused.toLowerCase()})`
      : /\bkey/.test(message)
        ? "a key outside the user's key patterns (grant ~pulse:*)"
        : /\bchannel/.test(message)
          ? "a channel outside the user's channel patterns"
          : "a permission Redis did not name"
  return `NOPERM: the Redis user may not run ${command}: it lacks ${missing}; see "Production setup" in the README for the ACL effect-pulse needs. Redis said: ${message}`
}

/** What a connection failure of ioredis means, in words a user of this library can act on. */
const connectionFailure = (error: unknown): string => {
  if (!(error instanceof Error)) return String(error)
  if (error.name === "MaxRetriesPerRequestError" || error.message.startsWith("Command aborted")) {
    return "the connection to Redis was lost before the reply came (the command may or may not have run)"
  }
  if (error.message.startsWith("Stream isn't writeable")) return "not connected to Redis (reconnecting)"
  if (error.message === "Connection is closed.") return "the connection to Redis is closed"
  return error.message
}
