import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import {
  lstat,
  mkdir,
  readdir,
  readFile,
  rename,
  rm,
  symlink,
  writeFile,
} from 'node:fs/promises';
import { join, relative, sep } from 'node:path';
import * as XLSX from 'xlsx';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  AppConfigSchema,
  type AppConfig,
} from '../../src/config/app-config.js';
import { loadFormats } from '../../src/formats/load-formats.js';
import {
  CapturingLogger,
  type CapturedLine,
} from '../../src/logging/logger.js';
import { createNotifier } from '../../src/notify/create-notifier.js';
import { createService, type Service } from '../../src/server/service.js';
import { createStore } from '../../src/store/create-store.js';
import type { CustomerStore } from '../../src/store/customer-store.js';
import { makeTempDir } from '../helpers/temp-dir.js';
import { writeTree } from '../helpers/run-cli.js';
import { zipBomb } from '../helpers/zip-bomb.js';

/**
 * Hostile files through the watch service, in-process on a temp exchange folder and a real
 * SQLite file. Each hostile drop must end in failed/ with its reports, leave the customers as
 * they were, and the service must go on to import the next good file. Entries that are not
 * regular files are left alone, and no file name can make us write outside archive/ or failed/.
 */

const CSV_FORMAT = `
id: csv
type: delimited
delimiter: ","
onInvalidRows:
  maxSkippedRows: 1
columns:
  - { source: customerNo, field: customerNo, required: true }
  - { source: name, field: name, required: true }
  - { source: email, field: email, type: email }
`;

const XLSX_FORMAT = `
id: xl
type: xlsx
columns:
  - { source: customerNo, field: customerNo, required: true }
  - { source: name, field: name, required: true }
`;

let root: string;
let exchange: string;
let logger: CapturingLogger;
let store: CustomerStore;
let service: Service | null;

function csv(rows: string[]): string {
  return `customerNo,name,email\r\n${rows.join('\r\n')}\r\n`;
}

async function startService(): Promise<void> {
  const config: AppConfig = AppConfigSchema.parse({
    formatsDir: join(root, 'formats'),
    store: { type: 'sqlite', path: join(root, 'data', 'customers.db') },
    excel: { maxHeapMb: 64, timeoutSeconds: 30 },
    logging: { file: false, dir: join(root, 'logs') },
    retry: { maxRetries: 0, initialIntervalMs: 50, maxIntervalMs: 100 },
    jobs: [
      {
        name: 'text',
        folder: exchange,
        pattern: ['*.csv', '*.txt'],
        format: 'csv',
        stabilitySeconds: 0.2,
      },
      {
        name: 'excel',
        folder: exchange,
        pattern: '*.xlsx',
        format: 'xl',
        stabilitySeconds: 0.2,
      },
    ],
  });
  logger = new CapturingLogger();
  store = await createStore(config.store, { logger });
  const formats = await loadFormats(config.formatsDir);
  service = createService(config, {
    store,
    formats,
    logger,
    notifier: createNotifier(config.notify, { logger, instance: 'test' }),
  });
  await service.start();
}

beforeEach(async () => {
  root = await makeTempDir('hostile-service-');
  exchange = join(root, 'exchange');
  await mkdir(exchange, { recursive: true });
  await writeTree(root, {
    'formats/csv.yaml': CSV_FORMAT,
    'formats/xl.yaml': XLSX_FORMAT,
  });
  service = null;
  await startService();
});

afterEach(async () => {
  await service?.stop(5000);
  await store.close();
  await rm(root, { recursive: true, force: true });
});

/** Waits for the line that says where `name` went: `archive` or `failed`. */
async function settled(
  name: string,
  timeoutMs = 30_000,
): Promise<CapturedLine> {
  return logger.waitFor(
    (l) => l.meta.event === 'file.archived' && l.meta['file'] === name,
    timeoutMs,
  );
}

async function customerKeys(): Promise<string[]> {
  return (await store.listCustomers({ limit: 1000 }))
    .map((c) => c.key ?? `#${c.id}`)
    .sort();
}

async function drop(name: string, content: string | Buffer): Promise<void> {
  // Written under a temp name the watcher ignores, then renamed into place, as careful ERPs do.
  const temp = join(exchange, `${name}.part`);
  await writeFile(temp, content);
  await rename(temp, join(exchange, name));
}

