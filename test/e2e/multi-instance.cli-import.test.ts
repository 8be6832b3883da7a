import { rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  TEST_DATABASE_URL,
  createTestSchema,
  postgresAvailable,
} from '../helpers/postgres-db.js';
import type { TestSchema } from '../helpers/postgres-db.js';
import { runCli, runCliJson, writeTree } from '../helpers/run-cli.js';
import { makeTempDir } from '../helpers/temp-dir.js';

/**
 * The CLI on PostgreSQL, end to end through `main()`: the store comes from
 * CUSTOMER_IMPORT_DATABASE_URL (the schema from the config file), and two "instances" importing
 * the same export at the same moment commit it once: the other run is a duplicate.
 */

const RUN = postgresAvailable('CLI import on PostgreSQL');

const FORMAT = `
id: plain
type: delimited
encoding: utf-8
delimiter: ";"
key: customerNo
columns:
  - { source: "No", field: customerNo, required: true }
  - { source: "Name", field: name, required: true }
  - { source: "City", field: city }
`;

interface ImportJson {
  runId: number | null;
  status: string;
  outcome: string;
  read: number;
  inserted: number;
  updated: number;
  unchanged: number;
  duplicateOfRunId: number | null;
}

describe.skipIf(!RUN)('import on PostgreSQL from two instances', () => {
  let dir: string;
  let db: TestSchema;

  beforeEach(async () => {
    dir = await makeTempDir('cli-pg-');
    db = createTestSchema(TEST_DATABASE_URL ?? '', 'cli');
    await writeTree(dir, {
      'customer-import.config.yaml': `formatsDir: ./formats\nstore:\n  type: postgres\n  schema: ${db.schema}\nlogging:\n  level: warn\n  dir: ./logs\n  file: false\n`,
      'formats/plain.yaml': FORMAT,
    });
  });
  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
    await db.drop();
  });

  const env = (instance: string): Record<string, string> => ({
    CUSTOMER_IMPORT_DATABASE_URL: TEST_DATABASE_URL ?? '',
    CUSTOMER_IMPORT_INSTANCE: instance,
  });

  it('imports, updates, shows history and runs, and commits a file imported twice at once only once', async () => {
    await writeFile(
      join(dir, 'a.csv'),
      'No;Name;City\n1;Müller GmbH;Köln\n2;Beta;Bonn\n',
    );
    const first = await runCliJson<ImportJson>(
      ['import', 'a.csv', '--format', 'plain'],
      { cwd: dir, env: env('host-a') },
    );
    expect(first.code).toBe(0);
    expect(first.json).toMatchObject({
      status: 'succeeded',
      outcome: 'imported',
      read: 2,
      inserted: 2,
    });

    await writeFile(
      join(dir, 'b.csv'),
      'No;Name;City\n1;Müller GmbH;Köln\n2;Beta;Berlin\n3;Gamma;Hamburg\n',
    );
    const [fromA, fromB] = await Promise.all([
      runCliJson<ImportJson>(['import', 'b.csv', '--format', 'plain'], {
        cwd: dir,
        env: env('host-a'),
      }),
      runCliJson<ImportJson>(['import', 'b.csv', '--format', 'plain'], {
        cwd: dir,
        env: env('host-b'),
      }),
    ]);
    expect([fromA.code, fromB.code]).toEqual([0, 0]);
    const outcomes = [fromA.json, fromB.json].sort((x, y) =>
      x.outcome.localeCompare(y.outcome),
    );
    expect(outcomes.map((o) => o.outcome)).toEqual(['duplicate', 'imported']);
    expect(outcomes[1]).toMatchObject({
      inserted: 1,
      updated: 1,
      unchanged: 1,
    });
    expect(outcomes[0]?.duplicateOfRunId).toBe(outcomes[1]?.runId);

    const shown = await runCliJson<{
      customer: { data: Record<string, unknown> };
      history: { operation: string }[];
    }>(['customers', 'show', '2'], { cwd: dir, env: env('host-a') });
    expect(shown.json.customer.data).toEqual({
      customerNo: '2',
      name: 'Beta',
      city: 'Berlin',
    });
    expect(shown.json.history.map((h) => h.operation)).toEqual([
      'updated',
      'inserted',
    ]);

    const runs = await runCliJson<{ status: string; instance: string }[]>(
      ['runs', 'list'],
      { cwd: dir, env: env('host-a') },
    );
    expect(runs.json.filter((r) => r.status === 'succeeded')).toHaveLength(2);
    expect(runs.json.filter((r) => r.status === 'duplicate')).toHaveLength(1);
    const [row] = await db.query<{ n: number }>(
      `SELECT count(*)::int AS n FROM ${db.schema}.customers`,
    );
    expect(row?.n).toBe(3);
    // Plain output works on PostgreSQL too.
    expect(
      (await runCli(['customers', 'list'], { cwd: dir, env: env('host-a') }))
        .stdout,
    ).toContain('Gamma');
  });
});
