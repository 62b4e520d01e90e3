/**
 * `WAIT` after adds, one `WAIT` for many adds.
 *
 * `WAIT n timeout` waits until `n` replicas have every write made so far on
 * the connection it is sent on, and blocks that connection meanwhile. One
 * `WAIT` per add would hold every command to that primary behind it, for the
 * full timeout when a replica is missing. So the adds whose replies came in
 * share one `WAIT` on their primary's connection: while one is in flight the
 * next adds queue, and the next `WAIT` covers them all. An add is confirmed
 * by the first `WAIT` sent after its reply: Redis had its write by then.
 *
 * @internal
 */
import { Errors } from "@effect-pulse/core"
import { Effect } from "effect"
import type { Cluster, Redis } from "ioredis"
import { type Scrub, toRedisError } from "../errors.js"
import { slotOf } from "./slots.js"

/** How many replicas to wait for, and for how long. */
export interface ReplicaWait {
  readonly replicas: number
  readonly timeoutMillis: number
}

type Waiter = (outcome: number | Error) => void

interface NodeWaits {
  inFlight: boolean
  queued: Array<Waiter>
}

/**
 * A function that waits until the adds just made to `key` are on
 * `wait.replicas` replicas; fails with `RedisCommandError` (`WAIT`,
 * `UNREPLICATED`) when fewer acknowledged them in time, saying what was
 * added.
 */
export const makeReplicaWait = (cluster: Cluster, wait: ReplicaWait, scrub: Scrub) => {
  const byNode = new WeakMap<Redis, NodeWaits>()

  const flush = (node: Redis, state: NodeWaits): void => {
    if (state.inFlight || state.queued.length === 0) return
    const batch = state.queued
    state.queued = []
    state.inFlight = true
    node.call("WAIT", wait.replicas, wait.timeoutMillis, (error, reply) => {
      state.inFlight = false
      for (const waiter of batch) waiter(error ?? Number(reply))
      flush(node, state)
    })
  }

  return (key: string, added: string): Effect.Effect<void, Errors.RedisError> =>
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
      let state = byNode.get(node)
      if (state === undefined) {
        state = { inFlight: false, queued: [] }
        byNode.set(node, state)
      }
      state.queued.push((outcome) => {
        if (outcome instanceof Error) {
          // The add went through: the failure must say so, or a caller retrying it would add it twice unknowingly.
          const error = toRedisError("WAIT", outcome, scrub)
          return resume(
            Effect.fail(
              error._tag === "RedisConnectionError"
                ? new Errors.RedisConnectionError({
                    message: `${added} to ${key}, but WAIT could not count its replicas: ${error.message}`,
                    cause: error
                  })
                : new Errors.RedisCommandError({ ...error, message: `${added} to ${key}, but ${error.message}` })
            )
          )
        }
        if (outcome >= wait.replicas) return resume(Effect.void)
        resume(
          Effect.fail(
            new Errors.RedisCommandError({
              command: "WAIT",
              code: "UNREPLICATED",
              message:
                `${added} to ${key}, but only ${outcome} of ${wait.replicas} replicas acknowledged it within ` +
                `${wait.timeoutMillis} ms: a failover of its primary now could lose it`
            })
          )
        )
      })
      flush(node, state)
    })
}
