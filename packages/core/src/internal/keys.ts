/**
 * The Redis keys the library writes, in one place so that the README's list
 * and the code cannot drift apart. The stream key layout is Go Pulse's.
 *
 * @internal
 */

/** The Redis key of the stream named `name`: `pulse:stream:<name>`. */
export const streamKey = (name: string): string => `pulse:stream:${name}`

/** The name of the stream whose Redis key is `key` (the inverse of {@link streamKey}). */
export const streamNameOfKey = (key: string): string => key.slice("pulse:stream:".length)

/** Entry fields, as Go Pulse writes them. */
export const fieldEventName = "n"
export const fieldPayload = "p"
export const fieldTopic = "t"

/*
 * Go Pulse's sink bookkeeping (v1.6.5, `streaming/sink.go`), shared with Go
 * consumers of the same sink. A replicated map named `<name>` is the hash
 * `map:<name>:content` plus the channel `map:<name>:updates` (see
 * `replicatedMap.ts`).
 */

/** The replicated map of a sink's consumer keep-alives: consumer -> UnixNano of its last beat. */
export const goKeepAliveMapName = (sink: string): string => `sink:${sink}:keepalive`

/** The claim-check lease of a sink: a string holding the lease's expiry (epoch ms), with a PX expiry. */
export const goSinkLeaseKey = (sink: string): string => `sink:${sink}:stalelease`

/** The replicated map of a stream's sinks: sink -> JSON list of its consumers on that stream. */
export const goSinksMapName = (stream: string): string => `stream:${stream}:sinks`

/**
 * The Redis key of a stream's dead letters: `pulse:dead:<name>`. Outside
 * `pulse:stream:`, so no stream a user names can share it (`orders:dead` is
 * `pulse:stream:orders:dead`, the dead letters of `orders` are
 * `pulse:dead:orders`).
 */
export const deadLetterKey = (stream: string): string => `pulse:dead:${stream}`

/** The stream name that events read from a stream's dead letters carry, for logs and readers. */
export const deadLetterStreamName = (stream: string): string => `${stream}:dead`

/** Fields a dead letter carries besides the original event's. */
export const fieldDeadSink = "sink"
export const fieldDeadDeliveries = "deliveries"
export const fieldDeadOriginalId = "id"
/** Why a stage gave up on the event at once (absent for events delivered `maxDeliveries` times). */
export const fieldDeadReason = "reason"

/**
 * The part of a key Redis Cluster hashes: the text between the first `{` and
 * the first `}` after it when not empty, else the whole key.
 */
export const hashTagOf = (key: string): string => {
  const open = key.indexOf("{")
  if (open === -1) return key
  const close = key.indexOf("}", open + 1)
  return close > open + 1 ? key.slice(open + 1, close) : key
}

/**
 * The key remembering an idempotent add's entry ID for its window:
 * `pulse:added:{<the stream key's hash tag>}:<stream>:<id>`. The hash tag puts
 * it in the stream's slot, so that one script may touch both on a cluster.
 */
export const addedIdKey = (stream: string, id: string): string =>
  `pulse:added:{${hashTagOf(streamKey(stream))}}:${stream}:${id}`
