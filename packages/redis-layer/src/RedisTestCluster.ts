/**
 * A local Redis Cluster for tests: `redis-server` processes in cluster mode
 * (by default 3 primaries with a replica each) on free loopback ports,
 * joined with `redis-cli --cluster create`, killed when the scope closes.
 * A test can kill the primary serving a key and wait until its replica has
 * taken over.
 *
 * The nodes run with `cluster-node-timeout` 1 s (so that a failover takes a
 * couple of seconds) and `cluster-require-full-coverage no` (the slots of
 * the other primaries keep working while one fails over), without
 * persistence. `redis-server` and `redis-cli` must be on `PATH`.
 *
 * @example
 * ```ts
 * import { Effect } from "effect"
 * import { layer } from "@effect/vitest"
 * import { RedisClient } from "@effect-pulse/core"
 * import { RedisTestCluster } from "@effect-pulse/redis-layer/testing"
 *
 * layer(RedisTestCluster.layerClient, { excludeTestServices: true })("orders", (it) => {
 *   it.effect("survives a failover", () =>
 *     Effect.gen(function*() {
 *       const redis = yield* RedisClient.RedisClient
 *       const cluster = yield* RedisTestCluster.RedisTestCluster
 *       yield* redis.xadd("pulse:stream:orders", [["n", "created"]])
 *       yield* cluster.killPrimaryOf("pulse:stream:orders")
 *     }))
 * })
 * ```
 *
 * @since 0.1.0
 */
import type { Errors, RedisClient } from "@effect-pulse/core"
import { Context, Effect, Layer, type Scope } from "effect"
import { slotOf } from "./internal/cluster/slots.js"
import { startCluster } from "./internal/testServer/cluster.js"
import { ownerOf } from "./internal/testServer/clusterNodes.js"
import { messageOf } from "./internal/testServer/controller.js"
import * as RedisLayer from "./RedisLayer.js"
import { RedisTestServerError } from "./RedisTestServer.js"

/**
 * The shape of a test cluster: how many primaries, how many replicas each,
 * and `cluster-node-timeout` (how long a primary may be silent before its
 * replica takes over).
 *
 * @example
 * ```ts
 * import type { RedisTestCluster } from "@effect-pulse/redis-layer/testing"
 *
 * const small: RedisTestCluster.Shape = { primaries: 3, replicasPerPrimary: 1, nodeTimeoutMillis: 1000 }
 * ```
 *
 * @since 0.1.0
 * @category models
 */
export interface Shape {
  readonly primaries: number
  readonly replicasPerPrimary: number
  readonly nodeTimeoutMillis: number
}

/**
 * 3 primaries, 1 replica each, 1 second of node timeout.
 *
 * @example
 * ```ts
 * import { RedisTestCluster } from "@effect-pulse/redis-layer/testing"
 *
 * const bigger = RedisTestCluster.make({ ...RedisTestCluster.defaultShape, replicasPerPrimary: 2 })
 * ```
 *
 * @since 0.1.0
 * @category models
 */
export const defaultShape: Shape = { primaries: 3, replicasPerPrimary: 1, nodeTimeoutMillis: 1000 }

/**
 * A node, by address.
 *
 * @example
 * ```ts
 * import type { RedisTestCluster } from "@effect-pulse/redis-layer/testing"
 *
 * const node: RedisTestCluster.Node = { host: "127.0.0.1", port: 7000 }
 * ```
 *
 * @since 0.1.0
 * @category models
 */
export interface Node {
  readonly host: string
  readonly port: number
}

/**
 * The cluster and what a test can do to it.
 *
 * - `nodes`: every node, primaries and replicas (`host:port`), the seeds to
 *   give `RedisLayer.layerCluster`.
 * - `primaryOf(key)`: the primary serving the key's slot right now.
 * - `killPrimaryOf(key)`: `SIGKILL` to that primary; completes once every
 *   surviving node agrees that a replica serves the slot and the cluster is
 *   healthy, with the killed and the promoted node.
 *
 * @example
 * ```ts
 * import { Effect } from "effect"
 * import { RedisTestCluster } from "@effect-pulse/redis-layer/testing"
 *
 * const failover = RedisTestCluster.RedisTestCluster.use((cluster) => cluster.killPrimaryOf("pulse:stream:orders"))
 * ```
 *
 * @since 0.1.0
 * @category models
 */
export interface Service {
  readonly nodes: ReadonlyArray<string>
  readonly primaryOf: (key: string) => Effect.Effect<Node, RedisTestServerError>
  readonly killPrimaryOf: (
    key: string
  ) => Effect.Effect<{ readonly killed: Node; readonly promoted: Node }, RedisTestServerError>
}

/**
 * The service key of the test cluster.
 *
 * @example
 * ```ts
 * import { RedisTestCluster } from "@effect-pulse/redis-layer/testing"
 *
 * const seeds = RedisTestCluster.RedisTestCluster.useSync((cluster) => cluster.nodes)
 * ```
 *
 * @since 0.1.0
 * @category services
 */
