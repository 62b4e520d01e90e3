/**
 * A sink's consumer groups through faults. Joining creates the group at the
 * sink's start position. When Redis answers `NOGROUP` or `UNBLOCKED`, each
 * stream is looked at: a group destroyed from outside is recreated where it
 * loses nothing this consumer was handed (at the last entry it was delivered,
 * or before the oldest one it still holds unacked: never at `$`, never back
 * at `0`); a stream key that vanished is waited for, without creating it,
 * and its group is recreated at `0` once it exists again, since every entry
 * of a re-created key is new. A key deleted and created again before the
 * sink looked is told from a destroyed group by its entries, and read from
 * its first entry as well. Both are logged at Warn and counted in
 * `pulse_sink_groups_recreated`.
 *
 * @internal
 */
import { Effect, Metric } from "effect"
import type { RedisError } from "../Errors.js"
import { isBeingDestroyed } from "./destroyWatch.js"
import { compare, compareIds, decrementId, formatId, parseId, sameFields } from "./entryIds.js"
import { retryWhileDisconnected } from "./retry.js"
import * as SinkRegistry from "./sinkRegistry.js"
import type { SinkError, SinkState, SinkStream } from "./sinkState.js"

const isCode = (code: string) => (error: RedisError) => error._tag === "RedisCommandError" && error.code === code

const keyExists = (state: SinkState, stream: SinkStream) =>
  Effect.map(state.redis.exists([stream.key]), (count) => count > 0)

/**
 * Creates the group at `id` unless it exists, registers the consumer (in
 * the group and in Go Pulse's sinks map of the stream, `sinkRegistry`), and
 * takes the group's cursor as the last entry delivered. Only joining a
 * stream the application named creates its key (`MKSTREAM`, followed by the
 * stream's TTL as Go Pulse's `NewSink` applies it); recovery never does, so
 * that nothing of a sink resurrects a deleted or expired stream. The
 * consumer must have beaten first (`sinkConsumers`): Go deletes a group
 * consumer without a keep-alive entry at once.
 */
export const joinGroup = Effect.fnUntraced(function* (
  state: SinkState,
  stream: SinkStream,
  id: string,
  options: { readonly mkStream: boolean }
) {
  const { redis } = state
  yield* redis
    .xgroupCreate(stream.key, state.name, id, { mkStream: options.mkStream })
    .pipe(Effect.catchIf(isCode("BUSYGROUP"), () => Effect.void))
  if (options.mkStream && stream.ttl !== undefined) {
    yield* redis.pexpire(stream.key, stream.ttl.millis, stream.ttl.sliding ? undefined : "NX")
  }
  yield* redis.xgroupCreateConsumer(stream.key, state.name, state.consumer)
  yield* SinkRegistry.ensureRegistered(redis, stream.name, state.name, state.consumer, stream.ttl)
  const group = (yield* redis.xinfoGroups(stream.key)).find((info) => info.name === state.name)
  if (group !== undefined) {
    stream.lastDeliveredId = group.lastDeliveredId
    if (stream.lastDelivered?.id !== group.lastDeliveredId) stream.lastDelivered = undefined
  }
})

/**
 * Where to recreate a group destroyed from outside: no later than the last
 * entry this consumer was delivered, and before the oldest entry it still
 * holds unacked (the group's pending list went with it), so that nothing is
 * lost and the duplicates are what was in flight.
 */
export const recreatePosition = (stream: SinkStream): string => {
  const position = parseId(stream.lastDeliveredId)
  const oldest = stream.held.oldest()
  const before = oldest === undefined ? undefined : decrementId(parseId(oldest))
  return formatId(before !== undefined && compareIds(before, position) < 0 ? before : position)
}

/**
 * A refusal of a missing key (`XGROUP`'s "requires the key to exist",
 * `XPENDING`'s "no such key"): the key was gone when the command ran, even
 * if a producer has created it again by the time anyone looks.
 */
const refusedForMissingKey = (error: RedisError): boolean =>
  error._tag === "RedisCommandError" &&
  (error.message.includes("requires the key to exist") || /no such key/i.test(error.message))

/**
 * Runs `effect`; when Redis refuses it and the stream key turns out to be
 * gone (it vanished meanwhile), gives `whenGone` instead. Other failures
 * pass through.
 */
const unlessGone = <A, B>(
  state: SinkState,
  stream: SinkStream,
  effect: Effect.Effect<A, RedisError>,
  whenGone: Effect.Effect<B, RedisError>
): Effect.Effect<A | B, RedisError> =>
  effect.pipe(
    Effect.catchIf(
      (error) => error._tag === "RedisCommandError",
      (error) =>
        refusedForMissingKey(error)
          ? whenGone
          : Effect.flatMap(keyExists(state, stream), (exists) => (exists ? Effect.fail(error) : whenGone))
    )
  )

/**
 * Whether the key lost its group because it was deleted and created again
 * before the sink looked (a busy producer re-creates it at once). Its new
 * IDs come from the clock again, so some may fall at or below the last ID
 * this consumer was delivered: such a key must be read from its first
 * entry. The evidence: the key holds entries up to that ID but not the
 * entry this consumer was delivered under it. An empty key counts too, as
 * reading it from its start delivers nothing twice.
 */
const keyReplaced = Effect.fnUntraced(function* (state: SinkState, stream: SinkStream) {
  const { redis } = state
  const [first] = yield* redis.xrange(stream.key, "-", "+", 1)
  if (first === undefined) return true
  if (compare(first.id, stream.lastDeliveredId) > 0) return false
  const [atCursor] = yield* redis.xrange(stream.key, stream.lastDeliveredId, stream.lastDeliveredId)
  if (atCursor === undefined) return true
  return stream.lastDelivered !== undefined && !sameFields(atCursor, stream.lastDelivered)
})

