/**
 * The API reference of a package, in markdown, from the namespaces its
 * `src/index.ts` exports and the JSDoc of every name they export, read with
 * the TypeScript compiler.
 */
import * as path from "node:path"
import ts from "typescript"
import { type Doc, declarationDoc, fileHeader, parseComment, renderLinks, tagTexts } from "./comments.ts"

/** A package to document. */
export interface PackageSpec {
  /** The npm name of the entry point, e.g. `@effect-pulse/core` or `@effect-pulse/core/testing`. */
  readonly name: string
  /** The package's directory, relative to the workspace root. */
  readonly dir: string
  /** The entry point's source, relative to `dir`: `src/index.ts`, `src/testing.ts`. */
  readonly entry: string
  /** Where its reference goes, relative to the workspace root. */
  readonly output: string
}

/** One exported name: what the reference shows of it. */
interface Entry {
  readonly name: string
  readonly kind: string
  readonly signature: string
  readonly doc: Doc | undefined
}

/** One namespace of the package index: `export * as Name from "./Name.js"`. */
interface Namespace {
  readonly name: string
  readonly file: string
  readonly doc: Doc | undefined
  readonly header: Doc | undefined
  readonly entries: ReadonlyArray<Entry>
}

/** The result for one package: its markdown and the names whose documentation is missing. */
export interface Reference {
  readonly markdown: string
  readonly missing: ReadonlyArray<string>
}

const leadingDoc = (node: ts.Node): Doc | undefined => {
  const text = node.getSourceFile().getFullText()
  const comments = (ts.getLeadingCommentRanges(text, node.getFullStart()) ?? [])
    .map((range) => text.slice(range.pos, range.end))
    .filter((comment) => comment.startsWith("/**"))
  const last = comments[comments.length - 1]
  return last === undefined ? undefined : parseComment(last)
}

const resolve = (checker: ts.TypeChecker, symbol: ts.Symbol): ts.Symbol =>
  symbol.flags & ts.SymbolFlags.Alias ? checker.getAliasedSymbol(symbol) : symbol

/** The declaration's source without its JSDoc and `export` keyword. */
const sourceText = (node: ts.Node): string => node.getText().replace(/^export\s+(declare\s+)?/, "")

/**
 * A declaration followed by all the members of its type: for an interface
 * that extends others, or an alias of an internal interface, whose members
 * the package does not export.
 */
const withMembers = (checker: ts.TypeChecker, declaration: ts.Declaration, note: string): string => {
  const type = checker.getTypeAtLocation(declaration)
  const members = checker.getPropertiesOfType(type).map((property) => {
    const member = property.declarations?.[0]
    return `  ${member ? member.getText().replace(/;$/, "") : property.getName()}`
  })
  return `${sourceText(declaration)}\n\n// ${note}:\n{\n${members.join("\n")}\n}`
}

/** Whether a type alias names an interface of the package's internal modules. */
const aliasesInternalInterface = (checker: ts.TypeChecker, declaration: ts.TypeAliasDeclaration): boolean => {
  if (!ts.isTypeReferenceNode(declaration.type)) return false
  const target = checker.getSymbolAtLocation(declaration.type.typeName)
  const resolved = target === undefined ? undefined : resolve(checker, target)
  return (resolved?.declarations ?? []).some(
    (found) => ts.isInterfaceDeclaration(found) && found.getSourceFile().fileName.includes("/internal/")
  )
}

const describeDeclaration = (checker: ts.TypeChecker, symbol: ts.Symbol, declaration: ts.Declaration): Entry => {
  const name = symbol.getName()
  if (ts.isVariableDeclaration(declaration)) {
    const type = declaration.type
      ? declaration.type.getText()
      : checker.typeToString(
          checker.getTypeOfSymbolAtLocation(symbol, declaration),
          declaration,
          ts.TypeFormatFlags.NoTruncation | ts.TypeFormatFlags.UseAliasDefinedOutsideCurrentScope
        )
    return { name, kind: "const", signature: `const ${name}: ${type}`, doc: declarationDoc(declaration) }
  }
  if (ts.isFunctionDeclaration(declaration)) {
    const signature = checker.getSignatureFromDeclaration(declaration)
    const rendered = signature ? checker.signatureToString(signature, declaration) : "(...)"
    return { name, kind: "function", signature: `function ${name}${rendered}`, doc: declarationDoc(declaration) }
  }
  if (ts.isInterfaceDeclaration(declaration) && declaration.heritageClauses !== undefined) {
    const signature = withMembers(checker, declaration, "all its members, inherited ones included")
    return { name, kind: "interface", signature, doc: declarationDoc(declaration) }
  }
  if (ts.isTypeAliasDeclaration(declaration) && aliasesInternalInterface(checker, declaration)) {
    const signature = withMembers(checker, declaration, "its members")
    return { name, kind: "type", signature, doc: declarationDoc(declaration) }
  }
  const kind = ts.isInterfaceDeclaration(declaration)
    ? "interface"
    : ts.isTypeAliasDeclaration(declaration)
      ? "type"
      : ts.isClassDeclaration(declaration)
        ? "class"
        : ts.SyntaxKind[declaration.kind]
  return { name, kind, signature: sourceText(declaration), doc: declarationDoc(declaration) }
}

