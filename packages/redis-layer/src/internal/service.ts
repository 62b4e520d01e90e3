/**
 * `RedisClient.Service` over one ioredis client.
 *
 * @internal
 */
import type { RedisClient } from "@effect-pulse/core"
import { Effect } from "effect"
import { Cluster, type Redis } from "ioredis"
import { makeAddAll, makeAddExpiring } from "./addAll.js"
import { makeAddOnce } from "./addOnce.js"
import * as Blocking from "./blocking.js"
import * as Decoders from "./decoders.js"
import { makeDeleteConsumerIfNoPending } from "./deleteConsumer.js"
import { makeDelIfEquals } from "./delIfEquals.js"
import type { Scrub } from "./errors.js"
import { goPulseClusterScripts, goPulseScripts, takesChannel } from "./goPulseScripts.js"
import * as Reply from "./replies.js"
import { makeRunner } from "./script.js"
import { type Argument, command, pushFields, send } from "./send.js"
import { overClient, request, type Transport } from "./transport.js"

/** What the service needs: the shared client, how to make blocking connections, and the route of the hot commands. */
export interface ServiceOptions {
  readonly client: Redis
  readonly scrub: Scrub
  readonly blocking: Blocking.BlockingOptions
  /** Where `XADD`, `XACK` and the add scripts go (the fast lane); by default the shared client. */
  readonly hot?: Transport | undefined
}

/** Every command of the service but the blocking connections, which depend on the deployment. */
export type Commands = Omit<RedisClient.Service, "blockingConnection">

const XADD = command("XADD")
const XRANGE = command("XRANGE")
const XREVRANGE = command("XREVRANGE")
const XLEN = command("XLEN")
const XDEL = command("XDEL")
const XINFO = command("XINFO")
const XREAD = command("XREAD")
const XREADGROUP = command("XREADGROUP")
const XACK = command("XACK")
const XCLAIM = command("XCLAIM")
const XAUTOCLAIM = command("XAUTOCLAIM")
const XPENDING = command("XPENDING")
const XGROUP = command("XGROUP")
const SCAN = command("SCAN")
const DEL = command("DEL")
const EXISTS = command("EXISTS")
const PEXPIRE = command("PEXPIRE")
const PTTL = command("PTTL")
const SET = command("SET")
const GET = command("GET")
const HSET = command("HSET")
const HGETALL = command("HGETALL")
const HDEL = command("HDEL")

// Commands that take a list and would fail with "wrong number of arguments" on an empty one: nothing to do.
const zero = Effect.succeed(0)
const noEntries = Effect.succeed<ReadonlyArray<RedisClient.StreamEntry>>([])
const noIds = Effect.succeed<ReadonlyArray<string>>([])

const decodeIds = (reply: unknown): ReadonlyArray<string> => (reply as ReadonlyArray<Buffer>).map(Reply.text)

/** The service over `options.client`. */
export const make = (options: ServiceOptions): RedisClient.Service => ({
  ...makeCommands(options.client, options.scrub, options.hot),
  blockingConnection: Blocking.make(options.blocking)
})

/**
 * The commands over one ioredis client, a single node's or a cluster's
 * (which routes each command to the node serving its key). The hot commands
 * (`XADD`, `XACK`, the add scripts) go through `hot` when given.
 */
