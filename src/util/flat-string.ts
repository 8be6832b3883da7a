/**
 * The same text, stored flat. V8 keeps the result of `a + b` or of a template literal as a
 * "cons string": a tree of its parts, about 32 bytes a node, all parts kept alive. That is the
 * right trade for a string used once; a message kept for the whole run (a row issue lives until
 * the run is recorded, and a file may have millions) costs about 300 bytes as a tree and 100 flat.
 * Reading a character makes V8 flatten the tree in place; elsewhere this is a no-op.
 *
 * @internal
 */
export function flatString(text: string): string {
  text.charCodeAt(0);
  return text;
}