/** Recreates the group of a stream if it is gone; "missing" when the key is gone too. */
const recreateGroup = Effect.fnUntraced(function* (state: SinkState, stream: SinkStream) {
  if (!(yield* keyExists(state, stream))) return "missing" as const
  const groups = yield* state.redis.xinfoGroups(stream.key)
  if (groups.some((group) => group.name === state.name)) return "present" as const
  if (yield* keyReplaced(state, stream)) {
    yield* joinGroup(state, stream, "0", { mkStream: false })
    yield* rejoinedNewKey(state, stream, "was created again")
    return "recreated" as const
  }
  const position = recreatePosition(stream)
  yield* joinGroup(state, stream, position, { mkStream: false })
  yield* Effect.logWarning(
    `consumer group of sink ${state.name} on ${stream.name} was destroyed; recreated it after ${position}`
  )
  yield* Metric.update(stream.recreatedAfterGroupLoss, 1)
  return "recreated" as const
})

/** After joining a re-created key at `0`: what this consumer held belongs to the old key. */
const rejoinedNewKey = Effect.fnUntraced(function* (state: SinkState, stream: SinkStream, what: string) {
  stream.held.clear()
  stream.lastDelivered = undefined
  yield* Effect.logWarning(`stream ${stream.name} of sink ${state.name} ${what}; reading it from its first entry`)
  yield* Metric.update(stream.recreatedAfterKeyLoss, 1)
})

/**
 * After a `NOGROUP` or `UNBLOCKED` reply: recreates the groups destroyed
 * from outside, and hands each stream whose key vanished to `awaitKey`
 * (marked missing: the poller leaves it out until it is back).
 */
export const recoverLostGroups = (
  state: SinkState,
  awaitKey: (stream: SinkStream) => Effect.Effect<void>
): Effect.Effect<void, RedisError> =>
  Effect.forEach(
    Array.from(state.streams.values()).filter((stream) => !stream.missing),
    Effect.fnUntraced(function* (stream) {
      const outcome = yield* unlessGone(state, stream, recreateGroup(state, stream), Effect.succeed("missing" as const))
      if (outcome !== "missing") return
      stream.missing = true
      // A destroy by this process is no fault: its sinks are told at once and end.
      if (!isBeingDestroyed(stream.key)) {
        yield* Effect.logWarning(`stream ${stream.name} of sink ${state.name} vanished; waiting for it to exist again`)
      }
      yield* awaitKey(stream)
    }),
    { discard: true }
  )

const isGroupLost = (error: RedisError) =>
  error._tag === "RedisCommandError" && (error.code === "NOGROUP" || error.code === "UNBLOCKED")

/**
 * Recovers with {@link recoverLostGroups} from `NOGROUP` (a group or key is
 * gone) and `UNBLOCKED` (Redis's reply to a blocked read whose key was
 * deleted, or to `CLIENT UNBLOCK ... ERROR`); other failures pass through.
 */
export const recoveringLostGroups = <A>(
  state: SinkState,
  effect: Effect.Effect<A, RedisError>,
  fallback: A,
  awaitKey: (stream: SinkStream) => Effect.Effect<void>
): Effect.Effect<A, SinkError> =>
  effect.pipe(Effect.catchIf(isGroupLost, () => Effect.as(recoverLostGroups(state, awaitKey), fallback)))

// How long one blocking wait for a vanished key lasts before its existence is checked again
// (a key re-created empty, by `XGROUP CREATE ... MKSTREAM` elsewhere, does not wake an `XREAD`).
const keyWaitMillis = 1000

/**
 * Waits for a vanished stream key to exist again, on a connection of its
 * own (an `XREAD` blocked on the missing key wakes when an add creates it),
 * then recreates the group at `0` and takes the stream back into the poll.
 */
export const awaitKey = Effect.fnUntraced(function* (state: SinkState, stream: SinkStream) {
  const connection = yield* retryWhileDisconnected(state.redis.blockingConnection)
  while (true) {
    const present = yield* retryWhileDisconnected(
      Effect.flatMap(keyExists(state, stream), (exists) =>
        exists
          ? Effect.succeed(true)
          : connection.xread([{ key: stream.key, id: "0-0" }], { blockMillis: keyWaitMillis, count: 1 }).pipe(
              // Woken by `CLIENT UNBLOCK ... ERROR`: look again, as after a timeout.
              Effect.catchIf(isCode("UNBLOCKED"), () => Effect.void),
              Effect.as(false)
            )
      )
    )
    if (!present) continue
    const joined = unlessGone(
      state,
      stream,
      Effect.as(joinGroup(state, stream, "0", { mkStream: false }), true),
      Effect.succeed(false)
    )
    if (yield* retryWhileDisconnected(joined)) break
  }
  stream.missing = false
  yield* rejoinedNewKey(state, stream, "exists again")
}, Effect.scoped)

/**
 * For the claim check: a stream whose key or group is gone is a quiet wait
 * (the poller recovers it), not an error to log every interval. Other
 * failures pass through.
 */
export const quietWhileGone = <A>(
  state: SinkState,
  stream: SinkStream,
  effect: Effect.Effect<A, RedisError>,
  fallback: A
): Effect.Effect<A, RedisError> => {
  if (stream.missing) return Effect.succeed(fallback)
  const skip = Effect.as(Effect.logDebug(`stream ${stream.name} or its group is gone; skipped`), fallback)
  return unlessGone(
    state,
    stream,
    Effect.catchIf(effect, isCode("NOGROUP"), () => skip),
    skip
  )
}
