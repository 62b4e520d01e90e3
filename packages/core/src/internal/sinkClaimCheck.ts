/**
 * The claim check each consumer of a sink runs every check interval. The
 * consumer that takes the lease (`sinkLease`, shared with Go Pulse's
 * consumers) claims every stream's events idle for a grace period and
 * removes stale consumers (`sinkConsumers.removeStale`); the others claim
 * only their own streams' overdue events (`sinkClaims.claimOverdue`).
 * Claims take no more than the subscribers' buffers have room for.
 *
 * None of it creates a stream key or a group: a sink whose streams ended
 * stops it, and a stream that vanished is the poller's to wait for.
 *
 * @internal
 */
import { Effect } from "effect"
import { claimIdle, claimOverdue, claimPending } from "./sinkClaims.js"
import { removeStale } from "./sinkConsumers.js"
import type { Lease } from "./sinkLease.js"
import type { SinkState } from "./sinkState.js"

/** One claim check. */
export const claimCheck = Effect.fnUntraced(function* (state: SinkState, lease: Lease) {
  if (state.noAck || state.subscribers.isEnded()) return
  let budget = yield* state.subscribers.awaitRoom
  const leased = yield* lease.acquire
  for (const stream of state.streams.values()) {
    if (budget <= 0) break
    budget -= yield* leased ? claimIdle(state, stream, budget) : claimOverdue(state, stream, budget)
  }
  if (leased) yield* removeStale(state, budget, (stream, pending) => claimPending(state, stream, pending, 0))
})
