/**
 * Error replies of the in-memory Redis, worded as Redis 7.0 words them.
 *
 * Commands run as plain synchronous functions so that each one is atomic, as
 * in Redis; they report an error reply by throwing a `ReplyError`, which the
 * service boundary turns into a `RedisCommandError`.
 *
 * @internal
 */

/** An error reply: `code` is its leading word, `message` the whole reply text. */
export class ReplyError extends Error {
  readonly code: string
  constructor(message: string) {
    super(message)
    this.code = message.slice(0, message.indexOf(" "))
  }
}

/** Builds an `ERR` reply. */
export const err = (text: string): ReplyError => new ReplyError(`ERR ${text}`)

/** `WRONGTYPE`: the key holds another kind of value. */
export const wrongType = (): ReplyError =>
  new ReplyError("WRONGTYPE Operation against a key holding the wrong kind of value")

/** An argument that does not parse as a stream ID. */
export const invalidStreamId = (): ReplyError => err("Invalid stream ID specified as stream command argument")

/** A number argument that is not a 64-bit integer. */
export const notAnInteger = (): ReplyError => err("value is not an integer or out of range")

/** An option Redis does not expect where it is. */
export const syntaxError = (): ReplyError => err("syntax error")

/** The reply to a command sent with too few arguments (an empty list of keys, IDs or fields). */
export const wrongArity = (command: string): ReplyError =>
  err(`wrong number of arguments for '${command.toLowerCase()}' command`)

/** XGROUP subcommands (but CREATE ... MKSTREAM) on a missing key. */
export const keyMustExist = (): ReplyError =>
  err(
    "The XGROUP subcommand requires the key to exist. Note that for CREATE you may want to use the MKSTREAM option to create an empty stream automatically."
  )

/** The `NOGROUP` reply of XCLAIM, XAUTOCLAIM and XPENDING. */
export const noKeyOrGroup = (key: string, group: string): ReplyError =>
  new ReplyError(`NOGROUP No such key '${key}' or consumer group '${group}'`)

/** The `NOGROUP` reply of XGROUP and XINFO CONSUMERS on an existing key. */
export const noSuchGroup = (key: string, group: string): ReplyError =>
  new ReplyError(`NOGROUP No such consumer group '${group}' for key name '${key}'`)

const int64Max = 2n ** 63n - 1n

/**
 * Checks that a number argument is what Redis reads as a 64-bit integer (as
 * a client would send it: `String(value)`), and returns it as a bigint.
 */
export const int64Argument = (value: number, onInvalid: () => ReplyError = notAnInteger): bigint => {
  if (!Number.isInteger(value)) throw onInvalid()
  const integer = BigInt(value)
  if (integer > int64Max || integer < -int64Max - 1n) throw onInvalid()
  return integer
}

/** Like {@link int64Argument}, as a number (for counts and durations, which fit). */
export const integerArgument = (value: number, onInvalid?: () => ReplyError): number => {
  int64Argument(value, onInvalid)
  return value
}

/** Whether `at + millis` overflows Redis's signed 64-bit millisecond times. */
export const expiryOverflows = (millis: bigint, now: number): boolean => millis > int64Max - BigInt(now)

/**
 * Text as Redis reads a 64-bit integer (`string2ll`): an optional minus, no
 * leading zeros, no spaces; `undefined` when it is not one.
 */
export const parseInt64 = (text: string): bigint | undefined => {
  if (!/^(0|-?[1-9][0-9]*)$/.test(text)) return undefined
  const value = BigInt(text)
  return value === BigInt.asIntN(64, value) ? value : undefined
}
