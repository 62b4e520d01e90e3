#!/usr/bin/env node
/**
 * The `effect-pulse` executable.
 */
import { NodeRuntime, NodeServices } from "@effect/platform-node"
import { Effect, Exit } from "effect"
import { main } from "./main.js"

NodeRuntime.runMain(main("0.1.0").pipe(Effect.provide(NodeServices.layer)), {
  teardown: (exit, onExit) => onExit(Exit.isSuccess(exit) && typeof exit.value === "number" ? exit.value : 130)
})
