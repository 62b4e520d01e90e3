/**
 * Starting a Redis the harness owns: a container when Docker seems present,
 * else a `redis-server` process.
 *
 * @internal
 */
import { dockerSeemsPresent, startContainer } from "./container.js"
import { type Controller, messageOf } from "./controller.js"
import { startProcess } from "./process.js"

const howToGetRedis =
  "Install Redis so that redis-server is on PATH (apt-get install redis-server, brew install redis, " +
  "or your distribution's redis package), run a Docker engine, or set REDIS_URL to a Redis you can use for tests."

/**
 * Tries a container first (only when a Docker engine seems present, and
 * falling through on any error: no image, no permission, a broken engine),
 * then a process. When both fail, the error says why each failed and how to
 * get Redis.
 */
export const startOwned = async (): Promise<Controller> => {
  const reasons: Array<string> = []
  if (dockerSeemsPresent()) {
    try {
      return await startContainer()
    } catch (error) {
      reasons.push(`testcontainers: ${messageOf(error)}`)
    }
  }
  try {
    return await startProcess()
  } catch (error) {
    reasons.push(`redis-server: ${messageOf(error)}`)
    throw new Error(`no Redis for tests (${reasons.join("; ")}). ${howToGetRedis}`)
  }
}
