import { readdirSync } from 'node:fs';
import { rm, writeFile } from 'node:fs/promises';
import { setTimeout } from 'node:timers/promises';
import { basename, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  FormatDefinitionSchema,
  type FormatDefinition,
} from '../../../src/formats/format-definition.js';
import { createFileValidator } from '../../../src/pipeline/file-validator.js';
import { parserFactory } from '../../../src/pipeline/parser-factory.js';
import {
  defaultParseThreadMinBytes,
  openRowSource,
  type RowSource,
  type SourceBatch,
} from '../../../src/pipeline/row-source.js';
import { createSourceRowHasher } from '../../../src/pipeline/source-rows.js';
import { bindColumns } from '../../../src/validate/map-columns.js';
import { corpusPath } from '../../helpers/corpus.js';
import { makeTempDir } from '../../helpers/temp-dir.js';

/**
 * A large text file is read in a worker thread (pipeline/parse-thread.ts). What comes out must
 * be exactly what the format's parser gives on the pipeline's thread: the same header, rows,
 * lines, issues and batches, the same row hashes, and the same AppError for a bad file.
 */

const PARSERS = parserFactory({
  excel: { maxHeapMb: 256, timeoutSeconds: 60, maxFileBytes: 10 * 1024 ** 2 },
});

/** As row-source.ts sends them (not exported: a detail of the thread). */
const MAX_BATCHES_IN_FLIGHT = 4;

const FINGERPRINT = {
  defaultTimeZone: 'Europe/Berlin',
  customerClasses: {},
  defaultClass: undefined,
};

function delimited(overrides: Record<string, unknown> = {}): FormatDefinition {
  return FormatDefinitionSchema.parse({
    id: 'thread-test',
    type: 'delimited',
    delimiter: 'auto',
    columns: [{ source: 1, field: 'customerNo', required: true }],
    ...overrides,
  });
}

interface ReadResult {
  header: string[] | null;
  batches: SourceBatch[];
  bytes: number[];
}

async function open(
  path: string,
  format: FormatDefinition,
  thread: boolean,
  options: { batchSize?: number; signal?: AbortSignal; bytes?: number[] } = {},
): Promise<RowSource> {
  return openRowSource({
    input: {
      path,
      displayName: basename(path),
      sizeBytes: 0,
      format,
      batchSize: options.batchSize ?? 7,
      ...(options.bytes === undefined
        ? {}
        : { onBytes: (n: number) => options.bytes?.push(n) }),
      ...(options.signal === undefined ? {} : { signal: options.signal }),
    },
    parserFor: PARSERS,
    threadMinBytes: thread ? 0 : Infinity,
    fingerprint: format.entity === 'customer' ? FINGERPRINT : null,
  });
}

/** Reads every batch; `slowMs`: a consumer that takes that long over each batch. */
async function readAll(
  path: string,
  format: FormatDefinition,
  thread: boolean,
  { batchSize = 7, slowMs = 0 } = {},
): Promise<ReadResult> {
  const bytes: number[] = [];
  const source = await open(path, format, thread, { batchSize, bytes });
  const batches: SourceBatch[] = [];
  try {
    for await (const batch of source.batches) {
      batches.push(batch);
      if (slowMs > 0) {
        await setTimeout(slowMs);
      }
    }
  } finally {
    await source.close();
  }
  return { header: source.header, batches, bytes };
}

/** The AppError (code and message) opening or reading the file ends with; null when none. */
async function failureOf(
  path: string,
  format: FormatDefinition,
  thread: boolean,
): Promise<{ code: unknown; message: string } | null> {
  try {
    await readAll(path, format, thread);
    return null;
  } catch (e) {
    const error = e as { code?: unknown; message: string };
    return { code: error.code, message: error.message };
  }
}

