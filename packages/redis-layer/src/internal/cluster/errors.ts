/**
 * The replies of a cluster in motion, as the typed errors of the library.
 *
 * @internal
 */
import { Errors } from "@effect-pulse/core"

/**
 * Replies that say the slot cannot be served by this node right now: it
 * moved (`MOVED`, `ASK`), is being migrated (`TRYAGAIN`), has no primary
 * (`CLUSTERDOWN`, `MASTERDOWN`), the node became a replica (`READONLY`) or is
 * still loading its data (`LOADING`). None of them changed anything, and all
 * of them pass once the cluster has settled.
 */
const topologyCodes: ReadonlySet<string> = new Set([
  "MOVED",
  "ASK",
  "TRYAGAIN",
  "CLUSTERDOWN",
  "MASTERDOWN",
  "READONLY",
  "LOADING"
])

/** Whether `error` is one of the replies of a cluster in motion. */
export const isTopologyError = (error: Errors.RedisError): error is Errors.RedisCommandError =>
  error._tag === "RedisCommandError" && topologyCodes.has(error.code)

/**
 * A topology reply (left after ioredis's own redirections and retries) as a
 * `RedisConnectionError`: like a lost connection, the slot's node cannot be
 * reached right now, nothing was done, and readers and sinks retry it with
 * their backoff. The reply stays in the `cause` (with its `code`).
 */
export const fromTopology = (error: Errors.RedisError): Errors.RedisError =>
  isTopologyError(error)
    ? new Errors.RedisConnectionError({
        message: `${error.command} failed while the cluster moves or fails over the slot: ${error.message}`,
        cause: error
      })
    : error
