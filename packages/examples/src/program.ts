/**
 * What every example is: a program over `RedisClient` that prints what it
 * does and fails only with the library's typed errors.
 */
import type { Errors, RedisClient, Sink } from "@effect-pulse/core"
import type { Effect, Schema } from "effect"

/** Every way an example can fail: the library's typed errors, and a payload that does not encode. */
export type ExampleError =
  | Errors.InvalidName
  | Errors.InvalidOption
  | Errors.RedisError
  | Errors.PayloadTooLarge
  | Errors.PartiallyAdded
  | Errors.SinkClosed
  | Errors.ReaderClosed
  | Errors.NotDeliveredToSink
  | Sink.SinkError
  | Schema.SchemaError

/** An example's program. */
export type Program = Effect.Effect<void, ExampleError, RedisClient.RedisClient>
