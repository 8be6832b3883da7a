import {
  isAlias,
  isMap,
  isScalar,
  isSeq,
  LineCounter,
  parseDocument,
  type Document,
  type Node,
} from 'yaml';

/**
 * Parses an admin-written YAML or JSON file and remembers where each value came from, so that
 * config and format errors can say "line 7 (jobs[0].stabilitySeconds)" instead of only a path.
 */

export type DocumentSyntax = 'yaml' | 'json';

/** A path into a parsed document, as zod reports it. */
export type DocumentPath = readonly PropertyKey[];

export interface SourceDocument {
  /** The parsed data (`undefined` for an empty file). */
  readonly value: unknown;
  /**
   * The 1-based line of the value at `path`, or of its nearest ancestor that exists in the file
   * (a missing key is reported where its parent object is). Null when nothing can be located.
   */
  lineOf(path: DocumentPath): number | null;
}

export interface SyntaxProblem {
  line: number | null;
  message: string;
}

export type ParseDocumentResult =
  | { ok: true; document: SourceDocument }
  | { ok: false; problems: SyntaxProblem[] };

/** `.json` files are JSON; everything else (`.yaml`, `.yml`) is read as YAML. */
export function syntaxForFile(fileName: string): DocumentSyntax {
  return fileName.toLowerCase().endsWith('.json') ? 'json' : 'yaml';
}

/**
 * Parses `text`. Syntax errors come back as data with their line; their messages never quote
 * the source text, because config files hold secrets (V8's JSON errors quote the input).
 */
export function parseSourceDocument(
  text: string,
  syntax: DocumentSyntax,
): ParseDocumentResult {
  const lineCounter = new LineCounter();
  // The YAML tree is used for line numbers in both syntaxes: JSON is (nearly) a subset of YAML.
  const doc = parseDocument(text, {
    lineCounter,
    prettyErrors: false,
    uniqueKeys: true,
  });
  const lineOf = (path: DocumentPath): number | null =>
    locate(doc, lineCounter, path);

  if (syntax === 'json') {
    let value: unknown;
    try {
      value = JSON.parse(text);
    } catch (e) {
      return {
        ok: false,
        problems: [jsonSyntaxProblem(e, text, doc, lineCounter)],
      };
    }
    return { ok: true, document: { value, lineOf } };
  }

  if (doc.errors.length > 0) {
    return {
      ok: false,
      problems: doc.errors.map((error) => ({
        line: lineCounter.linePos(error.pos[0]).line,
        message: `invalid YAML: ${error.message}`,
      })),
    };
  }
  // Aliases are allowed (anchors help admins reuse column options), but not alias bombs.
  const value: unknown = doc.toJS({ maxAliasCount: 1000 }) ?? undefined;
  return { ok: true, document: { value, lineOf } };
}

/** `jobs[0].stabilitySeconds`: the path as an admin would write it. */
export function formatDocumentPath(path: DocumentPath): string {
  let out = '';
  for (const segment of path) {
    if (typeof segment === 'number') {
      out += `[${segment}]`;
    } else {
      const key = String(segment);
      const plain = /^[A-Za-z_$][A-Za-z0-9_$-]*$/.test(key);
      out += plain
        ? out === ''
          ? key
          : `.${key}`
        : `[${JSON.stringify(key)}]`;
    }
  }
  return out;
}

function locate(
  doc: Document,
  lineCounter: LineCounter,
  path: DocumentPath,
): number | null {
  let node: unknown = doc.contents;
  let line = lineOfNode(node, lineCounter);
  for (const segment of path) {
    if (isAlias(node)) {
      node = node.resolve(doc);
    }
    if (isMap(node)) {
      const pair = node.items.find(
        (p) => isScalar(p.key) && String(p.key.value) === String(segment),
      );
      if (!pair) {
        break;
      }
      // The key's line, not the value's: a nested block starts on the line after its key.
      line = lineOfNode(pair.key, lineCounter) ?? line;
      node = pair.value;
    } else if (isSeq(node) && typeof segment === 'number') {
      const item: unknown = node.items[segment];
      if (item === undefined) {
        break;
      }
      line = lineOfNode(item, lineCounter) ?? line;
      node = item;
    } else {
      break;
    }
  }
  return line;
}

function lineOfNode(node: unknown, lineCounter: LineCounter): number | null {
  if (typeof node === 'object' && node !== null && 'range' in node) {
    const range = (node as Node).range;
    if (range) {
      return lineCounter.linePos(range[0]).line;
    }
  }
  return null;
}

function jsonSyntaxProblem(
  e: unknown,
  text: string,
  doc: Document,
  lineCounter: LineCounter,
): SyntaxProblem {
  const raw = e instanceof Error ? e.message : 'unreadable JSON';
  const position = /at position (\d+)/.exec(raw);
  let line: number | null;
  if (position?.[1] !== undefined) {
    line = lineAt(text, Number(position[1]));
  } else {
    // V8 gives no position for some errors; the YAML reading of the same text usually does.
    const first = doc.errors[0];
    line = first ? lineCounter.linePos(first.pos[0]).line : null;
  }
  const reason = raw
    .replace(/,\s*".*" is not valid JSON$/s, '')
    .replace(/( in JSON)? at position \d+.*$/s, '')
    .replace(/^"[\s\S]*" is not valid JSON$/, 'not valid JSON');
  return { line, message: `invalid JSON: ${reason}` };
}

function lineAt(text: string, offset: number): number {
  let line = 1;
  for (let i = 0; i < offset && i < text.length; i++) {
    if (text.charCodeAt(i) === 10) {
      line++;
    }
  }
  return line;
}
