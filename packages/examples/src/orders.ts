/**
 * The payload the orders examples carry, checked by a schema.
 */
import { Schema } from "effect"

/** An order was placed: its ID and total in euros. */
export class OrderPlaced extends Schema.Class<OrderPlaced>("OrderPlaced")({
  id: Schema.Number,
  total: Schema.Number
}) {}