async function expectSameRead(
  path: string,
  format: FormatDefinition,
  batchSize = 7,
): Promise<ReadResult> {
  const inThread = await readAll(path, format, false, { batchSize });
  // A slow consumer: the worker runs ahead, so it computes the rows' facts (parse-worker.ts).
  const threaded = await readAll(path, format, true, { batchSize, slowMs: 2 });
  expect(threaded.header).toEqual(inThread.header);
  expect(threaded.batches.map((b) => b.rows)).toEqual(
    inThread.batches.map((b) => b.rows),
  );
  // On the pipeline's own thread the pipeline computes every row's facts; the worker computes
  // them for the batches it is ahead with, exactly as the pipeline would.
  expect(inThread.batches.every((b) => b.hashes === null)).toBe(true);
  expect(
    inThread.batches.every((b) => b.keys === null && b.lastModified === null),
  ).toBe(true);
  if (format.entity === 'customer') {
    const hash = createSourceRowHasher({
      ...FINGERPRINT,
      format,
      header: inThread.header,
    });
    // The validator the pipeline validates the rows with.
    const validator = createFileValidator(
      format,
      bindColumns(format, inThread.header, basename(path)),
      FINGERPRINT.defaultTimeZone,
    );
    const withFacts = threaded.batches.filter((b) => b.hashes !== null);
    for (const batch of withFacts) {
      expect(batch.hashes).toEqual(batch.rows.map((r) => hash(r.cells)));
      expect(batch.keys).toEqual(
        batch.rows.map((r) => validator.keyOf(r) ?? null),
      );
      expect(batch.lastModified).toEqual(
        batch.rows.map(
          (r) => validator.fieldValue(r, format.lastModifiedField) ?? null,
        ),
      );
    }
    // The first batches go out before the worker is ahead; after them most come with facts
    // (on a loaded machine the worker may fall behind now and then).
    const ahead = Math.max(0, threaded.batches.length - MAX_BATCHES_IN_FLIGHT);
    expect(withFacts.length).toBeGreaterThanOrEqual(Math.floor(ahead / 2));
    expect(
      threaded.batches
        .filter((b) => b.hashes === null)
        .every((b) => b.keys === null && b.lastModified === null),
    ).toBe(true);
  }
  // Progress ends at the file's size on both paths.
  expect(threaded.bytes.at(-1)).toBe(inThread.bytes.at(-1));
  return threaded;
}

const spectrum = corpusPath('csv-suites', 'csv-spectrum', 'csvs');
const CORPUS_FILES: { path: string; format: FormatDefinition }[] = [
  ...readdirSync(spectrum)
    .filter((f) => f.endsWith('.csv'))
    .map((f) => ({ path: join(spectrum, f), format: delimited() })),
  {
    path: corpusPath('csv-suites', 'node-csv', '365-utf16le-bom-windows.csv'),
    format: delimited({ encoding: 'utf-16le' }),
  },
  {
    path: corpusPath('csv-suites', 'node-csv', '365-utf8-bom-windows.csv'),
    format: delimited(),
  },
  {
    path: corpusPath('csv-suites', 'node-csv', '411.csv'),
    format: delimited(),
  },
  {
    path: corpusPath('customer-samples', 'odoo', 'res.partner.csv'),
    format: delimited(),
  },
  {
    path: corpusPath('customer-samples', 'magento2', 'Sample', 'customer.csv'),
    format: delimited(),
  },
  {
    path: corpusPath('customer-samples', 'prestashop', 'customers_import.csv'),
    format: delimited(),
  },
  {
    path: corpusPath(
      'csv-suites',
      'univocity-parsers',
      'fixed',
      'essential.txt',
    ),
    format: FormatDefinitionSchema.parse({
      type: 'fixed-width',
      id: 'univocity-essential',
      skipLines: 3,
      comment: '#',
      columns: [
        { field: 'customerNo', start: 1, length: 11, required: true },
        { field: 'name', start: 12, length: 38 },
      ],
    }),
  },
];

