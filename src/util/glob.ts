/**
 * A small glob matcher for file names: `*`, `?` and `[...]` (with `!` or `^` to negate). Node 20
 * has no stable `path.matchesGlob`, and exchange folders need nothing more. Matching is
 * case-insensitive by default because exchange shares are often Windows folders, where
 * `Customers.TXT` and `customers.txt` are the same file.
 */

export interface GlobOptions {
  /** Default true. */
  caseInsensitive?: boolean;
}

/**
 * Builds a RegExp that matches a whole name. `*` and `?` never match a `/` or a backslash: a
 * backslash separates folders on the Windows side of a share, so such a name is not a plain file.
 */
export function globToRegExp(
  pattern: string,
  options: GlobOptions = {},
): RegExp {
  let source = '';
  for (let i = 0; i < pattern.length; i++) {
    const ch = pattern.charAt(i);
    if (ch === '*') {
      // `**` means the same as `*` here: patterns name files, not folder trees.
      while (pattern.charAt(i + 1) === '*') {
        i++;
      }
      source += '[^/\\\\]*';
    } else if (ch === '?') {
      source += '[^/\\\\]';
    } else if (ch === '[') {
      const end = classEnd(pattern, i);
      if (end === -1) {
        // An unterminated `[` is an ordinary character, as in shells.
        source += '\\[';
      } else {
        source += classToRegExp(pattern.slice(i + 1, end));
        i = end;
      }
    } else {
      source += escapeRegExp(ch);
    }
  }
  return new RegExp(
    `^${source}$`,
    options.caseInsensitive === false ? 'u' : 'iu',
  );
}

/** Does `name` match `pattern` (see {@link globToRegExp})? */
export function matchesGlob(
  name: string,
  pattern: string,
  options: GlobOptions = {},
): boolean {
  return globToRegExp(pattern, options).test(name);
}

/** True when the pattern has any glob characters (otherwise it is a plain file name). */
export function isGlobPattern(pattern: string): boolean {
  return /[*?[]/.test(pattern);
}

function classEnd(pattern: string, open: number): number {
  let i = open + 1;
  if (pattern.charAt(i) === '!' || pattern.charAt(i) === '^') {
    i++;
  }
  // A `]` right after the opening bracket (or its negation) is a member, not the end.
  if (pattern.charAt(i) === ']') {
    i++;
  }
  const end = pattern.indexOf(']', i);
  return end;
}

function classToRegExp(body: string): string {
  let negate = false;
  let rest = body;
  if (rest.startsWith('!') || rest.startsWith('^')) {
    negate = true;
    rest = rest.slice(1);
  }
  // Inside a class only `\`, `]`, `^` and `[` need escaping; `-` keeps its range meaning.
  const members = rest.replace(/[\\\]^[]/g, (c) => `\\${c}`);
  return negate ? `[^/${members}]` : `[${members}]`;
}

function escapeRegExp(ch: string): string {
  return /[\\^$.*+?()[\]{}|/]/.test(ch) ? `\\${ch}` : ch;
}
