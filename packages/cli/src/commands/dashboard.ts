/**
 * `effect-pulse dashboard`: the live web dashboard.
 */
import { createServer } from "node:http"
import { NodeHttpServer } from "@effect/platform-node"
import { Errors } from "@effect-pulse/core"
import { Config, Console, Duration, Effect, Layer, Option } from "effect"
import { Command, Flag } from "effect/cli"
import { HttpServer } from "effect/http"
import * as Monitor from "../dashboard/monitor.js"
import { app } from "../dashboard/server.js"
import { redisFlags, withRedis } from "../internal/options.js"

/** `effect-pulse dashboard`. */
export const dashboard = Command.make(
  "dashboard",
  {
    url: redisFlags.url,
    port: Flag.Int("port").pipe(
      Flag.withDescription("the port to listen on (0: any free port)"),
      Flag.withDefault(8080)
    ),
    host: Flag.String("host").pipe(
      Flag.withDescription("the address to bind; 0.0.0.0 exposes the dashboard to the network"),
      Flag.withDefault("127.0.0.1")
    ),
    token: Flag.String("token").pipe(
      Flag.withDescription("an access token every request must carry (?token= or Authorization: Bearer)"),
      Flag.withFallbackConfig(Config.String("PULSE_DASHBOARD_TOKEN")),
      Flag.optional
    ),
    allowWrites: Flag.Boolean("allow-writes").pipe(
      Flag.withDescription("allow replaying and removing dead letters (read-only without it)"),
      Flag.withDefault(false)
    ),
    interval: Flag.String("interval").pipe(
      Flag.withDescription("how often the one shared inspection loop runs"),
      Flag.withDefault("1 second")
    )
  },
  (flags) =>
    withRedis(flags)(
      Effect.gen(function* () {
        const interval = Duration.fromInput(flags.interval as Duration.Input)
        if (Option.isNone(interval) || Duration.toMillis(interval.value) < 100) {
          return yield* new Errors.InvalidOption({
            option: "interval",
            message: `--interval must be a duration of at least 100 millis, got ${JSON.stringify(flags.interval)}`
          })
        }
        const token = Option.getOrUndefined(flags.token)
        const monitor = yield* Monitor.start({
          intervalMillis: Duration.toMillis(interval.value),
          writable: flags.allowWrites
        })
        const announce = Layer.effectDiscard(
          Effect.gen(function* () {
            const server = yield* HttpServer.HttpServer
            const address = server.address
            const host = flags.host.includes(":") ? `[${flags.host}]` : flags.host
            const where = "port" in address ? `http://${host}:${address.port}/` : String(address)
            yield* Console.log(
              `effect-pulse dashboard on ${where}${token === undefined ? "" : `?token=${encodeURIComponent(token)}`}`
            )
          })
        )
        yield* Layer.launch(
          Layer.mergeAll(HttpServer.serve(app(monitor, { token, writable: flags.allowWrites })), announce).pipe(
            Layer.provide(NodeHttpServer.layer(() => createServer(), { port: flags.port, host: flags.host }))
          )
        )
      }).pipe(Effect.scoped)
    )
).pipe(
  Command.withDescription(
    "Serve a live web dashboard: streams and rates, sinks with lag, pending and consumers, dead letters with replay and remove"
  )
)
