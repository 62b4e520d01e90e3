/**
 * Building the cluster service: connect, wait until ready, close with the scope.
 *
 * @internal
 */
import type { Errors, RedisClient } from "@effect-pulse/core"
import { Effect, type Scope } from "effect"
import { Cluster } from "ioredis"
import { openClient } from "../connection.js"
import { type ClusterOptions, resolveCluster } from "./options.js"
import * as ClusterService from "./service.js"

/** The service over a new `Cluster`, closed when the scope ends. */
export const makeCluster = (
  options: ClusterOptions
): Effect.Effect<RedisClient.Service, Errors.InvalidOption | Errors.RedisConnectionError, Scope.Scope> =>
  Effect.gen(function* () {
    const settings = yield* resolveCluster(options)
    const cluster = yield* openClient(
      () =>
        new Cluster(
          settings.seeds.map((seed) => ({ ...seed })),
          // The reply mapping stays "legacy": resolveCluster refused any other.
          settings.cluster as ConstructorParameters<typeof Cluster>[1]
        ),
      { timeoutMillis: settings.connectTimeoutMillis, target: settings.target, scrub: settings.scrub }
    )
    return ClusterService.make({
      cluster,
      scrub: settings.scrub,
      nodeOptions: settings.nodeOptions,
      connectTimeoutMillis: settings.connectTimeoutMillis,
      waitForReplicas: settings.waitForReplicas
    })
  })
