import { TextDecoder } from 'node:util';
import { AppError, coerceError } from '../errors.js';
import type { Encoding } from '../formats/format-definition.js';
import {
  describeBinary,
  detectBom,
  findInvalidUtf8,
  guessUtf16WithoutBom,
  incompleteUtf8Tail,
  windows1252Reading,
  type Bom,
} from './encoding-diagnostics.js';

/**
 * Streaming decoding of an export file's bytes into text, for every encoding a format may
 * declare. Shared by all text parsers (delimited and fixed-width).
 *
 * Why TextDecoder and not iconv-lite: in stream mode it is about three times faster, and
 * Node's ICU build has every encoding we list (iso-8859-15 included). Why always stream mode:
 * on Node 20 a one-shot `new TextDecoder('windows-1252').decode(buf)` takes a Latin-1 fast
 * path and turns 0x80 into U+0080 instead of '€'; the streaming path maps it correctly.
 *
 * `iso-8859-1` is decoded as windows-1252, as the WHATWG encoding standard (and every
 * browser) does: the two only differ in 0x80–0x9F, which are invisible control characters in
 * ISO-8859-1 and in practice always mean windows-1252 (€, „, Š …) in ERP exports.
 */

export interface DecodeOptions {
  encoding: Encoding;
  /** File name for messages. */
  displayName: string;
}

/**
 * Bytes collected from the start of the file before decoding begins: enough for any BOM and
 * for the binary and UTF-16 sniffing in messages, even when reads are tiny.
 */
const HEAD_BYTES = 512;

/**
 * Decodes `chunks` as `encoding`, yielding text pieces (never empty strings). Strips a byte
 * order mark. Throws AppError `ENCODING_INVALID` for a BOM of another encoding or for bytes
 * that are not valid in the declared encoding (naming line and byte offset), and
 * `PARSE_FAILED` for a binary file (NUL bytes) declared as 8-bit or UTF-8 text.
 */
export async function* decodeText(
  chunks: AsyncIterable<Buffer>,
  options: DecodeOptions,
): AsyncGenerator<string> {
  const session = new DecodeSession(options);
  for await (const chunk of chunks) {
    const text = session.push(chunk);
    if (text.length > 0) {
      yield text;
    }
  }
  const rest = session.end();
  if (rest.length > 0) {
    yield rest;
  }
}

/** Decodes a whole buffer (small files, tests) with the same checks as {@link decodeText}. */
export function decodeBuffer(bytes: Buffer, options: DecodeOptions): string {
  const session = new DecodeSession(options);
  return session.push(bytes) + session.end();
}

class DecodeSession {
  readonly #encoding: Encoding;
  readonly #displayName: string;
  /** 8-bit and UTF-8 text never contains NUL bytes; UTF-16 text is full of them. */
  readonly #singleByteUnits: boolean;
  #decoder: TextDecoder | undefined;
  /** Bytes received before the BOM could be judged. */
  #probe: Buffer | undefined;
  #head: Uint8Array = new Uint8Array(0);
  /** File offset of the next byte to decode. */
  #offset = 0;
  /** LFs and CRs in everything decoded so far (for line numbers in messages). */
  #lfs = 0;
  #crs = 0;
  /** The last chunk decoded; a bad UTF-8 sequence may have begun at its end. */
  #previous: Uint8Array | undefined;

  constructor(options: DecodeOptions) {
    this.#encoding = options.encoding;
    this.#displayName = options.displayName;
    this.#singleByteUnits =
      options.encoding !== 'utf-16le' && options.encoding !== 'utf-16be';
  }

  push(chunk: Buffer): string {
    if (this.#decoder === undefined) {
      const probe =
        this.#probe === undefined ? chunk : Buffer.concat([this.#probe, chunk]);
      if (probe.length < HEAD_BYTES) {
        this.#probe = probe;
        return '';
      }
      this.#probe = undefined;
      return this.#decode(this.#start(probe));
    }
    return this.#decode(chunk);
  }