export const makeCommands = (client: Redis | Cluster, scrub: Scrub, hot?: Transport): Commands => {
  const evaluate = makeRunner(overClient(client), scrub)
  const hotRoute = hot ?? overClient(client)
  const evaluateHot = hot === undefined ? evaluate : makeRunner(hot, scrub)
  const onCluster = client instanceof Cluster
  const addExpiring = makeAddExpiring(evaluateHot)
  const addOnce = makeAddOnce(evaluateHot)
  const run = <A>(cmd: typeof XADD, args: ReadonlyArray<Argument>, decode: (reply: unknown) => A) =>
    send(client, cmd, args, decode, scrub)

  const range = (cmd: typeof XRANGE, key: string, from: string, to: string, count: number | undefined) =>
    run(cmd, count === undefined ? [key, from, to] : [key, from, to, "COUNT", count], Reply.entries)

  return {
    xadd: (key, fields, addOptions) => {
      const args: Array<Argument> = [key]
      if (addOptions?.noMkStream === true) args.push("NOMKSTREAM")
      const trim = addOptions?.trim
      if (trim !== undefined) args.push("MAXLEN", trim.approximate ? "~" : "=", trim.maxLen)
      args.push(addOptions?.id ?? "*")
      pushFields(args, fields)
      if (addOptions?.dedupe !== undefined) {
        return addOnce(key, args.slice(1), fields.length > 0, addOptions.dedupe, addOptions.expire)
      }
      if (addOptions?.expire !== undefined) return addExpiring(key, args.slice(1), addOptions.expire)
      return request(hotRoute, XADD, args, Decoders.idOrNull, scrub)
    },
    xaddAll: makeAddAll(evaluateHot),
    xrange: (key, start, end, count) => range(XRANGE, key, start, end, count),
    xrevrange: (key, end, start, count) => range(XREVRANGE, key, end, start, count),
    xlen: (key) => run(XLEN, [key], Reply.integer),
    xdel: (key, ids) => (ids.length === 0 ? zero : run(XDEL, [key, ...ids], Reply.integer)),
    xinfoStream: (key) => run(XINFO, ["STREAM", key], Reply.streamInfo),
    xread: (streams, readOptions) =>
      run(XREAD, Blocking.xreadArgs(streams, readOptions?.count, undefined), Reply.streamReads),
    xreadgroup: (group, consumer, streams, readOptions) =>
      run(
        XREADGROUP,
        Blocking.xreadgroupArgs(group, consumer, streams, readOptions, undefined),
        Reply.groupStreamReads
      ),
    xack: (key, group, ids) =>
      ids.length === 0 ? zero : request(hotRoute, XACK, [key, group, ...ids], Decoders.integer, scrub),
    xclaim: (key, group, consumer, minIdleMillis, ids) =>
      ids.length === 0 ? noEntries : run(XCLAIM, [key, group, consumer, minIdleMillis, ...ids], Reply.existingEntries),
    xclaimJustId: (key, group, consumer, minIdleMillis, ids, claimOptions) => {
      if (ids.length === 0) return noIds
      const args: Array<Argument> = [key, group, consumer, minIdleMillis, ...ids]
      if (claimOptions?.idleMillis !== undefined) args.push("IDLE", claimOptions.idleMillis)
      args.push("JUSTID")
      return run(XCLAIM, args, decodeIds)
    },
    xautoclaim: (key, group, consumer, minIdleMillis, start, count) =>
      run(
        XAUTOCLAIM,
        count === undefined
          ? [key, group, consumer, minIdleMillis, start]
          : [key, group, consumer, minIdleMillis, start, "COUNT", count],
        Reply.autoClaim
      ),
    xpending: (key, group) => run(XPENDING, [key, group], Reply.pendingSummary),
    xpendingRange: (key, group, pending) => {
      const args: Array<Argument> = [key, group]
      if (pending.minIdleMillis !== undefined) args.push("IDLE", pending.minIdleMillis)
      args.push(pending.start, pending.end, pending.count)
      if (pending.consumer !== undefined) args.push(pending.consumer)
      return run(XPENDING, args, Reply.pendingEntries)
    },
    xgroupCreate: (key, group, id, createOptions) =>
      run(
        XGROUP,
        createOptions?.mkStream === true ? ["CREATE", key, group, id, "MKSTREAM"] : ["CREATE", key, group, id],
        Reply.ignore
      ),
    xgroupDestroy: (key, group) => run(XGROUP, ["DESTROY", key, group], Reply.flag),
    xgroupCreateConsumer: (key, group, consumer) => run(XGROUP, ["CREATECONSUMER", key, group, consumer], Reply.flag),
    xgroupDelConsumerIfNoPending: makeDeleteConsumerIfNoPending(evaluate),
    xinfoGroups: (key) => run(XINFO, ["GROUPS", key], Reply.groupInfos),
    xinfoConsumers: (key, group) => run(XINFO, ["CONSUMERS", key, group], Reply.consumerInfos),
    scan: (cursor, scanOptions) => {
      const args: Array<Argument> = [cursor]
      if (scanOptions?.match !== undefined) args.push("MATCH", scanOptions.match)
      if (scanOptions?.count !== undefined) args.push("COUNT", scanOptions.count)
      if (scanOptions?.type !== undefined) args.push("TYPE", scanOptions.type)
      return run(SCAN, args, Reply.scanPage)
    },
    del: (keys) => (keys.length === 0 ? zero : run(DEL, keys, Reply.integer)),
    exists: (keys) => (keys.length === 0 ? zero : run(EXISTS, keys, Reply.integer)),
    pexpire: (key, millis, condition) =>
      run(PEXPIRE, condition === undefined ? [key, millis] : [key, millis, condition], Reply.flag),
    pttl: (key) => run(PTTL, [key], Reply.integer),
    set: (key, value, setOptions) => {
      const args: Array<Argument> = [key, value]
      if (setOptions?.onlyIfMissing === true) args.push("NX")
      if (setOptions?.expireMillis !== undefined) args.push("PX", setOptions.expireMillis)
      return run(SET, args, Reply.okOrNull)
    },
    get: (key) => run(GET, [key], Reply.textOrNull),
    delIfEquals: makeDelIfEquals(evaluate),
    hset: (key, field, value) => run(HSET, [key, field, value], Reply.integer),
    hgetall: (key) => run(HGETALL, [key], Reply.hash),
    hdel: (key, fields) => (fields.length === 0 ? zero : run(HDEL, [key, ...fields], Reply.integer)),
    runScript: <Name extends RedisClient.ScriptName>(
      name: Name,
      keys: ReadonlyArray<string>,
      args: ReadonlyArray<string>
    ) => {
      const decode = Decoders.scriptReply as Decoders.Decoder<RedisClient.ScriptReplies[Name]>
      if (onCluster && takesChannel(name)) {
        const [key, channel] = keys
        return evaluate(goPulseClusterScripts[name], ["", 1, key, ...args, channel], "EVALSHA", decode)
      }
      return evaluate(goPulseScripts[name], ["", keys.length, ...keys, ...args], "EVALSHA", decode)
    }
  }
}
