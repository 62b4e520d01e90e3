/**
 * The streams a sink reads: joining one more (`addStream`), leaving one for
 * good (`removeStream`, see `sinkConsumers.leaveStream`), and watching each
 * for `EventStream.destroy`, which alone ends the sink (`StreamDestroyed`):
 * a key that vanishes for any other reason is a fault the sink rides out.
 *
 * @internal
 */
import { Effect } from "effect"
import { type SinkClosed, StreamDestroyed } from "../Errors.js"
import type { EventStream } from "../EventStream.js"
import * as StartAt from "../StartAt.js"
import { onDestroyed } from "./destroyWatch.js"
import type { Poller } from "./poller.js"
import { leaveStream } from "./sinkConsumers.js"
import { joinGroup } from "./sinkGroups.js"
import type { SinkState, SinkStream } from "./sinkState.js"
import { groupStartId, makeSinkStream } from "./sinkState.js"

/** The stream as the sink reads it, starting at `start` if the sink's group is created on it. */
export const sinkStreamOf = (sink: string, stream: EventStream, start: StartAt.StartAt): SinkStream =>
  makeSinkStream(sink, stream.name, groupStartId(start), stream.ttl)

export const make = (
  state: SinkState,
  options: {
    readonly start: StartAt.StartAt
    readonly poller: Poller
    readonly isClosed: () => boolean
    /** Fails once the sink is closed (checked after the start position). */
    readonly ensureOpen: Effect.Effect<void, SinkClosed>
  }
) => {
  const unwatch = new Map<string, () => void>()

  // Keyed by the EventStream object: only a destroy through the one this sink was given ends it.
  const watch = (stream: EventStream) =>
    unwatch.set(
      stream.key,
      onDestroyed(stream, (streamName) =>
        state.subscribers.fail(new StreamDestroyed({ streamName, sinkName: state.name }))
      )
    )

  const add = Effect.fnUntraced(function* (added: EventStream, start?: StartAt.StartAt | undefined) {
    const validStart = yield* StartAt.validate(start ?? options.start)
    yield* options.ensureOpen
    if (state.streams.has(added.key)) return
    const stream = sinkStreamOf(state.name, added, validStart)
    yield* joinGroup(state, stream, stream.startId, { mkStream: true })
    if (options.isClosed() || state.streams.has(added.key)) return
    state.streams.set(added.key, stream)
    watch(added)
    yield* options.poller.streamsChanged
  })

  const remove = Effect.fnUntraced(function* (removed: EventStream) {
    const stream = state.streams.get(removed.key)
    if (stream === undefined) return
    state.streams.delete(removed.key)
    unwatch.get(removed.key)?.()
    unwatch.delete(removed.key)
    yield* options.poller.streamsChanged
    yield* leaveStream(state, stream)
  })

  const stopWatching = () => {
    for (const stop of unwatch.values()) stop()
  }

  return { watch, add, remove, stopWatching }
}
