/**
 * The examples, in the order of the README's tour.
 */
import { deliveryControl } from "./delivery-control.js"
import { multiReaders } from "./multi-readers.js"
import { multiSinks } from "./multi-sinks.js"
import { multiStreams } from "./multi-streams.js"
import { pipeline } from "./pipeline.js"
import type { Program } from "./program.js"
import { pubSub } from "./pub-sub.js"
import { singleReader } from "./single-reader.js"
import { singleSink } from "./single-sink.js"
import { typedEvents } from "./typed-events.js"
import { workerPool } from "./worker-pool.js"

/** An example: a program that prints what it does. */
export interface Example {
  readonly name: string
  readonly summary: string
  readonly program: Program
}

/** All the examples. */
export const examples: ReadonlyArray<Example> = [
  { name: "single-reader", summary: "add an event, read it with a reader, close it", program: singleReader },
  { name: "multi-readers", summary: "two readers, two start positions", program: multiReaders },
  { name: "single-sink", summary: "a sink reads an event and acknowledges it", program: singleSink },
  {
    name: "multi-sinks",
    summary: "two sinks each get every event; two consumers of one sink share them",
    program: multiSinks
  },
  { name: "multi-streams", summary: "one sink over two streams, then one stream removed", program: multiStreams },
  { name: "pub-sub", summary: "topics matched exactly, by a glob and by a regular expression", program: pubSub },
  {
    name: "worker-pool",
    summary: "three consumers of one sink; one dies and its job goes to another",
    program: workerPool
  },
  {
    name: "typed-events",
    summary: "payloads checked by a schema; a malformed one ends among the dead letters",
    program: typedEvents
  },
  {
    name: "pipeline",
    summary: "a topic filter, a payload decoder and a handler composed as stream stages",
    program: pipeline
  },
  {
    name: "delivery-control",
    summary: "idempotent adds, retries on a schedule, per-key order, handlers longer than the grace period",
    program: deliveryControl
  }
]
