/**
 * Runs of Go Pulse's Lua scripts (`runScript`) with arguments picked to reach
 * each branch: list values as JSON arrays, as comma lists and as neither,
 * map keys that collide with the `=rev` / `=kind` bookkeeping fields, and
 * lease times that Lua's `tonumber` reads, misreads or refuses.
 */
import { Arbitrary } from "effect"
import { hashKey, stringKey } from "./domains.js"
import { command, listOf, oneOf, weighted } from "./pick.js"

const mapKeys = Arbitrary.map(hashKey, (key) => [key, `${key}:updates`])
const mapField = oneOf("f", "g", "f", "поле", "=rev", "=kind")
const mapValue = oneOf(
  "v1",
  '["a","b"]',
  "a,,b",
  "",
  "x/y",
  '[1.5,true,null,"a",[]]',
  "7",
  "{}",
  '"q,r"',
  '[1e20,0.1,123456789012345678,-0,100,1e-5,0.0001,"\\u00e9"]'
)
const listItem = oneOf("a", "b", "a", "1", "x/y", "é\t\u0001")

const withItems = (first: Arbitrary.Arbitrary<string>, min: number) =>
  Arbitrary.map(Arbitrary.all([first, listOf(listItem, min, 3)]), ([field, items]) => [field, ...items])

/** One script run. */
export const scriptCommand = weighted(
  [3, command("runScript", { name: oneOf("mapSet"), keys: mapKeys, args: Arbitrary.all([mapField, mapValue]) })],
  [2, command("runScript", { name: oneOf("mapDelete"), keys: mapKeys, args: Arbitrary.all([mapField]) })],
  [3, command("runScript", { name: oneOf("mapAppend"), keys: mapKeys, args: withItems(mapField, 0) })],
  [3, command("runScript", { name: oneOf("mapRemove"), keys: mapKeys, args: withItems(mapField, 0) })],
  [1, command("runScript", { name: oneOf("mapDestroy"), keys: mapKeys, args: oneOf(["*"]) })],
  [
    3,
    command("runScript", {
      name: oneOf("leaseAcquire"),
      keys: Arbitrary.map(stringKey, (key) => [key]),
      args: Arbitrary.all([
        oneOf("1000", "3000", "abc"),
        oneOf("2000", "500", " 2e3 ", "0x10", "", "2000"),
        oneOf("495", "495", "0", "-1", "x")
      ])
    })
  ]
)
