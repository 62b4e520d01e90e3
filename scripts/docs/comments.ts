/**
 * JSDoc text as the API reference shows it: module header comments split
 * into description and tags, and `{@link name}` turned into code spans.
 */
import ts from "typescript"

/** A JSDoc comment: its description and its tags in order. */
export interface Doc {
  readonly description: string
  readonly tags: ReadonlyArray<{ readonly name: string; readonly text: string }>
}

/** The tags a comment carries with this name. */
export const tagTexts = (doc: Doc, name: string): ReadonlyArray<string> =>
  doc.tags.filter((tag) => tag.name === name).map((tag) => tag.text)

/** `{@link x}`, `{@link x | label}` and `{@linkcode x}` as code spans. */
export const renderLinks = (text: string): string =>
  text.replace(/\{@link(?:code|plain)?\s+([^}|\s]+)(?:\s*\|?\s*([^}]*))?\}/g, (_, target: string, label: string) =>
    label?.trim() ? `${label.trim()} (\`${target}\`)` : `\`${target}\``
  )

/** The lines of a `/** ... *\/` comment without the delimiters and the leading `*`. */
const commentLines = (comment: string): Array<string> =>
  comment
    .replace(/^\/\*\*/, "")
    .replace(/\*\/$/, "")
    .split("\n")
    .map((line) => line.replace(/^\s*\* ?/, "").replace(/\s+$/, ""))

/** Parses a raw `/** ... *\/` comment. */
export const parseComment = (comment: string): Doc => {
  const description: Array<string> = []
  const tags: Array<{ name: string; lines: Array<string> }> = []
  let inFence = false
  for (const line of commentLines(comment)) {
    if (line.trimStart().startsWith("```")) inFence = !inFence
    // `@effect-pulse/core` starts a line of prose, not a tag: a tag's name ends at a space.
    const tag = inFence ? null : /^@(\w+)(?:\s+(.*))?$/.exec(line)
    if (tag) tags.push({ name: tag[1]!, lines: [tag[2] ?? ""] })
    else if (tags.length > 0) tags[tags.length - 1]!.lines.push(line)
    else description.push(line)
  }
  return {
    description: description.join("\n").trim(),
    tags: tags.map((tag) => ({ name: tag.name, text: tag.lines.join("\n").trim() }))
  }
}

/** The JSDoc comment at the top of a file, before any code: a module's documentation. */
export const fileHeader = (sourceFile: ts.SourceFile): Doc | undefined => {
  const text = sourceFile.getFullText()
  const first = ts.getLeadingCommentRanges(text, 0)?.[0]
  if (first === undefined) return undefined
  const comment = text.slice(first.pos, first.end)
  return comment.startsWith("/**") ? parseComment(comment) : undefined
}

/** The JSDoc comment of a declaration (the last one before it, as TypeScript takes it). */
export const declarationDoc = (node: ts.Node): Doc | undefined => {
  const docs = ts.getJSDocCommentsAndTags(node).filter(ts.isJSDoc)
  const last = docs[docs.length - 1]
  return last === undefined ? undefined : parseComment(last.getText())
}