export class RedisTestCluster extends Context.Service<RedisTestCluster, Service>()(
  "@effect-pulse/redis-layer/RedisTestCluster"
) {}

/**
 * Starts a cluster of `shape` for the current scope.
 *
 * @example
 * ```ts
 * import { Effect } from "effect"
 * import { RedisTestCluster } from "@effect-pulse/redis-layer/testing"
 *
 * const program = Effect.scoped(
 *   Effect.gen(function*() {
 *     const cluster = yield* RedisTestCluster.make()
 *     return cluster.nodes.length
 *   })
 * )
 * ```
 *
 * @since 0.1.0
 * @category constructors
 */
export const make = (shape: Shape = defaultShape): Effect.Effect<Service, RedisTestServerError, Scope.Scope> =>
  Effect.gen(function* () {
    const controller = yield* Effect.acquireRelease(
      Effect.tryPromise({
        try: () => startCluster(shape),
        catch: (error) => new RedisTestServerError({ operation: "start cluster", message: messageOf(error) })
      }),
      (controller) => Effect.promise(controller.dispose)
    )
    const operation = <A>(name: string, run: () => Promise<A>) =>
      Effect.tryPromise({
        try: run,
        catch: (error) => new RedisTestServerError({ operation: name, message: messageOf(error) })
      })
    const node = (port: number): Node => ({ host: controller.host, port })
    return {
      nodes: controller.ports.map((port) => `${controller.host}:${port}`),
      primaryOf: (key) =>
        operation("primaryOf", async () => {
          const owner = ownerOf(await controller.nodes(), slotOf(key))
          if (owner === undefined) throw new Error(`no live primary serves the slot of ${key}`)
          return node(owner.port)
        }),
      killPrimaryOf: (key) =>
        operation("killPrimaryOf", async () => {
          const { killed, promoted } = await controller.killPrimaryOf(slotOf(key))
          return { killed: node(killed), promoted: node(promoted) }
        })
    }
  })

/**
 * A test cluster of the default shape.
 *
 * @example
 * ```ts
 * import { layer } from "@effect/vitest"
 * import { RedisTestCluster } from "@effect-pulse/redis-layer/testing"
 *
 * layer(RedisTestCluster.layer)((it) => {
 *   it.effect("has six nodes", () => RedisTestCluster.RedisTestCluster.useSync((cluster) => cluster.nodes))
 * })
 * ```
 *
 * @since 0.1.0
 * @category layers
 */
export const layer: Layer.Layer<RedisTestCluster, RedisTestServerError> = Layer.effect(RedisTestCluster, make())

/**
 * A test cluster of another shape.
 *
 * @example
 * ```ts
 * import { RedisTestCluster } from "@effect-pulse/redis-layer/testing"
 *
 * const twoReplicasEach = RedisTestCluster.layerWith({ ...RedisTestCluster.defaultShape, replicasPerPrimary: 2 })
 * ```
 *
 * @since 0.1.0
 * @category layers
 */
export const layerWith = (shape: Shape): Layer.Layer<RedisTestCluster, RedisTestServerError> =>
  Layer.effect(RedisTestCluster, make(shape))

/**
 * A test cluster of `shape` (by default `defaultShape`) plus a `RedisClient`
 * over it (`RedisLayer.layerCluster`, seeded with every node); `options` are
 * further options of that layer.
 *
 * @example
 * ```ts
 * import { layer } from "@effect/vitest"
 * import { RedisTestCluster } from "@effect-pulse/redis-layer/testing"
 *
 * const withWait = RedisTestCluster.layerClientWith(
 *   { waitForReplicas: { replicas: 1, timeout: "1 second" } },
 *   { ...RedisTestCluster.defaultShape, replicasPerPrimary: 2 }
 * )
 * ```
 *
 * @since 0.1.0
 * @category layers
 */
export const layerClientWith = (
  options: Omit<RedisLayer.ClusterOptions, "nodes"> = {},
  shape: Shape = defaultShape
): Layer.Layer<
  RedisClient.RedisClient | RedisTestCluster,
  RedisTestServerError | Errors.InvalidOption | Errors.RedisConnectionError
> =>
  Layer.unwrap(
    RedisTestCluster.useSync((cluster) => RedisLayer.layerCluster({ ...options, nodes: cluster.nodes }))
  ).pipe(Layer.provideMerge(layerWith(shape)))

/**
 * `layer` plus a `RedisClient` over it.
 *
 * @example
 * ```ts
 * import { layer } from "@effect/vitest"
 * import { RedisClient } from "@effect-pulse/core"
 * import { RedisTestCluster } from "@effect-pulse/redis-layer/testing"
 *
 * layer(RedisTestCluster.layerClient)("streams", (it) => {
 *   it.effect("adds", () => RedisClient.RedisClient.use((redis) => redis.xadd("pulse:stream:t", [["n", "x"]])))
 * })
 * ```
 *
 * @since 0.1.0
 * @category layers
 */
export const layerClient: Layer.Layer<
  RedisClient.RedisClient | RedisTestCluster,
  RedisTestServerError | Errors.InvalidOption | Errors.RedisConnectionError
> = layerClientWith()
