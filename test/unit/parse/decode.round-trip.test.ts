import iconv from 'iconv-lite';
import { describe, expect, it } from 'vitest';
import { decodeBuffer, decodeText } from '../../../src/parse/decode.js';
import type { Encoding } from '../../../src/formats/format-definition.js';

async function* chunksOf(bytes: Buffer, size: number): AsyncGenerator<Buffer> {
  for (let i = 0; i < bytes.length; i += size) {
    yield bytes.subarray(i, i + size);
  }
}

async function decodeAll(
  bytes: Buffer,
  encoding: Encoding,
  chunkSize = 64 * 1024,
): Promise<string> {
  let text = '';
  for await (const piece of decodeText(chunksOf(bytes, chunkSize), {
    encoding,
    displayName: 'x.csv',
  })) {
    expect(piece.length).toBeGreaterThan(0);
    text += piece;
  }
  return text;
}

describe('decodeText round trips', () => {
  it('decodes the windows-1252 specials € Ÿ „ ä (the Node 20 one-shot decode gets 0x80 wrong)', async () => {
    const bytes = Buffer.from([0x80, 0x3b, 0x9f, 0x3b, 0x84, 0x3b, 0xe4, 0x0a]);
    expect(iconv.encode('€;Ÿ;„;ä\n', 'windows-1252')).toEqual(bytes);
    expect(await decodeAll(bytes, 'windows-1252')).toBe('€;Ÿ;„;ä\n');
    expect(await decodeAll(bytes, 'windows-1252', 1)).toBe('€;Ÿ;„;ä\n');
  });

  it('decodes € from iso-8859-15 (0xA4) and ä ö ü ß from iso-8859-1', async () => {
    expect(
      await decodeAll(Buffer.from([0xa4, 0x20, 0xbe]), 'iso-8859-15'),
    ).toBe('€ Ÿ');
    expect(
      await decodeAll(iconv.encode('Größe: 5 €', 'iso-8859-15'), 'iso-8859-15'),
    ).toBe('Größe: 5 €');
    expect(
      await decodeAll(iconv.encode('äöüß', 'iso-8859-1'), 'iso-8859-1'),
    ).toBe('äöüß');
  });

  it('reads iso-8859-1 bytes 0x80-0x9F as windows-1252, as browsers do', async () => {
    expect(await decodeAll(Buffer.from([0x80, 0x84]), 'iso-8859-1')).toBe('€„');
  });

  it('strips a UTF-8 BOM and keeps text without one as it is', async () => {
    const text = 'Kundennr;Name\n1;Müller 😀\n';
    expect(
      await decodeAll(
        Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from(text)]),
        'utf-8',
      ),
    ).toBe(text);
    expect(await decodeAll(Buffer.from(text), 'utf-8')).toBe(text);
  });

  it('decodes UTF-16LE and UTF-16BE with their BOMs', async () => {
    const text = 'a;b\r\n€;😀\r\n';
    const le = Buffer.concat([
      Buffer.from([0xff, 0xfe]),
      iconv.encode(text, 'utf-16le'),
    ]);
    const be = Buffer.concat([
      Buffer.from([0xfe, 0xff]),
      iconv.encode(text, 'utf-16be'),
    ]);
    expect(await decodeAll(le, 'utf-16le')).toBe(text);
    expect(await decodeAll(be, 'utf-16be')).toBe(text);
  });

  it('decodes a file shorter than a BOM, and an empty one', async () => {
    expect(await decodeAll(Buffer.from('a'), 'utf-8')).toBe('a');
    expect(await decodeAll(Buffer.alloc(0), 'utf-8')).toBe('');
    expect(await decodeAll(Buffer.from([0xef, 0xbb, 0xbf]), 'utf-8')).toBe('');
    expect(
      decodeBuffer(Buffer.from([0xe4]), {
        encoding: 'windows-1252',
        displayName: 'x',
      }),
    ).toBe('ä');
  });
});

describe('decodeText at chunk boundaries', () => {
  const cases: [Encoding, string, Buffer][] = [
    ['utf-8', 'Zürich;€;😀;東京\n', Buffer.from('\uFEFFZürich;€;😀;東京\n')],
    [
      'utf-16le',
      'Zürich;€;😀\n',
      Buffer.concat([
        Buffer.from([0xff, 0xfe]),
        iconv.encode('Zürich;€;😀\n', 'utf-16le'),
      ]),
    ],
    [
      'utf-16be',
      'Zürich;€;😀\n',
      Buffer.concat([
        Buffer.from([0xfe, 0xff]),
        iconv.encode('Zürich;€;😀\n', 'utf-16be'),
      ]),
    ],
    ['windows-1252', '€„ä\n', iconv.encode('€„ä\n', 'windows-1252')],
  ];

  for (const [encoding, text, bytes] of cases) {
    it(`${encoding}: gives the same text for every chunk size, cutting characters in the middle`, async () => {
      for (let size = 1; size <= bytes.length; size++) {
        expect(
          await decodeAll(bytes, encoding, size),
          `chunk size ${size}`,
        ).toBe(text);
      }
    });
  }
});
