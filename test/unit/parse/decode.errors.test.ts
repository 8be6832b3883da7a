import iconv from 'iconv-lite';
import { describe, expect, it } from 'vitest';
import { AppError } from '../../../src/errors.js';
import type { Encoding } from '../../../src/formats/format-definition.js';
import { decodeText } from '../../../src/parse/decode.js';

async function* chunksOf(bytes: Buffer, size: number): AsyncGenerator<Buffer> {
  for (let i = 0; i < bytes.length; i += size) {
    yield bytes.subarray(i, i + size);
  }
}

/** Decodes everything and returns the AppError it throws (fails the test if none). */
async function decodeError(
  bytes: Buffer,
  encoding: Encoding,
  chunkSize = 64 * 1024,
): Promise<AppError> {
  try {
    for await (const _piece of decodeText(chunksOf(bytes, chunkSize), {
      encoding,
      displayName: 'kunden.csv',
    })) {
      // read on
    }
  } catch (e) {
    expect(e).toBeInstanceOf(AppError);
    return e as AppError;
  }
  throw new Error('expected an error');
}

describe('decodeText errors', () => {
  it('refuses a UTF-16 BOM on a file declared utf-8 and says what to set', async () => {
    const bytes = Buffer.concat([
      Buffer.from([0xff, 0xfe]),
      iconv.encode('a,b\r\n', 'utf-16le'),
    ]);
    const error = await decodeError(bytes, 'utf-8');
    expect(error.code).toBe('ENCODING_INVALID');
    expect(error.message).toMatchInlineSnapshot(
      `"'kunden.csv' starts with a UTF-16LE byte order mark, but its format says encoding utf-8: set encoding: utf-16le in the format definition"`,
    );
  });

  it('refuses a UTF-8 BOM on a file declared utf-16le or windows-1252', async () => {
    const bytes = Buffer.from('\uFEFFa,b\n');
    expect((await decodeError(bytes, 'utf-16le')).message).toContain(
      'set encoding: utf-8',
    );
    const error = await decodeError(bytes, 'windows-1252');
    expect(error.code).toBe('ENCODING_INVALID');
    expect(error.message).toContain('starts with a UTF-8 byte order mark');
  });

  it('refuses UTF-16 without BOM that has the other byte order, or no zero bytes at all', async () => {
    expect(
      (await decodeError(iconv.encode('Name;City\n', 'utf-16be'), 'utf-16le'))
        .message,
    ).toContain('set encoding: utf-16be');
    expect(
      (await decodeError(Buffer.from('Name;City;Street;Zip\n'), 'utf-16le'))
        .message,
    ).toContain('does not look like UTF-16');
  });

  it('names line and byte offset of invalid UTF-8 and suggests windows-1252', async () => {
    const bytes = Buffer.concat([
      Buffer.from('Kundennr;Name\r\n1;Meier\r\n2;M'),
      Buffer.from([0xfc]), // ü in windows-1252
      Buffer.from('ller\r\n'),
    ]);
    for (const size of [64 * 1024, 3, 1]) {
      const error = await decodeError(bytes, 'utf-8', size);
      expect(error.code).toBe('ENCODING_INVALID');
      expect(error.details).toMatchObject({
        line: 3,
        byteOffset: 27,
        suggestedEncoding: 'windows-1252',
      });
      expect(error.message).toMatchInlineSnapshot(
        `"'kunden.csv' is not valid UTF-8: byte 0xFC at byte offset 27 (line 3) cannot appear there. The bytes look like windows-1252 (0xFC is 'ü' there): set encoding: windows-1252 in the format definition"`,
      );
    }
  });

  it('finds a bad sequence that begins at the end of one chunk and fails in the next', async () => {
    // 0xE2 0x82 starts '€' in UTF-8, but 'x' follows instead of the third byte.
    const bytes = Buffer.concat([
      Buffer.from('a\nb\nc'),
      Buffer.from([0xe2, 0x82]),
      Buffer.from('x\n'),
    ]);
    const error = await decodeError(bytes, 'utf-8', 6);
    expect(error.details).toMatchObject({ line: 3, byteOffset: 5 });
  });

  it('reports a UTF-8 character cut off by the end of the file', async () => {
    const bytes = Buffer.concat([Buffer.from('a\nb'), Buffer.from([0xc3])]);
    const error = await decodeError(bytes, 'utf-8', 2);
    expect(error.code).toBe('ENCODING_INVALID');
    expect(error.details).toMatchObject({ line: 2, byteOffset: 3 });
    expect(error.message).toContain('ends inside a multi-byte character');
  });

  it('counts lines of CR-only files for the message', async () => {
    const bytes = Buffer.concat([Buffer.from('a\rb\rc'), Buffer.from([0xff])]);
    expect((await decodeError(bytes, 'utf-8')).details).toMatchObject({
      line: 3,
      byteOffset: 5,
    });
  });

  it('calls a file with NUL bytes binary, not text, and says a ZIP is probably a workbook', async () => {
    const zip = Buffer.from([
      0x50, 0x4b, 0x03, 0x04, 0x14, 0x00, 0x06, 0x00, 0x08, 0x00,
    ]);
    for (const encoding of ['utf-8', 'windows-1252', 'iso-8859-15'] as const) {
      const error = await decodeError(zip, encoding);
      expect(error.code).toBe('PARSE_FAILED');
      expect(error.message).toContain('binary file, not text');
      expect(error.message).toContain('ZIP archive');
    }
  });

  it('points at UTF-16 when a BOM-less UTF-16 file is declared utf-8', async () => {
    const error = await decodeError(
      iconv.encode('Name;City\r\nA;B\r\n', 'utf-16le'),
      'utf-8',
    );
    expect(error.code).toBe('PARSE_FAILED');
    expect(error.message).toContain('set encoding: utf-16le');
  });

  it('finds a NUL byte far into the file, with its line', async () => {
    const bytes = Buffer.concat([
      Buffer.from('a;b\n'.repeat(1000)),
      Buffer.from([0x00]),
    ]);
    const error = await decodeError(bytes, 'utf-8', 100);
    expect(error.details).toMatchObject({ line: 1001, byteOffset: 4000 });
  });
});

describe('decodeText diagnostics with tiny reads', () => {
  it('still recognises a ZIP and BOM-less UTF-16 when every byte is its own chunk', async () => {
    const zip = Buffer.from([0x50, 0x4b, 0x03, 0x04, 0x14, 0x00, 0x06, 0x00]);
    expect((await decodeError(zip, 'utf-8', 1)).message).toContain(
      'ZIP archive',
    );
    const utf16be = iconv.encode('Name;City;Street\n', 'utf-16be');
    expect((await decodeError(utf16be, 'utf-16le', 1)).message).toContain(
      'set encoding: utf-16be',
    );
  });
});
