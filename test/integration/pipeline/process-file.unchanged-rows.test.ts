import { rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type {
  FileOutcome,
  ImportMode,
} from '../../../src/domain/file-outcome.js';
import {
  FormatDefinitionSchema,
  type FormatDefinition,
} from '../../../src/formats/format-definition.js';
import { NULL_LOGGER } from '../../../src/logging/logger.js';
import { parserFactory } from '../../../src/pipeline/parser-factory.js';
import { processFile } from '../../../src/pipeline/process-file.js';
import { createSourceRowHasher } from '../../../src/pipeline/source-rows.js';
import type { ImportOptions } from '../../../src/pipeline/import-options.js';
import { BACKENDS, type BackendDatabase } from '../../helpers/backends.js';
import { rawSql } from '../../helpers/raw-sql.js';
import { makeTempDir } from '../../helpers/temp-dir.js';
import { runMeta, summary } from '../store/store-fixtures.js';

/**
 * Re-importing rows the store already holds as they left it (pipeline/source-rows.ts): they are
 * settled from their key and row hash, before validation, with the same counts, warnings, modes
 * and last transfer as the full path gives; anything that changes what a row becomes (the
 * format, the store's state of the customer) sends it through the full path again.
 */

const PARSERS = parserFactory({
  excel: { maxHeapMb: 256, timeoutSeconds: 60, maxFileBytes: 10 * 1024 ** 2 },
});

const HEADER = 'Nr;Name;USt-IdNr;Gesperrt;Geändert';

function format(overrides: Record<string, unknown> = {}): FormatDefinition {
  return FormatDefinitionSchema.parse({
    id: 'erp',
    type: 'delimited',
    delimiter: ';',
    duplicateKeys: 'last-wins',
    dateTimeFormat: 'dd.MM.yyyy HH:mm',
    timeZone: 'Europe/Berlin',
    trueValues: ['Ja'],
    falseValues: ['Nein'],
    columns: [
      {
        source: 'Nr',
        field: 'customerNo',
        required: true,
        transforms: ['trim', 'upper'],
      },
      { source: 'Name', field: 'name', required: true },
      { source: 'USt-IdNr', field: 'vatId' },
      { source: 'Gesperrt', field: 'blocked', type: 'boolean' },
      { source: 'Geändert', field: 'lastModified', type: 'datetime' },
    ],
    ...overrides,
  });
}

const [K1, K2, K3] = [
  'k1;Alpha;;Nein;01.11.2026 10:00',
  'k2;Beta;;Nein;02.11.2026 10:00',
  'k3;Gamma;;Ja;03.11.2026 10:00',
] as const;
const ROWS = [K1, K2, K3];

for (const backend of BACKENDS) {
  describe(`${backend.name}: re-imported rows are settled before validation`, () => {
    let db: BackendDatabase;
    let dir: string;
    let files = 0;

    beforeEach(async () => {
      db = await backend.create();
      dir = await makeTempDir('unchanged-rows-');
    });
    afterEach(async () => {
      await db.cleanup();
      await rm(dir, { recursive: true, force: true });
    });

    /** Imports the rows as a new file (its own name, so never a duplicate of an earlier one). */
    async function run(
      rows: readonly string[],
      options: {
        fmt?: FormatDefinition;
        mode?: ImportMode;
        importOptions?: ImportOptions;
        header?: string;
        /** Read the file in the parse thread (row-source.ts), however small it is. */
        thread?: boolean;
        /** Milliseconds each progress report takes (a slow progress bar): the worker runs ahead. */
        slowProgressMs?: number;
      } = {},
    ): Promise<FileOutcome> {
      files++;
      const path = join(dir, `customers-${files}.csv`);
      await writeFile(
        path,
        `${options.header ?? HEADER}\n${rows.join('\n')}\n`,
        'utf8',
      );
      const fmt = options.fmt ?? format();
      return processFile(
        {
          path,
          displayName: `customers-${files}.csv`,
          format: fmt,
          mode: options.mode ?? 'update',
          job: null,
          // The same content may come again in these tests: that is the point.
          force: true,
          ...(options.importOptions ? { options: options.importOptions } : {}),
        },
        {
          store: db.store,
          logger: NULL_LOGGER,
          parserFor: () => PARSERS(fmt),
          instance: 'test',
          batchSize: 2,
          maxFileBytes: 1024 ** 2,
          defaultTimeZone: 'UTC',
          parseThreadMinBytes: options.thread === true ? 0 : Infinity,
          ...(options.slowProgressMs === undefined
            ? {}
            : { onProgress: () => busyWait(options.slowProgressMs ?? 0) }),
        },
      );
    }

    /** Runs one statement on the database behind the store's back (`?` for each parameter). */
    async function rawUpdate(sql: string, params: string[]): Promise<void> {
      await rawSql(db.config, sql, params);
    }

    /**
     * Stores, as the customer's row hash, the hash a run of `run()` gives `line` (the pipeline's
     * fingerprint: the format, the header, UTC, no classes), so that line is settled next time.
     */
    const storeRowHashOf = (
      key: string,
      line: string,
      fmt: FormatDefinition,
      header: string,
    ): Promise<void> => {
      const hashOf = createSourceRowHasher({
        format: fmt,
        header: header.split(';'),
        defaultTimeZone: 'UTC',
        customerClasses: {},
        defaultClass: undefined,
      });
      return rawUpdate('UPDATE @customers SET row_hash = ? WHERE key = ?', [
        hashOf(line.split(';')),
        key,
      ]);
    };

    /**
     * Changes a stored name, leaving the row hash as it is (and making the content hash one no
     * record has, so a content compare sees the change).
     */
    const tamperName = (key: string, name: string): Promise<void> =>
      rawUpdate(
        "UPDATE @customers SET data = ?, content_hash = 'tampered' WHERE key = ?",
        [JSON.stringify({ customerNo: key, name, blocked: false }), key],
      );

    const nameOf = async (key: string): Promise<unknown> =>
      (await db.store.getCustomer(key))?.customer.data['name'];

    it('settles the same rows from their key and row hash: counted unchanged, not validated, not written', async () => {
      const first = await run(ROWS);
      expect(first.counts).toMatchObject({ read: 3, inserted: 3 });
      const again = await run(ROWS);
      expect(again.status).toBe('imported');
      expect(again.counts).toMatchObject({
        read: 3,
        inserted: 0,
        updated: 0,
        unchanged: 3,
        skipped: 0,
        warnings: 0,
      });

      // Proof that a settled row is not validated: give K1 the row hash of a row without its
      // required name. Validated, that row is an error; settled, it is unchanged.
      const nameless = 'k1;;;Nein;01.11.2026 10:00';
      await storeRowHashOf('K1', nameless, format(), HEADER);
      const settled = await run([nameless, K2, K3]);
      expect(settled.counts).toMatchObject({ unchanged: 3, skipped: 0 });
      expect(await nameOf('K1')).toBe('Alpha');

      // A changed row takes the full path and is written; its neighbours are still settled.
      const changed = await run([K1, 'k2;Beta neu;;Nein;05.11.2026 10:00', K3]);
      expect(changed.counts).toMatchObject({ unchanged: 2, updated: 1 });
      expect(await nameOf('K2')).toBe('Beta neu');
    });

    it('hashes rows read in the parse thread as on the pipeline thread: either way they are settled', async () => {
      const first = await run(ROWS, { thread: true });
      expect(first.counts).toMatchObject({ read: 3, inserted: 3 });
      // Row hashes the worker stored settle rows read on the pipeline's thread, and back.
      expect((await run(ROWS)).counts).toMatchObject({ unchanged: 3 });
      const nameless = 'k1;;;Nein;01.11.2026 10:00';
      await storeRowHashOf('K1', nameless, format(), HEADER);
      const settled = await run([nameless, K2, K3], { thread: true });
      expect(settled.counts).toMatchObject({ unchanged: 3, skipped: 0 });
      expect(await nameOf('K1')).toBe('Alpha');

      // Changed and invalid rows take the full path, with the same counts and issues.
      const rows = [
        K1,
        'k2;Beta neu;;Nein;05.11.2026 10:00',
        'k9;;;Nein;kaputt',
      ];
      const threaded = await run(rows, { thread: true });
      expect(threaded.counts).toMatchObject({
        unchanged: 1,
        updated: 1,
        skipped: 1,
      });
      expect(await nameOf('K2')).toBe('Beta neu');
      const inThread = await run(rows);
      expect(inThread.counts).toMatchObject({
        ...threaded.counts,
        updated: 0,
        unchanged: 2,
      });
      expect(inThread.issues).toEqual(threaded.issues);
      expect(
        [...threaded.issues].map((i) => [i.line, i.column, i.code]),
      ).toEqual([
        [4, 'Name', 'REQUIRED_MISSING'],
        [4, 'Geändert', 'INVALID_DATETIME'],
      ]);
    });

    it('settles rows with the key, hash and last-modified value the parse thread gave them', async () => {
      // 60 rows in batches of 2 behind a slow progress bar: from about the fifth batch on the
      // worker is ahead and sends each row's facts with it (parse-worker.ts). Where it is not,
      // the pipeline computes them; the counts below hold either way.
      const rows = Array.from(
        { length: 60 },
        (_, i) =>
          `k${i + 1};Name ${i + 1};;Nein;${String((i % 28) + 1).padStart(2, '0')}.10.2026 10:00`,
      );
      const slow = { thread: true, slowProgressMs: 3 } as const;
      expect((await run(rows, slow)).counts).toMatchObject({ inserted: 60 });
      expect(await db.store.findLastTransfer('erp')).toBe(
        '2026-10-28T09:00:00.000Z',
      );
      // Proof that late rows are settled: K50 gets the row hash of a row without its name.
      const nameless = 'k50;;;Nein;22.10.2026 10:00';
      expect(rows[49]).toBe('k50;Name 50;;Nein;22.10.2026 10:00');
      await storeRowHashOf('K50', nameless, format(), HEADER);
      const withNameless = [...rows.slice(0, 49), nameless, ...rows.slice(50)];
      // changed-since a point in the middle: each settled row's own date decides, so a date
      // given to the wrong row shows in the counts.
      const since = await run(
        [...withNameless, 'k61;Neu;;Nein;29.10.2026 10:00'],
        {
          ...slow,
          mode: 'changed-since',
          importOptions: { since: '2026-10-15T12:00:00.000Z' },
        },
      );
      // Days 16–28 (26 rows, K50 among them) are newer than the point: settled as unchanged.
      expect(since.counts).toMatchObject({
        read: 61,
        notChanged: 34,
        unchanged: 26,
        inserted: 1,
        skipped: 0,
      });
      expect(await db.store.findLastTransfer('erp')).toBe(
        '2026-10-29T09:00:00.000Z',
      );
      const update = await run(withNameless, slow);
      expect(update.counts).toMatchObject({ unchanged: 60, skipped: 0 });
      expect(await nameOf('K50')).toBe('Name 50');
    });

    it('validates every row again once the format changes what a row becomes', async () => {
      await run(ROWS);
      await tamperName('K1', 'Changed elsewhere');
      const other = format({ decimalSeparator: ',' });
      const again = await run(ROWS, { fmt: other });
      // K1 is compared by content now: the file's name is written back.
      expect(again.counts).toMatchObject({ updated: 1, unchanged: 2 });
      expect(await nameOf('K1')).toBe('Alpha');
    });

    it('gives a settled row its last-modified value: the last transfer, and changed-since', async () => {
      const first = await run(ROWS);
      expect(first.status).toBe('imported');
      expect(await db.store.findLastTransfer('erp')).toBe(
        '2026-11-03T09:00:00.000Z',
      );
      const since = await run([...ROWS, 'k4;Delta;;Nein;04.11.2026 10:00'], {
        mode: 'changed-since',
      });
      expect(since.counts).toMatchObject({
        read: 4,
        notChanged: 3,
        inserted: 1,
        unchanged: 0,
      });
      expect(await db.store.findLastTransfer('erp')).toBe(
        '2026-11-04T09:00:00.000Z',
      );
    });

    it('keeps a type conflict reported on every import', async () => {
      await run(ROWS);
      // K2 was derived B2C; a VAT number now says B2B, which is refused and reported.
      const conflicting = [K1, 'k2;Beta;DE123456789;Nein;02.11.2026 10:00', K3];
      const first = await run(conflicting);
      expect(first.counts).toMatchObject({ updated: 1, warnings: 1 });
      const again = await run(conflicting);
      expect(again.counts).toMatchObject({ unchanged: 3, warnings: 1 });
      expect([...again.issues].map((i) => i.code)).toEqual([
        'TYPE_CHANGE_IGNORED',
      ]);
    });

    it('still reports a key that comes twice, and the last row wins', async () => {
      const rows = [...ROWS, 'K1;Alpha zwei;;Nein;01.11.2026 11:00'];
      const first = await run(rows);
      expect(first.counts).toMatchObject({ warnings: 1 });
      const again = await run(rows);
      expect(again.counts).toMatchObject({ warnings: 1, skipped: 0 });
      expect(
        [...again.issues].filter((i) => i.code === 'DUPLICATE_KEY'),
      ).toHaveLength(2);
      expect(await nameOf('K1')).toBe('Alpha zwei');
    });

    it('rebuild: a settled row counts as present, and a deactivated customer that comes back is reactivated', async () => {
      await run(ROWS, { mode: 'rebuild' });
      const without = await run(ROWS.slice(0, 2), {
        mode: 'rebuild',
        importOptions: { maxDeactivatePercent: 50 },
      });
      expect(without.counts).toMatchObject({ unchanged: 2, deactivated: 1 });
      expect((await db.store.getCustomer('K3'))?.customer.status).toBe(
        'deactivated',
      );

      const back = await run(ROWS, { mode: 'rebuild' });
      expect(back.counts).toMatchObject({
        unchanged: 2,
        updated: 1,
        reactivated: 1,
        deactivated: 0,
      });
      // K3's row asks for blocked (Gesperrt = Ja), as when it was first imported.
      expect((await db.store.getCustomer('K3'))?.customer.status).toBe(
        'blocked',
      );
      expect((await db.store.getCustomer('K1'))?.customer.status).toBe(
        'active',
      );
    });

    it('validates a row with an unknown customer class on every import: the notice stays', async () => {
      const importOptions: ImportOptions = {
        customerClasses: { RETAIL: { paymentTerms: '14T' } },
        defaultClass: 'UNDEFINED',
      };
      const notice =
        "Customer class 'UNDEFINED' is not defined in customerClasses; its rows got no class defaults.";
      const first = await run(ROWS, { importOptions });
      expect(first.notices).toContain(notice);
      // Settled rows would not reach the rules that give the notice.
      const again = await run(ROWS, { importOptions });
      expect(again.notices).toContain(notice);
      expect(again.counts).toMatchObject({ unchanged: 3 });
    });

    it('checks the salesperson codes of settled rows too when the store has sales agents', async () => {
      const agents = await db.store.beginImport(
        runMeta('agents', { source: 'agents' }),
        { dryRun: false, force: false },
      );
      await agents.applyEntityBatch('salesAgent', [
        {
          customerKey: null,
          key: 'MK',
          fields: { salespersonCode: 'MK', name: 'Martina Köhler' },
          line: 2,
        },
      ]);
      await agents.commit(summary());
      const fmt = format({
        columns: [
          ...format().columns,
          { source: 'Verkäufer', field: 'salespersonCode' },
        ],
      });
      const header = `${HEADER};Verkäufer`;
      const rows = [`${K1};MK`, `${K2};XX`, `${K3};`] as const;
      const first = await run(rows, { fmt, header });
      // Settled (K2's stored row hash is that of its nameless variant, which validation would
      // refuse), and its code still checked.
      const namelessK2 = 'k2;;;Nein;02.11.2026 10:00;XX';
      await storeRowHashOf('K2', namelessK2, fmt, header);
      const again = await run([rows[0], namelessK2, rows[2]], { fmt, header });
      for (const outcome of [first, again]) {
        expect(
          [...outcome.issues].map((i) => [i.line, i.code, i.value]),
        ).toEqual([[3, 'UNKNOWN_REFERENCE', 'XX']]);
      }
      expect(again.counts).toMatchObject({ unchanged: 3, warnings: 1 });
    });
  });
}

/** Blocks the thread, as a slow synchronous progress callback would. */
function busyWait(ms: number): void {
  const until = performance.now() + ms;
  while (performance.now() < until) {
    // spin
  }
}