  end(): string {
    let text = '';
    if (this.#decoder === undefined) {
      const probe = this.#probe;
      this.#probe = undefined;
      if (probe === undefined || probe.length === 0) {
        return '';
      }
      text = this.#decode(this.#start(probe));
    }
    try {
      // Flush: a multi-byte character cut off by the end of the file fails here.
      return text + (this.#decoder?.decode() ?? '');
    } catch (e) {
      throw this.#invalidAtEnd(e);
    }
  }

  /** Judges the BOM, creates the decoder and returns the bytes after the BOM. */
  #start(first: Buffer): Buffer {
    this.#head = first.subarray(0, HEAD_BYTES).slice();
    const found = detectBom(first);
    if (found !== undefined && found.bom !== this.#encoding) {
      throw this.#bomMismatch(found.bom);
    }
    if (found === undefined && !this.#singleByteUnits) {
      this.#checkUtf16WithoutBom();
    }
    // ignoreBOM: we strip the BOM ourselves; a second U+FEFF after it is data.
    this.#decoder = new TextDecoder(this.#encoding, {
      fatal: true,
      ignoreBOM: true,
    });
    const bomLength = found?.length ?? 0;
    this.#offset = bomLength;
    return first.subarray(bomLength);
  }

  #decode(bytes: Buffer): string {
    if (this.#singleByteUnits) {
      const nul = bytes.indexOf(0);
      if (nul !== -1) {
        throw this.#binary(bytes, nul);
      }
    }
    let text: string;
    try {
      text = (this.#decoder as TextDecoder).decode(bytes, { stream: true });
    } catch (e) {
      throw this.#invalid(bytes, e);
    }
    if (this.#singleByteUnits) {
      this.#addBreaks(bytes);
    } else {
      this.#lfs += countTextLf(text);
    }
    this.#previous = bytes;
    this.#offset += bytes.length;
    return text;
  }

  /**
   * Line breaks in `bytes` before `end`, given the totals so far: LFs, or CRs for a file that
   * has no LF at all (old Mac line endings). Both are counted, because a CRLF may be cut
   * between two chunks.
   */
  #countByteBreaks(bytes: Uint8Array, end: number): { lf: number; cr: number } {
    return { lf: countByte(bytes, 0x0a, end), cr: countByte(bytes, 0x0d, end) };
  }

  #addBreaks(bytes: Uint8Array): void {
    const { lf, cr } = this.#countByteBreaks(bytes, bytes.length);
    this.#lfs += lf;
    this.#crs += cr;
  }

  /** 1-based line of the byte at `index` of `bytes` (a chunk not yet counted). */
  #lineAt(bytes: Uint8Array, index: number): number {
    const { lf, cr } = this.#countByteBreaks(bytes, index);
    const lfs = this.#lfs + lf;
    return 1 + (lfs > 0 ? lfs : this.#crs + cr);
  }

  #bomMismatch(bom: Bom): AppError {
    const names: Record<Bom, string> = {
      'utf-8': 'UTF-8',
      'utf-16le': 'UTF-16LE',
      'utf-16be': 'UTF-16BE',
    };
    return new AppError(
      'ENCODING_INVALID',
      `'${this.#displayName}' starts with a ${names[bom]} byte order mark, but its format says ` +
        `encoding ${this.#encoding}: set encoding: ${bom} in the format definition`,
      {
        details: {
          file: this.#displayName,
          declared: this.#encoding,
          found: bom,
        },
      },
    );
  }

  #checkUtf16WithoutBom(): void {
    const head = this.#head;
    const guess = guessUtf16WithoutBom(head);
    if (guess !== undefined && guess !== this.#encoding) {
      throw new AppError(
        'ENCODING_INVALID',
        `'${this.#displayName}' has no byte order mark and looks like ${guess.toUpperCase()}, but its ` +
          `format says encoding ${this.#encoding}: set encoding: ${guess} in the format definition`,
        {
          details: {
            file: this.#displayName,
            declared: this.#encoding,
            found: guess,
          },
        },
      );
    }
    if (guess === undefined && head.length >= 16 && !head.includes(0)) {
      throw new AppError(
        'ENCODING_INVALID',
        `'${this.#displayName}' does not look like UTF-16: it has no byte order mark and no zero bytes ` +
          `in its first ${head.length} bytes. Set the encoding it is really in (utf-8 or windows-1252) ` +
          'in the format definition',
        { details: { file: this.#displayName, declared: this.#encoding } },
      );
    }
  }

  #binary(bytes: Uint8Array, index: number): AppError {
    const offset = this.#offset + index;
    const line = this.#lineAt(bytes, index);
    return new AppError(
      'PARSE_FAILED',
      `'${this.#displayName}' is a binary file, not text: it contains a NUL byte at byte offset ` +
        `${offset} (line ${line}), which ${this.#encoding} text never has; ${describeBinary(this.#head)}`,
      {
        details: {
          file: this.#displayName,
          byteOffset: offset,
          line,
          encoding: this.#encoding,
        },
      },
    );
  }

  #invalid(bytes: Uint8Array, e: unknown): AppError {
    const cause = coerceError(e);
    if (this.#encoding !== 'utf-8') {
      // Only UTF-16 can fail here (single-byte decoders map every byte).
      const line = this.#lineAt(bytes, 0);
      return new AppError(
        'ENCODING_INVALID',
        `'${this.#displayName}' is not valid ${this.#encoding.toUpperCase()}: bad data in bytes ` +
          `${this.#offset}–${this.#offset + bytes.length - 1} (from line ${line}). Check the encoding ` +
          'the ERP exports, and set it in the format definition',
        {
          cause,
          details: {
            file: this.#displayName,
            byteOffset: this.#offset,
            line,
            encoding: this.#encoding,
          },
        },
      );
    }
    const previous = this.#previous;
    const tail = previous === undefined ? 0 : incompleteUtf8Tail(previous);
    const scan =
      previous === undefined || tail === 0
        ? bytes
        : Buffer.concat([previous.subarray(previous.length - tail), bytes]);
    const found = findInvalidUtf8(scan, false) ?? {
      offset: tail,
      byte: bytes[0] ?? 0,
    };
    const inChunk = Math.max(0, found.offset - tail);
    const line = this.#lineAt(bytes, inChunk);
    return this.#invalidUtf8(
      this.#offset + found.offset - tail,
      line,
      found.byte,
      cause,
      false,
    );
  }

  #invalidAtEnd(e: unknown): AppError {
    const previous = this.#previous ?? new Uint8Array(0);
    const tail = incompleteUtf8Tail(previous);
    const byte = previous[previous.length - tail] ?? 0;
    if (this.#encoding !== 'utf-8') {
      return new AppError(
        'ENCODING_INVALID',
        `'${this.#displayName}' ends in the middle of a ${this.#encoding.toUpperCase()} character ` +
          `(the file is ${this.#offset} bytes, line ${this.#lineAt(previous, 0)}); it may be cut off`,
        {
          cause: coerceError(e),
          details: { file: this.#displayName, byteOffset: this.#offset },
        },
      );
    }
    return this.#invalidUtf8(
      this.#offset - tail,
      this.#lineAt(previous, 0),
      byte,
      coerceError(e),
      true,
    );
  }

  #invalidUtf8(
    offset: number,
    line: number,
    byte: number,
    cause: Error,
    atEnd: boolean,
  ): AppError {
    const hex = `0x${byte.toString(16).toUpperCase().padStart(2, '0')}`;
    const what = atEnd
      ? `the file ends inside a multi-byte character that starts with byte ${hex} at byte offset ${offset} ` +
        `(line ${line})`
      : `byte ${hex} at byte offset ${offset} (line ${line}) cannot appear there`;
    const reading = windows1252Reading(byte);
    const next =
      reading === undefined
        ? 'Check which encoding the ERP exports and set it in the format definition'
        : `The bytes look like windows-1252 (${hex} is '${reading}' there): set encoding: windows-1252 ` +
          'in the format definition';
    return new AppError(
      'ENCODING_INVALID',
      `'${this.#displayName}' is not valid UTF-8: ${what}. ${next}`,
      {
        cause,
        details: {
          file: this.#displayName,
          byteOffset: offset,
          line,
          encoding: 'utf-8',
          ...(reading === undefined
            ? {}
            : { suggestedEncoding: 'windows-1252' }),
        },
      },
    );
  }
}

function countByte(bytes: Uint8Array, byte: number, end: number): number {
  let n = 0;
  let i = bytes.indexOf(byte);
  while (i !== -1 && i < end) {
    n++;
    i = bytes.indexOf(byte, i + 1);
  }
  return n;
}

function countTextLf(text: string): number {
  let n = 0;
  let i = text.indexOf('\n');
  while (i !== -1) {
    n++;
    i = text.indexOf('\n', i + 1);
  }
  return n;
}