/** Every path under `dir`, relative to it, directories marked with a trailing separator. */
async function tree(dir: string): Promise<string[]> {
  const out: string[] = [];
  for (const entry of await readdir(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) {
      out.push(`${relative(root, path)}${sep}`, ...(await tree(path)));
    } else {
      out.push(relative(root, path));
    }
  }
  return out.sort();
}

// --- hostile payloads -----------------------------------------------------------------------

function workbook(rows: unknown[][]): Buffer {
  const book = XLSX.utils.book_new();
  XLSX.utils.book_append_sheet(book, XLSX.utils.aoa_to_sheet(rows), 'Kunden');
  return XLSX.write(book, {
    type: 'buffer',
    bookType: 'xlsx',
    compression: true,
  }) as Buffer;
}

function pseudoRandomBytes(length: number): Buffer {
  const bytes = Buffer.alloc(length);
  for (let i = 0; i < length; i++) {
    bytes[i] = (i * 7919 + 13) % 256;
  }
  return bytes;
}

// -------------------------------------------------------------------------------------------

describe('service: hostile files go to failed/ and the service carries on', () => {
  const HOSTILE: {
    name: string;
    content: () => Buffer | string;
    code: string;
    message: string;
  }[] = [
    {
      name: 'bomb.xlsx',
      content: () => zipBomb(64),
      code: 'RESOURCE_LIMIT',
      message: "Workbook 'bomb.xlsx' needs more than 64 MB to read",
    },
    {
      name: 'text.xlsx',
      content: () => csv(['K1,Evil,']),
      code: 'PARSE_FAILED',
      message: "'text.xlsx' is not an Excel workbook (xlsx or xls)",
    },
    {
      name: 'zip.txt',
      content: () =>
        workbook([
          ['customerNo', 'name'],
          ['K1', 'Evil'],
        ]),
      code: 'PARSE_FAILED',
      message: 'it looks like a ZIP archive',
    },
    {
      name: 'binary.txt',
      content: () => pseudoRandomBytes(8192),
      code: 'PARSE_FAILED',
      message: "'binary.txt' is a binary file, not text",
    },
    {
      name: 'nul.csv',
      content: () => csv(['K1,Al\u0000pha,']),
      code: 'PARSE_FAILED',
      message: '(line 2)',
    },
    {
      name: 'long-line.csv',
      content: () =>
        `customerNo,name,email\r\nK1,${'x'.repeat(50 * 1024 * 1024)}\r\n`,
      code: 'PARSE_FAILED',
      message: 'line 2',
    },
    {
      name: 'quote.csv',
      content: () =>
        csv([
          'K1,"Alpha,',
          ...Array.from({ length: 300 }, (_, i) => `K${i + 2},Name ${i},`),
        ]),
      code: 'PARSE_FAILED',
      message: 'the quote opened on line 2 is never closed',
    },
  ];

  it('moves each hostile file to failed/ with its reports, writes no customer, and imports the next good file', async () => {
    await drop('first.csv', csv(['K1,Alpha GmbH,a@example.com']));
    expect((await settled('first.csv')).meta['folder']).toBe('archive');
    const keysBefore = await customerKeys();
    expect(keysBefore).toEqual(['K1']);

    for (const hostile of HOSTILE) {
      await drop(hostile.name, hostile.content());
      const line = await settled(hostile.name, 60_000);
      expect(line.meta, hostile.name).toMatchObject({
        folder: 'failed',
        code: hostile.code,
      });
      const movedAs = String(line.meta['movedAs']);
      const failedDir = join(exchange, 'failed');
      expect(existsSync(join(failedDir, movedAs))).toBe(true);
      const explanation = await readFile(
        join(failedDir, `${movedAs}.error.txt`),
        'utf8',
      );
      expect(explanation).toContain(`File:      ${hostile.name}`);
      expect(explanation).toContain(`Error (${hostile.code}):`);
      expect(explanation).toContain(hostile.message);
      expect(explanation).toContain(
        'Nothing from this file was written to the database.',
      );
      expect(await customerKeys()).toEqual(keysBefore);
    }
    // Nothing is left behind in the drop folder or in processing/.
    expect(
      (await readdir(exchange)).filter(
        (n) => !['archive', 'failed', 'processing'].includes(n),
      ),
    ).toEqual([]);
    expect(await readdir(join(exchange, 'processing'))).toEqual([]);

    // Still alive: the next good file of each kind goes in.
    await drop('next.csv', csv(['K2,Beta AG,b@example.com']));
    await drop(
      'next.xlsx',
      workbook([
        ['customerNo', 'name'],
        ['K3', 'Gamma KG'],
      ]),
    );
    expect((await settled('next.csv')).meta['folder']).toBe('archive');
    expect((await settled('next.xlsx')).meta['folder']).toBe('archive');
    expect(await customerKeys()).toEqual(['K1', 'K2', 'K3']);
    const runs = await store.listRuns({ limit: 100 });
    expect(runs.filter((r) => r.status === 'failed')).toHaveLength(
      HOSTILE.length,
    );
  }, 180_000);

  it('writes CSV-injection values neutralised into errors.csv in archive/ and failed/, and stores them as text', async () => {
    const partial = csv([
      'K1,=HYPERLINK("http://x"),@SUM(A1)',
      'K2,+1,ok@example.com',
      'K3,-1+1,',
    ]);
    await drop('partial.csv', partial);
    const archived = await settled('partial.csv');
    expect(archived.meta['folder']).toBe('archive');
    const archivedReport = await readFile(
      join(
        exchange,
        'archive',
        `${String(archived.meta['archivedAs'])}.errors.csv`,
      ),
    );

    await drop(
      'rejected.csv',
      csv(['K4,Delta,=HYPERLINK("http://x")', 'K5,Echo,-1+1', 'K6,Fox,+1']),
    );
    const failed = await settled('rejected.csv');
    expect(failed.meta).toMatchObject({
      folder: 'failed',
      code: 'TOO_MANY_INVALID_ROWS',
    });
    const failedReport = await readFile(
      join(exchange, 'failed', `${String(failed.meta['movedAs'])}.errors.csv`),
    );

    for (const bytes of [archivedReport, failedReport]) {
      const text = bytes.toString('utf8');
      expect(
        text.startsWith(
          '\uFEFFline,column,cell,value,code,severity,message\r\n',
        ),
      ).toBe(true);
      // No field, quoted or not, starts with a character a spreadsheet would evaluate.
      expect(text).not.toMatch(/(^|,|\r\n|\uFEFF)"?[=+\-@]/);
    }
    expect(archivedReport.toString('utf8')).toContain(
      "2,email,,'@SUM(A1),INVALID_EMAIL,error,",
    );
    expect(failedReport.toString('utf8')).toContain(
      `2,email,,"'=HYPERLINK(""http://x"")",INVALID_EMAIL,error,`,
    );
    expect(failedReport.toString('utf8')).toContain(
      "3,email,,'-1+1,INVALID_EMAIL,error,",
    );
    expect(failedReport.toString('utf8')).toContain(
      "4,email,,'+1,INVALID_EMAIL,error,",
    );

    expect(await customerKeys()).toEqual(['K2', 'K3']);
    const k2 = await store.getCustomer('K2');
    expect(k2?.customer.data['name']).toBe('+1');
    expect((await store.getCustomer('K3'))?.customer.data['name']).toBe('-1+1');
  });
});

describe('service: entries that are not regular files are left alone', () => {
  it('never follows, reads or moves a symlink, a FIFO or a directory under the watched name', async () => {
    const secret = join(root, 'secret.csv');
    const secretContent = csv(['S1,Secret Customer,']);
    await writeFile(secret, secretContent);
    await symlink(secret, join(exchange, 'link.csv'));
    execFileSync('mkfifo', [join(exchange, 'pipe.csv')]);
    await mkdir(join(exchange, 'folder.csv'));
    await writeFile(
      join(exchange, 'folder.csv', 'inner.csv'),
      csv(['D1,Inside a folder,']),
    );

    const ignored = async (name: string): Promise<CapturedLine> =>
      logger.waitFor(
        (l) => l.meta.event === 'file.ignored' && l.meta['file'] === name,
        10_000,
      );
    const [link, fifo, folder] = await Promise.all([
      ignored('link.csv'),
      ignored('pipe.csv'),
      ignored('folder.csv'),
    ]);
    expect(link.level).toBe('warn');
    expect([link.meta['kind'], fifo.meta['kind'], folder.meta['kind']]).toEqual(
      ['symlink', 'fifo', 'directory'],
    );

    // A good file after them is imported as usual (and proves the service is not stuck on the FIFO).
    await drop('good.csv', csv(['G1,Good,']));
    expect((await settled('good.csv')).meta['folder']).toBe('archive');
    await service?.whenIdle();

    expect((await lstat(join(exchange, 'link.csv'))).isSymbolicLink()).toBe(
      true,
    );
    expect((await lstat(join(exchange, 'pipe.csv'))).isFIFO()).toBe(true);
    expect((await lstat(join(exchange, 'folder.csv'))).isDirectory()).toBe(
      true,
    );
    expect(await readFile(secret, 'utf8')).toBe(secretContent);
    expect(await customerKeys()).toEqual(['G1']);
    expect(await readdir(join(exchange, 'failed')).catch(() => [])).toEqual([]);
    expect(
      (await readdir(join(exchange, 'archive'))).every((n) =>
        n.startsWith('good.'),
      ),
    ).toBe(true);
    expect(
      logger.lines
        .filter((l) => l.meta.event === 'file.claimed')
        .map((l) => l.meta['file']),
    ).toEqual(['good.csv']);
  });
});

describe('service: file names never lead outside archive/ and failed/', () => {
  const NAMES = [
    '..csv',
    '...csv',
    'a..b.csv',
    'with spaces  .csv',
    'kündenliste ÄÖÜ 客户.csv',
    '$(touch pwned).csv',
    '`touch pwned2`.csv',
    'a; rm -rf ~; b.csv',
    '-rf.csv',
    'line\nbreak.csv',
    '<>:"|?*.csv',
  ];

  it('archives good and bad files under sanitised names, and writes nowhere else', async () => {
    const cwdBefore = await readdir(process.cwd());
    // Backslashes separate folders on the Windows side of a share: `*.csv` never matches such a
    // name, so the file is never read or moved (and cannot name a folder above us either).
    const backslashed = '..\\..\\..\\evil.csv';
    await drop(backslashed, csv(['E1,Evil,']));
    const before = await tree(root);
    for (const [i, name] of NAMES.entries()) {
      // Even entries are good files, odd ones are rejected (every row invalid), so both folders are used.
      const content =
        i % 2 === 0 ? csv([`N${i},Name ${i},`]) : csv([`N${i},,`, `M${i},,`]);
      await drop(name, content);
    }
    const outcomes = await Promise.all(NAMES.map((name) => settled(name)));
    expect(outcomes.map((l) => l.meta['folder'])).toEqual(
      NAMES.map((_, i) => (i % 2 === 0 ? 'archive' : 'failed')),
    );
    await service?.whenIdle();

    const after = await tree(root);
    const added = after.filter((p) => !before.includes(p));
    const allowed = [
      `exchange${sep}archive${sep}`,
      `exchange${sep}failed${sep}`,
      `exchange${sep}processing${sep}`,
      `data${sep}`,
    ];
    expect(
      added.filter((p) => !allowed.some((a) => p === a || p.startsWith(a))),
    ).toEqual([]);
    expect(await readdir(join(exchange, 'processing'))).toEqual([]);
    // Every moved name is one plain entry of its folder: no separators, no leading dot, no control characters.
    for (const folder of ['archive', 'failed']) {
      for (const name of await readdir(join(exchange, folder))) {
        expect(name).not.toMatch(/^\.|[/\\\p{Cc}<>:"|?*]/u);
      }
    }
    expect(await readFile(join(exchange, backslashed), 'utf8')).toBe(
      csv(['E1,Evil,']),
    );
    expect(existsSync(join(root, 'evil.csv'))).toBe(false);
    expect(existsSync(join(root, 'pwned'))).toBe(false);
    expect(existsSync(join(exchange, 'pwned'))).toBe(false);
    expect(await readdir(process.cwd())).toEqual(cwdBefore);
    expect(await customerKeys()).toEqual(
      NAMES.map((_, i) => `N${i}`)
        .filter((_, i) => i % 2 === 0)
        .sort(),
    );
  }, 60_000);
});
