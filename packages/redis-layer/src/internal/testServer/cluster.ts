/**
 * A local Redis Cluster for tests: `redis-server` processes in cluster mode
 * on free loopback ports, joined by `redis-cli --cluster create`, each
 * primary with its replicas, and a primary that can be killed to make its
 * replica take over.
 *
 * @internal
 */
import { type ChildProcess, execFile } from "node:child_process"
import { mkdtempSync, rmSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { type ClusterNode, ownerOf, parseClusterNodes } from "./clusterNodes.js"
import { messageOf } from "./controller.js"
import { exited, freePort, isAlive, startOn } from "./process.js"
import { rawCommand, waitFor } from "./rawCommand.js"

const host = "127.0.0.1"
const readyTimeoutMillis = 30_000
const createTimeoutMillis = 30_000
const failoverTimeoutMillis = 30_000

/** The shape of the cluster. */
export interface ClusterShape {
  readonly primaries: number
  readonly replicasPerPrimary: number
  /**
   * `cluster-node-timeout`: how long a node may be unreachable before the
   * others count it as failed and its replica takes over.
   */
  readonly nodeTimeoutMillis: number
}

/** One node process. */
interface NodeProcess {
  readonly port: number
  child: ChildProcess
}

/** What the harness can do to a cluster it started. */
export interface ClusterController {
  readonly host: string
  /** The client ports of every node, primaries and replicas. */
  readonly ports: ReadonlyArray<number>
  /** The cluster as the first node that answers sees it. */
  readonly nodes: () => Promise<ReadonlyArray<ClusterNode>>
  /**
   * Kills (`SIGKILL`) the primary serving `slot` and resolves once a replica
   * serves the slot as primary and the cluster is healthy again.
   */
  readonly killPrimaryOf: (slot: number) => Promise<{ readonly killed: number; readonly promoted: number }>
  /** Sends a command to one node and resolves with the reply line. */
  readonly command: (port: number, args: ReadonlyArray<string>) => Promise<string>
  /** Kills every node and removes their files; never rejects. */
  readonly dispose: () => Promise<void>
}

const runRedisCli = (args: ReadonlyArray<string>): Promise<string> =>
  new Promise((resolve, reject) => {
    execFile("redis-cli", args, { timeout: createTimeoutMillis }, (error, stdout, stderr) => {
      if (error) {
        const code = (error as NodeJS.ErrnoException).code
        reject(
          new Error(
            code === "ENOENT"
              ? "redis-cli was not found on PATH (it comes with redis-server)"
              : `redis-cli ${args.join(" ")} failed: ${messageOf(error)} ${stdout.slice(-2000)} ${stderr.slice(-2000)}`
          )
        )
      } else resolve(stdout)
    })
  })

const nodeArgs = (shape: ClusterShape, port: number, busPort: number): ReadonlyArray<string> => [
  "--cluster-enabled",
  "yes",
  "--cluster-config-file",
  `nodes-${port}.conf`,
  "--cluster-node-timeout",
  String(shape.nodeTimeoutMillis),
  // The bus port is picked free as well: the default (port + 10000) may be taken.
  "--cluster-port",
  String(busPort),
  // Slots whose primary is down fail alone; the rest of the cluster keeps serving.
  "--cluster-require-full-coverage",
  "no"
]

const startNode = async (shape: ClusterShape, dir: string): Promise<NodeProcess> => {
  for (let attempt = 1; ; attempt++) {
    const port = await freePort()
    const busPort = await freePort()
    try {
      return { port, child: await startOn(port, dir, { args: nodeArgs(shape, port, busPort) }) }
    } catch (error) {
      if (attempt >= 5 || !messageOf(error).includes("Address already in use")) throw error
    }
  }
}

const answer = (port: number, args: ReadonlyArray<string>) => rawCommand(host, port, args, 2000)

/** Whether `port` sees the cluster healthy: state ok, every slot served, and (for a replica) its link up. */
const healthy = async (port: number): Promise<boolean> => {
  try {
    const info = await answer(port, ["CLUSTER", "INFO"])
    if (!info.includes("cluster_state:ok") || !info.includes("cluster_slots_ok:16384")) return false
    const replication = await answer(port, ["INFO", "replication"])
    return !replication.includes("role:slave") || replication.includes("master_link_status:up")
  } catch {
    return false
  }
}

/** Starts the nodes, joins them into a cluster and waits until every node sees it healthy. */
export const startCluster = async (shape: ClusterShape): Promise<ClusterController> => {
  const dir = mkdtempSync(join(tmpdir(), "effect-pulse-cluster-"))
  const processes: Array<NodeProcess> = []
  const dispose = async () => {
    await Promise.all(
      processes.map(async ({ child }) => {
        if (!isAlive(child)) return
        child.kill("SIGKILL")
        await exited(child, 5000).catch(() => {})
      })
    )
    rmSync(dir, { recursive: true, force: true })
  }
  try {
    const count = shape.primaries * (1 + shape.replicasPerPrimary)
    for (let i = 0; i < count; i++) processes.push(await startNode(shape, dir))
    await runRedisCli([
      "--cluster",
      "create",
      ...processes.map(({ port }) => `${host}:${port}`),
      "--cluster-replicas",
      String(shape.replicasPerPrimary),
      "--cluster-yes"
    ])
    for (const { port } of processes) {
      await waitFor(() => healthy(port), `cluster node ${port} did not see the cluster healthy`, readyTimeoutMillis)
    }
  } catch (error) {
    await dispose()
    throw error
  }

  const alive = () => processes.filter(({ child }) => isAlive(child))
  const nodes = async (): Promise<ReadonlyArray<ClusterNode>> => {
    let lastError: unknown
    for (const { port } of alive()) {
      try {
        return parseClusterNodes(await answer(port, ["CLUSTER", "NODES"]))
      } catch (error) {
        lastError = error
      }
    }
    throw new Error(`no cluster node answered: ${messageOf(lastError)}`)
  }

  const killPrimaryOf = async (slot: number) => {
    const owner = ownerOf(await nodes(), slot)
    const target = processes.find(({ port }) => port === owner?.port)
    if (owner === undefined || target === undefined) throw new Error(`no live primary serves slot ${slot}`)
    target.child.kill("SIGKILL")
    await exited(target.child, 5000)
    let promoted = 0
    // Every surviving node must agree on the new owner before the failover counts as done.
    await waitFor(
      async () => {
        const views = await Promise.all(
          alive().map(({ port }) =>
            answer(port, ["CLUSTER", "NODES"]).then(
              (reply) => ownerOf(parseClusterNodes(reply), slot)?.port,
              () => undefined
            )
          )
        )
        const first = views[0]
        if (first === undefined || first === owner.port || views.some((view) => view !== first)) return false
        promoted = first
        return healthy(first)
      },
      `no replica took over slot ${slot} from ${owner.port}`,
      failoverTimeoutMillis
    )
    return { killed: owner.port, promoted }
  }

  return {
    host,
    ports: processes.map(({ port }) => port),
    nodes,
    killPrimaryOf,
    command: answer,
    dispose
  }
}
