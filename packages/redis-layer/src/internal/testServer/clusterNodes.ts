/**
 * Reading a node's view of a Redis Cluster from `CLUSTER NODES`, for the
 * test harness.
 *
 * @internal
 */

/** One node as `CLUSTER NODES` lists it. */
export interface ClusterNode {
  readonly id: string
  readonly host: string
  readonly port: number
  readonly primary: boolean
  /** Marked `fail` or `fail?` by the node that answered. */
  readonly failing: boolean
  /** The primary's ID for a replica, `undefined` for a primary. */
  readonly primaryId: string | undefined
  /** The slot ranges it serves, inclusive. */
  readonly slots: ReadonlyArray<readonly [from: number, to: number]>
}

/**
 * Parses the reply of `CLUSTER NODES`: one line per node,
 * `<id> <ip:port@cport> <flags> <primary> <ping> <pong> <epoch> <link> <slot>...`
 * where a slot is `n` or `from-to` (and `[n->-id]` for a slot in migration,
 * skipped).
 */
export const parseClusterNodes = (reply: string): ReadonlyArray<ClusterNode> =>
  reply
    .split("\n")
    .map((line) => line.trim())
    .filter((line) => line !== "")
    .map((line) => {
      const [id, address, flags, primaryId, , , , , ...slots] = line.split(" ")
      const endpoint = address!.split("@")[0]!
      const colon = endpoint.lastIndexOf(":")
      const flagList = flags!.split(",")
      return {
        id: id!,
        host: endpoint.slice(0, colon),
        port: Number(endpoint.slice(colon + 1)),
        primary: flagList.includes("master"),
        failing: flagList.includes("fail") || flagList.includes("fail?"),
        primaryId: primaryId === "-" ? undefined : primaryId,
        slots: slots
          .filter((slot) => !slot.startsWith("["))
          .map((slot) => {
            const [from, to] = slot.split("-")
            return [Number(from), Number(to ?? from)] as const
          })
      }
    })

/** The healthy primary that serves `slot` in this view, if any. */
export const ownerOf = (nodes: ReadonlyArray<ClusterNode>, slot: number): ClusterNode | undefined =>
  nodes.find((node) => node.primary && !node.failing && node.slots.some(([from, to]) => slot >= from && slot <= to))
