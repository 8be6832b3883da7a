import { globToRegExp } from '../util/glob.js';
import type { FormatSet, LoadedFormat } from './load-formats.js';

/**
 * Which formats are meant for a file, by their `match` patterns. Only the file's own name is
 * compared (not its folder), case-insensitively, because the exchange folder is often a
 * Windows share where `CUSTOMERS.TXT` is the same file as `customers.txt`. Formats without a
 * `match` never match by name; they are used only when named (`--format`, a watch job).
 */
export function matchFormat(set: FormatSet, fileName: string): LoadedFormat[] {
  const name = fileName.split(/[/\\]/).pop() ?? fileName;
  return set
    .list()
    .filter((format) =>
      patternsOf(format).some((pattern) => pattern.test(name)),
    );
}

// Definitions are frozen, so the compiled patterns can be cached per loaded format.
const compiled = new WeakMap<LoadedFormat, RegExp[]>();

function patternsOf(format: LoadedFormat): RegExp[] {
  let patterns = compiled.get(format);
  if (!patterns) {
    patterns = [format.definition.match ?? []]
      .flat()
      .map((p) => globToRegExp(p));
    compiled.set(format, patterns);
  }
  return patterns;
}
