/**
 * Small generators for the differential tests, over effect's `Arbitrary`.
 * Values are picked from short lists so that random commands collide on the
 * same keys, groups and IDs; a value listed twice is picked twice as often.
 * Shrinking moves towards the first value of a list, so lists start with
 * the simplest choice.
 */
import { Arbitrary, Schema } from "effect"

/**
 * One of `values`, uniformly. Literal values are widened (`"s1"` is a
 * `string`), so that commands built from different domains share one type.
 */
export const oneOf = <A>(...values: ReadonlyArray<A>): Arbitrary.Arbitrary<A> =>
  Arbitrary.map(Arbitrary.schema(Schema.Literals(values.map((_, index) => index))), (index) => values[index]!)

/** One of `choices`, each as likely as its weight. */
export const weighted = <A>(
  ...choices: ReadonlyArray<readonly [weight: number, arbitrary: Arbitrary.Arbitrary<A>]>
): Arbitrary.Arbitrary<A> => {
  const indexes = choices.flatMap(([weight], index) => Array.from({ length: weight }, () => index))
  return Arbitrary.flatMap(oneOf(...indexes), (index) => choices[index]![1])
}

/** Between `min` and `max` values of `item`. */
export const listOf = <A>(item: Arbitrary.Arbitrary<A>, min: number, max: number): Arbitrary.Arbitrary<Array<A>> =>
  Arbitrary.array(item, { minLength: min, maxLength: max })

/** A command: its tag and its generated arguments. */
export const command = <const Tag extends string, const Fields extends Record<string, Arbitrary.Arbitrary<unknown>>>(
  tag: Tag,
  fields: Fields
) =>
  Arbitrary.map(
    Arbitrary.all(fields),
    (values) =>
      ({ _tag: tag, ...values }) as { readonly _tag: Tag } & {
        readonly [K in keyof Fields]: Fields[K] extends Arbitrary.Arbitrary<infer A> ? A : never
      }
  )
