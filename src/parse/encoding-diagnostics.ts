import { TextDecoder } from 'node:util';
import type { Encoding } from '../formats/format-definition.js';

/**
 * Byte-level sniffing used by `decode.ts` to turn "this is not text in the declared encoding"
 * into a message an admin can act on. Everything here runs on small slices (the first bytes
 * of a file, or the one chunk that failed), never over the whole file.
 *
 * @internal
 */

export type Bom = 'utf-8' | 'utf-16le' | 'utf-16be';

/** Which byte order mark `bytes` starts with, and how long it is. */
export function detectBom(
  bytes: Uint8Array,
): { bom: Bom; length: number } | undefined {
  if (
    bytes.length >= 3 &&
    bytes[0] === 0xef &&
    bytes[1] === 0xbb &&
    bytes[2] === 0xbf
  ) {
    return { bom: 'utf-8', length: 3 };
  }
  if (bytes.length >= 2 && bytes[0] === 0xff && bytes[1] === 0xfe) {
    return { bom: 'utf-16le', length: 2 };
  }
  if (bytes.length >= 2 && bytes[0] === 0xfe && bytes[1] === 0xff) {
    return { bom: 'utf-16be', length: 2 };
  }
  return undefined;
}

export interface InvalidUtf8 {
  /** Offset of the first byte of the bad sequence within the scanned buffer. */
  offset: number;
  /** The byte that cannot start or continue a sequence there. */
  byte: number;
}

/**
 * Finds the first invalid UTF-8 sequence (WHATWG rules: no overlongs, no surrogates, nothing
 * above U+10FFFF). A sequence cut off by the end of the buffer counts as invalid only when
 * `atEnd` says no more bytes follow. Returns undefined when the buffer is valid.
 */
export function findInvalidUtf8(
  bytes: Uint8Array,
  atEnd: boolean,
): InvalidUtf8 | undefined {
  const n = bytes.length;
  let i = 0;
  while (i < n) {
    const b = bytes[i] ?? 0;
    if (b < 0x80) {
      i++;
      continue;
    }
    let need: number;
    let lo = 0x80;
    let hi = 0xbf;
    if (b >= 0xc2 && b <= 0xdf) {
      need = 1;
    } else if (b >= 0xe0 && b <= 0xef) {
      need = 2;
      if (b === 0xe0) {
        lo = 0xa0;
      } else if (b === 0xed) {
        hi = 0x9f;
      }
    } else if (b >= 0xf0 && b <= 0xf4) {
      need = 3;
      if (b === 0xf0) {
        lo = 0x90;
      } else if (b === 0xf4) {
        hi = 0x8f;
      }
    } else {
      return { offset: i, byte: b };
    }
    for (let k = 1; k <= need; k++) {
      if (i + k >= n) {
        return atEnd ? { offset: i, byte: b } : undefined;
      }
      const c = bytes[i + k] ?? 0;
      // Only the first continuation byte has a narrowed range.
      const min = k === 1 ? lo : 0x80;
      const max = k === 1 ? hi : 0xbf;
      if (c < min || c > max) {
        return { offset: i, byte: b };
      }
    }
    i += need + 1;
  }
  return undefined;
}

/**
 * Number of bytes at the end of `bytes` that start a UTF-8 sequence the buffer does not
 * finish. A streaming decoder keeps these for the next chunk, so a bad sequence reported in
 * the next chunk may begin here.
 */
export function incompleteUtf8Tail(bytes: Uint8Array): number {
  const n = bytes.length;
  for (let back = 1; back <= Math.min(3, n); back++) {
    const b = bytes[n - back] ?? 0;
    if ((b & 0xc0) === 0x80) {
      continue;
    }
    if (b < 0xc0) {
      return 0;
    }
    const length = b >= 0xf0 ? 4 : b >= 0xe0 ? 3 : 2;
    return length > back ? back : 0;
  }
  return 0;
}

// Typical non-ASCII characters of Western European ERP exports in windows-1252.
const WINDOWS_1252_PUNCTUATION = new Set([
  ...'€‚„…†‡‰‹›‘’“”•–—˜™¡¢£¥§¨©ª«¬®°±²³´µ¶·¸¹º»¼½¾¿×÷',
]);

/**
 * The character `byte` stands for in windows-1252 when that makes a plausible reading of an
 * invalid UTF-8 byte (a letter or common punctuation), otherwise undefined.
 */
export function windows1252Reading(byte: number): string | undefined {
  if (byte < 0x80) {
    return undefined;
  }
  // Stream mode on purpose: Node 20's one-shot windows-1252 decode is really Latin-1.
  const char = new TextDecoder('windows-1252').decode(Uint8Array.of(byte), {
    stream: true,
  });
  if (/^\p{L}$/u.test(char) || WINDOWS_1252_PUNCTUATION.has(char)) {
    return char;
  }
  return undefined;
}

/** A hint for a file full of NUL bytes: what it probably is instead of text. */
export function describeBinary(head: Uint8Array): string {
  if (
    head[0] === 0x50 &&
    head[1] === 0x4b &&
    head[2] === 0x03 &&
    head[3] === 0x04
  ) {
    return 'it looks like a ZIP archive (an .xlsx workbook?); use an xlsx format for workbooks';
  }
  if (
    head[0] === 0xd0 &&
    head[1] === 0xcf &&
    head[2] === 0x11 &&
    head[3] === 0xe0
  ) {
    return 'it looks like an old Excel .xls (OLE) file; save it as .xlsx or CSV';
  }
  const utf16 = guessUtf16WithoutBom(head);
  if (utf16 !== undefined) {
    return (
      `it looks like ${utf16.toUpperCase()} text without a byte order mark; ` +
      `set encoding: ${utf16} in the format definition`
    );
  }
  return 'check that the ERP exports text, and that the file is not compressed';
}

/**
 * UTF-16 text of mostly ASCII characters has a zero in every other byte: at odd offsets for
 * little endian, at even offsets for big endian.
 */
export function guessUtf16WithoutBom(
  head: Uint8Array,
): Extract<Encoding, 'utf-16le' | 'utf-16be'> | undefined {
  const n = Math.min(head.length - (head.length % 2), 512);
  if (n < 4) {
    return undefined;
  }
  let evenZeros = 0;
  let oddZeros = 0;
  for (let i = 0; i < n; i += 2) {
    if (head[i] === 0) {
      evenZeros++;
    }
    if (head[i + 1] === 0) {
      oddZeros++;
    }
  }
  const pairs = n / 2;
  if (oddZeros >= pairs * 0.6 && evenZeros <= pairs * 0.1) {
    return 'utf-16le';
  }
  if (evenZeros >= pairs * 0.6 && oddZeros <= pairs * 0.1) {
    return 'utf-16be';
  }
  return undefined;
}