describe('the parse thread gives what the parser gives on the pipeline thread', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await makeTempDir('parse-thread-');
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  for (const { path, format } of CORPUS_FILES) {
    it(`${basename(path)} (${format.type})`, async () => {
      const read = await expectSameRead(path, format);
      expect(read.batches.flatMap((b) => b.rows).length).toBeGreaterThan(0);
    });
  }

  it('a windows-1252 export of 5 000 rows with quoted delimiters, line breaks and row issues, in many batches', async () => {
    const lines = ['Nr;Name;Ort;Umsatz;Geändert'];
    for (let i = 1; i <= 5000; i++) {
      const name =
        i % 97 === 0
          ? `"Müller; ""Söhne""\r\nAbt. ${i}"`
          : `Großhändler ${i} Ärger`;
      // Every 500th row has a field too many: a row issue travels with its row.
      // A few rows without a date, and a few with one that is no date.
      const changed =
        i % 50 === 0
          ? ''
          : i % 333 === 0
            ? '31.02.2026 10:00'
            : `0${(i % 9) + 1}.11.2026 1${i % 10}:30`;
      lines.push(
        `K${i};${name};Köln;1.234,${i % 100};${changed}${i % 500 === 0 ? ';x' : ''}`,
      );
    }
    const path = join(dir, 'erp-1252.txt');
    await writeFile(path, Buffer.from(`${lines.join('\r\n')}\r\n`, 'latin1'));
    const format = delimited({
      delimiter: ';',
      encoding: 'windows-1252',
      dateTimeFormat: 'dd.MM.yyyy HH:mm',
      timeZone: 'Europe/Berlin',
      columns: [
        {
          source: 'Nr',
          field: 'customerNo',
          required: true,
          transforms: ['trim', 'lower'],
        },
        { source: 'Name', field: 'name' },
        { source: 'Geändert', field: 'lastModified', type: 'datetime' },
      ],
    });
    const read = await expectSameRead(path, format);
    // The batches the worker was ahead with carry each row's key and date (equal to the
    // validator's, expectSameRead): here, that they are the right ones for each kind of row.
    let withFacts = 0;
    let n = 0;
    for (const batch of read.batches) {
      for (let i = 0; i < batch.rows.length; i++) {
        n++;
        if (batch.keys === null || batch.lastModified === null) {
          continue;
        }
        withFacts++;
        // A row with a field too many has no key: it is never settled.
        expect(batch.keys[i]).toBe(n % 500 === 0 ? null : `k${n}`);
        const hour = String(9 + (n % 10)).padStart(2, '0');
        expect(batch.lastModified[i]).toBe(
          n % 50 === 0 || n % 333 === 0
            ? null
            : `2026-11-0${(n % 9) + 1}T${hour}:30:00.000Z`,
        );
      }
    }
    // Most batches: the first ones go out before the worker is ahead, and on a loaded machine
    // the worker may fall behind now and then.
    expect(withFacts).toBeGreaterThan(2500);
    const rows = read.batches.flatMap((b) => b.rows);
    expect(rows).toHaveLength(5000);
    expect(rows.filter((r) => r.issue !== undefined)).toHaveLength(10);
    expect(rows[96]?.cells[1]).toBe('Müller; "Söhne"\r\nAbt. 97');
    expect(read.batches.length).toBe(Math.ceil(5000 / 7));
  });

  it('is used from 4 MiB on by default, and never on a single-core machine', () => {
    expect(defaultParseThreadMinBytes(2)).toBe(4 * 1024 * 1024);
    expect(defaultParseThreadMinBytes(8)).toBe(4 * 1024 * 1024);
    expect(defaultParseThreadMinBytes(1)).toBe(Infinity);
  });

  it('a non-customer format (contacts) is read without row hashes', async () => {
    const path = join(dir, 'contacts.csv');
    await writeFile(path, 'Kunde;Kontakt\nK1;1\nK2;1\n');
    const format = delimited({
      delimiter: ';',
      entity: 'contact',
      columns: [
        { source: 'Kunde', field: 'customerNo', required: true },
        { source: 'Kontakt', field: 'contactNo', required: true },
      ],
    });
    const read = await readAll(path, format, true);
    expect(read.batches.map((b) => b.hashes)).toEqual([null]);
  });

  for (const [name, content, overrides, code] of [
    ['empty.csv', '', {}, 'FILE_EMPTY'],
    ['header-only.csv', 'Nr;Name\n', { delimiter: ';' }, 'NO_DATA_ROWS'],
    [
      'unterminated.csv',
      'Nr;Name\nK1;"never closed\nK2;x\n',
      { delimiter: ';' },
      'PARSE_FAILED',
    ],
    [
      'not-utf8.csv',
      Buffer.from('Nr;Name\nK1;M\xfcller\n', 'latin1'),
      { delimiter: ';' },
      'ENCODING_INVALID',
    ],
    // The parser reads it as one column; binding the header to the format reports it.
    ['wrong-delimiter.csv', 'Nr,Name\nK1,A\n', { delimiter: ';' }, null],
  ] as const) {
    it(`${name}: the same outcome and message from both paths`, async () => {
      const path = join(dir, name);
      await writeFile(path, content);
      const format = delimited(overrides);
      const inThread = await failureOf(path, format, false);
      const threaded = await failureOf(path, format, true);
      expect(inThread?.code ?? null).toBe(code);
      expect(threaded).toEqual(inThread);
      if (inThread === null) {
        await expectSameRead(path, format);
      }
    });
  }

  it('a failure after some rows comes after those rows, as on one thread', async () => {
    const path = join(dir, 'late-failure.csv');
    // Longer than what opening the file reads (64 K characters): the failure comes mid-way.
    const rows = Array.from(
      { length: 5000 },
      (_, i) => `K${i};Name ${i} ${'x'.repeat(30)}`,
    );
    await writeFile(
      path,
      `Nr;Name\n${rows.join('\n')}\nK60;"never closed\nK61;x\nK62;y\n`,
    );
    const format = delimited({ delimiter: ';' });
    async function rowsBeforeFailure(thread: boolean): Promise<unknown[]> {
      const source = await open(path, format, thread, { batchSize: 250 });
      const seen: unknown[] = [];
      try {
        for await (const batch of source.batches) {
          seen.push(...batch.rows.map((r) => r.cells[0]));
          // Slow: the worker has read to the end, failure included, while batches wait.
          await setTimeout(20);
        }
      } catch (e) {
        seen.push((e as { code?: unknown }).code);
      } finally {
        await source.close();
      }
      return seen;
    }
    const inThread = await rowsBeforeFailure(false);
    expect(inThread.at(-1)).toBe('PARSE_FAILED');
    expect(inThread).toContain('K4999');
    expect(await rowsBeforeFailure(true)).toEqual(inThread);
  });

  it('a missing file fails with the same AppError from the thread', async () => {
    const path = join(dir, 'gone.csv');
    const inThread = await failureOf(path, delimited(), false);
    expect(inThread).not.toBeNull();
    expect(await failureOf(path, delimited(), true)).toEqual(inThread);
  });

  it('an abort while reading rejects the batch iterator with the abort reason and stops the worker', async () => {
    const path = join(dir, 'big.csv');
    const rows = Array.from({ length: 20_000 }, (_, i) => `K${i};Name ${i}`);
    await writeFile(path, `Nr;Name\n${rows.join('\n')}\n`);
    const controller = new AbortController();
    const source = await open(path, delimited({ delimiter: ';' }), true, {
      batchSize: 10,
      signal: controller.signal,
    });
    let batches = 0;
    const reason = new Error('stop now');
    await expect(
      (async () => {
        for await (const batch of source.batches) {
          expect(batch.rows).toHaveLength(10);
          batches++;
          if (batches === 3) {
            controller.abort(reason);
          }
        }
      })(),
    ).rejects.toBe(reason);
    expect(batches).toBe(3);
    await source.close();
  });

  it('closing before the last batch releases the worker (no hang, no error)', async () => {
    const path = join(dir, 'early-close.csv');
    const rows = Array.from({ length: 20_000 }, (_, i) => `K${i};Name ${i}`);
    await writeFile(path, `Nr;Name\n${rows.join('\n')}\n`);
    const source = await open(path, delimited({ delimiter: ';' }), true, {
      batchSize: 10,
    });
    for await (const batch of source.batches) {
      expect(batch.rows[0]?.cells[0]).toBe('K0');
      break;
    }
    await source.close();
    await source.close();
  });
});
