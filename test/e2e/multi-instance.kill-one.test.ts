import { readFile, readdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { NULL_LOGGER } from '../../src/logging/logger.js';
import { createStore } from '../../src/store/create-store.js';
import type { CustomerStore } from '../../src/store/customer-store.js';
import { sha256File } from '../../src/util/hash.js';
import {
  TEST_DATABASE_URL,
  createTestSchema,
  postgresAvailable,
} from '../helpers/postgres-db.js';
import type { TestSchema } from '../helpers/postgres-db.js';
import {
  createServiceProject,
  startServiceProcess,
  type ServiceProcess,
  type ServiceProject,
} from '../helpers/service-process.js';
import { sleep } from '../helpers/wait-for.js';

/**
 * Two real `customer-import watch` processes on one exchange folder and one PostgreSQL schema.
 * 200 files are dropped at once (40 of them byte-for-byte copies of others); in the middle, one
 * process is killed with SIGKILL while it holds claims. The other takes those claims over once
 * their heartbeat is older than claimTimeoutSeconds. In the end every file is in archive/, each
 * content has exactly one succeeded run (copies are recorded as duplicates), no run is left
 * running, and the customers are exactly the union of the files' rows.
 */

const RUN = postgresAvailable('two watcher processes on one folder');

const FILES = 200;
const COPIES = 40;
const ROWS_PER_FILE = 40;
const CLAIM_TIMEOUT_SECONDS = 2;

/** The row of customer n is the same in every file, so the final data does not depend on order. */
function customerLine(n: number): string {
  return `K${String(n).padStart(6, '0')};Customer ${n};Street ${n}\n`;
}

/** File i holds 40 customers; neighbouring files overlap by half, so both processes update the same rows. */
function fileContent(i: number): string {
  let text = '';
  const start = i * (ROWS_PER_FILE / 2);
  for (let n = start; n < start + ROWS_PER_FILE; n++) {
    text += customerLine(n);
  }
  return text;
}

let project: ServiceProject | undefined;
let schema: TestSchema | undefined;
let store: CustomerStore | undefined;
const processes: ServiceProcess[] = [];

afterEach(async () => {
  for (const proc of processes.splice(0)) {
    proc.kill('SIGKILL');
    await proc.exited;
  }
  await store?.close();
  store = undefined;
  await project?.dispose();
  project = undefined;
  await schema?.drop();
  schema = undefined;
});

async function dataFiles(dir: string): Promise<string[]> {
  try {
    return (await readdir(dir)).filter(
      (n) => n.startsWith('customers-') && n.endsWith('.txt'),
    );
  } catch {
    return [];
  }
}

describe.skipIf(!RUN)(
  'two watch processes on one exchange folder, one killed',
  () => {
    it('imports every file exactly once and takes over the claims of the killed process', async () => {
      const db = (schema = createTestSchema(TEST_DATABASE_URL ?? '', 'multi'));
      const p = (project = await createServiceProject({
        config: {
          instanceName: 'instance-a',
          store: db.config,
          // debug: file.parsed tells when a run is under way.
          logging: { level: 'debug', dir: './logs', file: false },
          retry: {
            maxRetries: 20,
            initialIntervalMs: 100,
            maxIntervalMs: 1000,
          },
        },
        job: {
          pattern: 'customers-*.txt',
          claimTimeoutSeconds: CLAIM_TIMEOUT_SECONDS,
        },
      }));
      // Instance B: the same config but its own name, and a longer stability window, so that A
      // claims first and is caught holding claims. (With the same window the first to poll took
      // all: on a loaded machine B claimed all 200 files before A claimed one.) B still takes
      // every file A has not claimed yet, and A's claims once A is dead.
      const configA = JSON.parse(await readFile(p.configPath, 'utf8')) as {
        jobs: Record<string, unknown>[];
      };
      const configB = join(p.root, 'customer-import.b.json');
      await writeFile(
        configB,
        JSON.stringify(
          {
            ...configA,
            instanceName: 'instance-b',
            jobs: configA.jobs.map((job) => ({
              ...job,
              stabilitySeconds: 1.5,
            })),
          },
          null,
          2,
        ),
      );

      const a = p.start();
      processes.push(a);
      await a.waitForEvent('service.started');
      const b = startServiceProcess({ cwd: p.root, config: configB });
      processes.push(b);
      await b.waitForEvent('service.started');

      // Drop all files at once: 160 distinct contents, then 40 copies of the first 40.
      const contents = Array.from({ length: FILES }, (_, i) =>
        fileContent(i < FILES - COPIES ? i : i - (FILES - COPIES)),
      );
      for (const [i, content] of contents.entries()) {
        await writeFile(
          join(p.exchange, `customers-${String(i).padStart(3, '0')}.txt`),
          content,
        );
      }

      // Kill A in the middle of an import (after a header match, before that run's end), so it
      // dies holding at least that claim, and usually queued ones too. Its first one: on a loaded
      // machine B may still claim every other file.
      await a.waitForEvent('file.parsed', undefined, 1, 60_000);
      a.kill('SIGKILL');
      expect((await a.exited).signal).toBe('SIGKILL');

      // B finishes everything, A's claims included once they went stale.
      const deadline = Date.now() + 60_000;
      for (;;) {
        const archived = await dataFiles(join(p.exchange, 'archive'));
        const failed = await dataFiles(join(p.exchange, 'failed'));
        const left = [
          ...(await dataFiles(p.exchange)),
          ...(await dataFiles(join(p.exchange, 'processing'))),
        ];
        if (archived.length + failed.length === FILES && left.length === 0) {
          break;
        }
        if (Date.now() > deadline) {
          throw new Error(
            `Not done after 60 s: ${archived.length} archived, ${failed.length} failed, left: ${left.join(', ')}\n` +
              `B stderr tail:\n${b.stderr().slice(-3000)}`,
          );
        }
        await sleep(200);
      }
      expect(await b.stop()).toEqual({ code: 0, signal: null });

      // Every dropped file is in archive/ exactly once (none failed: all are valid).
      const archived = await dataFiles(join(p.exchange, 'archive'));
      expect(await dataFiles(join(p.exchange, 'failed'))).toEqual([]);
      const originals = archived
        .map((n) => /^(customers-\d{3})\./.exec(n)?.[1])
        .sort();
      expect(originals).toEqual(
        Array.from(
          { length: FILES },
          (_, i) => `customers-${String(i).padStart(3, '0')}`,
        ),
      );

      // B took over what A held when it died.
      const takeovers = b.events(
        'file.recovered',
        (l) => l['reason'] === 'stale' && l['previousOwner'] === 'instance-a',
      );
      expect(takeovers.length).toBeGreaterThan(0);

      // Runs: exactly one succeeded run per distinct content, copies recorded as duplicates,
      // nothing left running (A's interrupted run was aborted by B's takeover).
      store = await createStore(db.config, { logger: NULL_LOGGER });
      const runs = await store.listRuns({ limit: 10_000 });
      const shas = new Set<string>();
      for (const name of archived) {
        shas.add(await sha256File(join(p.exchange, 'archive', name)));
      }
      expect(shas.size).toBe(FILES - COPIES);
      for (const sha of shas) {
        expect(
          runs.filter((r) => r.sha256 === sha && r.status === 'succeeded'),
        ).toHaveLength(1);
      }
      expect(runs.filter((r) => r.status === 'succeeded')).toHaveLength(
        FILES - COPIES,
      );
      expect(runs.filter((r) => r.status === 'running')).toEqual([]);
      const duplicates = runs.filter((r) => r.status === 'duplicate');
      expect(duplicates.length).toBeGreaterThanOrEqual(1);
      for (const dup of duplicates) {
        expect(runs.find((r) => r.id === dup.duplicateOfRunId)).toMatchObject({
          status: 'succeeded',
          sha256: dup.sha256,
        });
      }
      expect(new Set(runs.map((r) => r.instance))).toEqual(
        new Set(['instance-a', 'instance-b']),
      );

      // The store is the union of the files' rows.
      const expectedCount =
        (FILES - COPIES - 1) * (ROWS_PER_FILE / 2) + ROWS_PER_FILE;
      expect(await store.countCustomers()).toBe(expectedCount);
      const rows = await db.query<{
        key: string;
        data: Record<string, unknown>;
      }>(`SELECT key, data FROM ${db.schema}.customers`);
      for (const row of rows) {
        const n = Number(row.key.slice(1));
        expect(row.data).toEqual({
          customerNo: row.key,
          name: `Customer ${n}`,
          street: `Street ${n}`,
        });
      }
    }, 90_000);
  },
);
