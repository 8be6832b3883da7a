import { basename, dirname, join, resolve } from 'node:path';
import { AppError } from '../errors.js';

/**
 * Names we build for files we move (processing/, archive/, failed/) come from the name the ERP
 * (or anyone with write access to the share) dropped. That name is hostile input: it may hold
 * `..`, path separators, control characters, shell syntax or 300 bytes of text. Everything that
 * turns such a name into a path goes through here, and the result is checked to stay inside its
 * target folder, so no name can make us write elsewhere.
 */

/** Room left for our timestamp, counter and `.errors.csv` within the usual 255-byte limit. */
export const MAX_SAFE_NAME_BYTES = 120;

/** Longest text after the last dot that still counts as an extension (kept when truncating). */
const MAX_EXTENSION_CHARS = 16;

// Control characters, the characters Windows forbids in names (the share may be SMB), and the
// bidi overrides that let `txt.exe` display as `exe.txt`.
const UNSAFE_CHARS = /[\p{Cc}<>:"|?*\u202a-\u202e\u2066-\u2069]/gu;

/**
 * The last path segment of `name`, with unsafe characters replaced by `_`, no leading dots
 * (so never `.`, `..` or a hidden file), no trailing dots or spaces (Windows drops them), and at
 * most `maxBytes` UTF-8 bytes, truncated in the stem so the extension survives. Spaces,
 * unicode and shell characters such as `$(…)` or `;` are kept: we never pass names to a shell.
 */
export function safeBaseName(
  name: string,
  maxBytes = MAX_SAFE_NAME_BYTES,
): string {
  const lastSegment = name.split(/[/\\]/).pop() ?? '';
  let safe = lastSegment
    .normalize('NFC')
    .replace(UNSAFE_CHARS, '_')
    .trim()
    .replace(/[. ]+$/u, '')
    .replace(/^\.+/u, '_');
  if (safe === '' || safe === '_') {
    safe = 'file';
  }
  return truncateKeepingExtension(safe, maxBytes);
}

/** `customers.txt` → `{ stem: 'customers', ext: '.txt' }`; a long or odd tail is no extension. */
export function splitExtension(name: string): { stem: string; ext: string } {
  const dot = name.lastIndexOf('.');
  if (dot <= 0 || dot === name.length - 1) {
    return { stem: name, ext: '' };
  }
  const ext = name.slice(dot);
  if (ext.length > MAX_EXTENSION_CHARS || /\s/u.test(ext)) {
    return { stem: name, ext: '' };
  }
  return { stem: name.slice(0, dot), ext };
}

/** A UTC timestamp that sorts and is safe in file names on every OS: `20261121T134501Z`. */
export function fileTimestamp(epochMs: number): string {
  return new Date(epochMs)
    .toISOString()
    .replace(/[-:]/g, '')
    .replace(/\.\d{3}Z$/, 'Z');
}

/**
 * `folder/name`, after checking that it names a direct child of `folder`. The names we pass are
 * already sanitised; this is the last line of defence, so a bug there cannot become a write
 * outside the archive.
 */
export function childPath(folder: string, name: string): string {
  const dir = resolve(folder);
  const path = join(dir, name);
  if (
    name === '' ||
    name === '.' ||
    name === '..' ||
    dirname(path) !== dir ||
    basename(path) !== name
  ) {
    throw new AppError(
      'INTERNAL',
      `Refusing to build a path for file name '${name}' in '${dir}': it would leave the folder`,
      {
        details: { folder: dir },
      },
    );
  }
  return path;
}

function truncateKeepingExtension(name: string, maxBytes: number): string {
  if (Buffer.byteLength(name, 'utf8') <= maxBytes) {
    return name;
  }
  const { stem, ext } = splitExtension(name);
  const keptExt = Buffer.byteLength(ext, 'utf8') < maxBytes / 2 ? ext : '';
  const budget = maxBytes - Buffer.byteLength(keptExt, 'utf8');
  let out = '';
  let used = 0;
  // Cut on code points, never inside a UTF-8 sequence or a surrogate pair.
  for (const ch of keptExt === '' ? name : stem) {
    const size = Buffer.byteLength(ch, 'utf8');
    if (used + size > budget) {
      break;
    }
    out += ch;
    used += size;
  }
  return `${out.replace(/[. ]+$/u, '') || 'file'}${keptExt}`;
}