/** The namespaces of a package index, in source order. */
const readNamespaces = (program: ts.Program, indexFile: string): ReadonlyArray<Namespace> => {
  const checker = program.getTypeChecker()
  const index = program.getSourceFile(indexFile)
  if (index === undefined) throw new Error(`cannot read ${indexFile}`)
  const namespaces: Array<Namespace> = []
  for (const statement of index.statements) {
    if (!ts.isExportDeclaration(statement) || statement.exportClause === undefined) continue
    if (!ts.isNamespaceExport(statement.exportClause)) continue
    const name = statement.exportClause.name.text
    const moduleSymbol = checker.getSymbolAtLocation(statement.moduleSpecifier!)
    const moduleFile = moduleSymbol?.valueDeclaration?.getSourceFile()
    if (moduleSymbol === undefined || moduleFile === undefined) throw new Error(`cannot resolve ${name}`)
    const entries = checker.getExportsOfModule(moduleSymbol).flatMap((exported) => {
      const symbol = resolve(checker, exported)
      // A name with several declarations (a class and an interface, say) is shown once per declaration.
      return (symbol.declarations ?? []).map((declaration) => describeDeclaration(checker, symbol, declaration))
    })
    namespaces.push({
      name,
      file: moduleFile.fileName,
      doc: leadingDoc(statement),
      header: fileHeader(moduleFile),
      entries
    })
  }
  return namespaces
}

const fence = (code: string) => `\`\`\`ts\n${code}\n\`\`\``

/** An `@example` as markdown: its fenced code as written, or bare code fenced. */
const example = (text: string) => (text.includes("```") ? text : fence(text))

const anchor = (heading: string) =>
  heading
    .toLowerCase()
    .replace(/[^\w\- ]/g, "")
    .replace(/ /g, "-")

const firstSentence = (doc: Doc | undefined) =>
  renderLinks(doc?.description.split(/\n\n/)[0]?.replace(/\n/g, " ") ?? "")

const renderEntry = (namespace: string, entry: Entry): string => {
  const since = entry.doc ? tagTexts(entry.doc, "since")[0] : undefined
  const category = entry.doc ? tagTexts(entry.doc, "category")[0] : undefined
  const facts = [`*${entry.kind}*`, category, since && `since ${since}`].filter(Boolean).join(" · ")
  const parts = [`### ${namespace}.${entry.name}`, facts]
  if (entry.doc?.description) parts.push(renderLinks(entry.doc.description))
  parts.push(fence(entry.signature))
  for (const text of entry.doc ? tagTexts(entry.doc, "example") : []) parts.push(`**Example**\n\n${example(text)}`)
  return parts.join("\n\n")
}

const renderNamespace = (root: string, namespace: Namespace): string => {
  const file = path.relative(root, namespace.file)
  // The module's own comment says more than the one-line summary on its export, which the contents show.
  const description = namespace.header?.description || namespace.doc?.description
  const parts = [`## ${namespace.name}`, `Source: [${file}](../../${file})`]
  if (description) parts.push(renderLinks(description))
  for (const text of namespace.header ? tagTexts(namespace.header, "example") : [])
    parts.push(`**Example**\n\n${example(text)}`)
  for (const entry of namespace.entries) parts.push(renderEntry(namespace.name, entry))
  return parts.join("\n\n")
}

/** The names whose documentation is missing (no JSDoc, or no `@example`), each with its file. */
const findMissing = (root: string, namespaces: ReadonlyArray<Namespace>): Array<string> => {
  const missing: Array<string> = []
  for (const namespace of namespaces) {
    const file = path.relative(root, namespace.file)
    if (!namespace.doc?.description)
      missing.push(`${file}: ${namespace.name}: no JSDoc on its export in the entry point`)
    const examples = [namespace.doc, namespace.header].flatMap((doc) => (doc ? tagTexts(doc, "example") : []))
    if (examples.length === 0) missing.push(`${file}: ${namespace.name}: no @example in the module comment`)
    for (const entry of namespace.entries) {
      const name = `${file}: ${namespace.name}.${entry.name}`
      if (!entry.doc?.description) missing.push(`${name}: no JSDoc`)
      if (entry.doc === undefined || tagTexts(entry.doc, "example").length === 0) missing.push(`${name}: no @example`)
    }
  }
  return missing
}

/** Compiler options for reading the packages' sources, each package name mapped to its sources. */
const compilerOptions = (root: string, packages: ReadonlyArray<PackageSpec>): ts.CompilerOptions => {
  const base = ts.readConfigFile(path.join(root, "tsconfig.base.json"), ts.sys.readFile)
  const { options } = ts.parseJsonConfigFileContent(base.config, ts.sys, root)
  const paths = Object.fromEntries(packages.map((pkg) => [pkg.name, [path.join(root, pkg.dir, pkg.entry)]]))
  return {
    ...options,
    noEmit: true,
    composite: false,
    incremental: false,
    declaration: false,
    declarationMap: false,
    paths
  }
}

/** The references of the packages, read from their sources under `root`. */
export const generate = (root: string, packages: ReadonlyArray<PackageSpec>): ReadonlyArray<Reference> => {
  const indexFiles = packages.map((pkg) => path.join(root, pkg.dir, pkg.entry))
  const program = ts.createProgram(indexFiles, compilerOptions(root, packages))
  return packages.map((pkg, i) => {
    const namespaces = readNamespaces(program, indexFiles[i]!)
    const header = fileHeader(program.getSourceFile(indexFiles[i]!)!)
    const contents = namespaces.map(
      (namespace) => `- [${namespace.name}](#${anchor(namespace.name)}): ${firstSentence(namespace.doc)}`
    )
    const markdown = [
      `# ${pkg.name} API reference`,
      `<!-- Generated by \`pnpm docs:write\` from the JSDoc in ${pkg.dir}/src: edit the sources, not this file. -->`,
      ...(header?.description ? [renderLinks(header.description)] : []),
      contents.join("\n"),
      ...namespaces.map((namespace) => renderNamespace(root, namespace))
    ].join("\n\n")
    return { markdown: `${markdown}\n`, missing: findMissing(root, namespaces) }
  })
}
