/**
 * Redis in a Docker container through testcontainers, for machines with a
 * Docker engine.
 *
 * The container's main process is an idle shell and `redis-server` runs
 * beside it, started with `docker exec`: that way the server can be killed,
 * paused and restarted while the container, and so its mapped port, stays.
 *
 * @internal
 */
import { existsSync } from "node:fs"
import { homedir } from "node:os"
import { join } from "node:path"
import { type Controller, shutdownSaving } from "./controller.js"
import { answersPing, rawCommand, waitFor } from "./rawCommand.js"

const image = "redis:7-alpine"
const pidFile = "/tmp/redis.pid"
const startTimeoutMillis = 10_000

/**
 * Whether a Docker engine seems to be there, judged without contacting it:
 * `DOCKER_HOST` is set or a Docker socket exists. Only then is testcontainers
 * loaded at all.
 */
export const dockerSeemsPresent = (): boolean =>
  (process.env.DOCKER_HOST ?? "") !== "" ||
  existsSync("/var/run/docker.sock") ||
  existsSync(join(homedir(), ".docker", "run", "docker.sock"))

const serverArgs = [
  "redis-server",
  "--port",
  "6379",
  "--save",
  "",
  "--appendonly",
  "no",
  // The harness connects from the host, through Docker's network: not loopback as far as Redis can tell.
  "--protected-mode",
  "no",
  "--daemonize",
  "yes",
  "--pidfile",
  pidFile,
  "--dir",
  "/tmp"
]

/**
 * A shell script that sends `signal` to the server and waits until its state
 * is `want`: gone (no process, or a zombie the idle shell will never reap),
 * stopped (`T`) or running again.
 */
const signalScript = (signal: string, want: "gone" | "stopped" | "running") => `
pid=$(cat ${pidFile} 2>/dev/null)
if ! kill -${signal} "$pid" 2>/dev/null; then
  if [ "${want}" = gone ]; then exit 0; fi
  exit 4
fi
i=0
while [ $i -lt 500 ]; do
  state=$(sed 's/.*) //' /proc/$pid/stat 2>/dev/null | cut -c1)
  case "${want}" in
    gone) if [ -z "$state" ] || [ "$state" = Z ]; then exit 0; fi ;;
    stopped) if [ "$state" = T ]; then exit 0; fi ;;
    running) if [ "$state" != T ]; then exit 0; fi ;;
  esac
  sleep 0.01
  i=$((i + 1))
done
exit 5
`

/** Starts a Redis container (loading testcontainers now) and returns its controller. */
export const startContainer = async (): Promise<Controller> => {
  const { GenericContainer, Wait } = await import("testcontainers")
  const container = await new GenericContainer(image)
    .withCommand(["sh", "-c", "trap 'exit 0' TERM; while :; do sleep 1; done"])
    .withExposedPorts(6379)
    .withWaitStrategy(Wait.forSuccessfulCommand("true"))
    .start()
  const host = container.getHost()
  const port = container.getMappedPort(6379)
  const exec = async (operation: string, command: ReadonlyArray<string>) => {
    const result = await container.exec([...command])
    if (result.exitCode !== 0) {
      throw new Error(`${operation} failed in the container (exit code ${result.exitCode}): ${result.output.trim()}`)
    }
  }
  const start = async () => {
    await exec("starting redis-server", serverArgs)
    await waitFor(() => answersPing(host, port), `Redis in the container did not answer`, startTimeoutMillis)
  }
  const signal = (operation: string, name: string, want: "gone" | "stopped" | "running") =>
    exec(operation, ["sh", "-c", signalScript(name, want)])
  try {
    await start()
  } catch (error) {
    await container.stop().catch(() => {})
    throw error
  }
  const command: Controller["command"] = (args) => rawCommand(host, port, args, 2000)
  const stop = async () => {
    await signal("stop", "CONT", "running").catch(() => {})
    await signal("stop", "TERM", "gone")
  }
  return {
    kind: "container",
    host,
    port,
    stop,
    kill: () => signal("kill", "KILL", "gone"),
    pause: () => signal("pause", "STOP", "stopped"),
    resume: () => signal("resume", "CONT", "running"),
    restart: async ({ keepData }) => {
      if (keepData) {
        await signal("restart", "CONT", "running").catch(() => {})
        await shutdownSaving(command)
        await signal("restart", "TERM", "gone")
      } else {
        await stop()
        await exec("removing the snapshot", ["rm", "-f", "/tmp/dump.rdb"])
      }
      await start()
    },
    command,
    dispose: () =>
      container.stop().then(
        () => {},
        () => {}
      )
  }
}
