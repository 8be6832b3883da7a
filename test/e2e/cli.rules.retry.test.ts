import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import BetterSqlite3 from 'better-sqlite3';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { TEST_CONFIG_YAML, runCli, writeTree } from '../helpers/run-cli.js';
import { makeTempDir } from '../helpers/temp-dir.js';
import {
  importRows,
  setUpProject,
  showCustomer,
} from './cli.modes.fixtures.js';

/**
 * Transient store errors through the CLI: another connection holds the SQLite write lock (as
 * another process would), so the run hits SQLITE_BUSY; the pipeline tries the whole run again
 * with capped back-off (config `retry`) before the import fails.
 */

const RETRY = `
retry: { maxRetries: 1, initialIntervalMs: 150, maxIntervalMs: 300, runRetries: 3 }
`;

let dir: string;
let locker: BetterSqlite3.Database | null = null;

beforeEach(async () => {
  dir = await makeTempDir();
  await setUpProject(dir, RETRY);
  // A short lock wait, so each attempt gives up quickly.
  await writeTree(dir, {
    'customer-import.config.yaml': `${TEST_CONFIG_YAML.replace('path: ./data/customers.db', 'path: ./data/customers.db\n  busyTimeoutMs: 50')}${RETRY}`,
  });
  // The first import creates and migrates the database.
  const first = await importRows(dir, 'first.csv', [{ no: 'K1' }]);
  expect(first.code).toBe(0);
});

afterEach(async () => {
  locker?.close();
  locker = null;
  await rm(dir, { recursive: true, force: true });
});

function holdWriteLock(): BetterSqlite3.Database {
  const db = new BetterSqlite3(join(dir, 'data', 'customers.db'));
  db.exec('BEGIN IMMEDIATE');
  return db;
}

describe('retries of transient store errors', () => {
  it('a busy SQLite store is retried with back-off until the lock goes, then the file is imported', async () => {
    locker = holdWriteLock();
    const held = locker;
    // Released after the first attempts failed, while the pipeline waits to try again.
    const release = setTimeout(() => held.exec('ROLLBACK'), 250);
    try {
      const result = await importRows(dir, 'second.csv', [
        { no: 'K1' },
        { no: 'K2' },
      ]);
      expect(result.code, JSON.stringify(result.json)).toBe(0);
      expect(result.json).toMatchObject({
        outcome: 'imported',
        inserted: 1,
        unchanged: 1,
      });
      expect(result.json.notices.join('\n')).toMatch(
        /the store was unavailable; the run was tried [2-4] times\./i,
      );
    } finally {
      clearTimeout(release);
    }
    expect((await showCustomer(dir, 'K2')).customer.status).toBe('active');
  });

  it('gives up after the configured retries and fails the run, nothing written', async () => {
    locker = holdWriteLock();
    const result = await importRows(dir, 'second.csv', [{ no: 'K2' }]);
    expect(result.code).toBe(1);
    expect(result.json).toMatchObject({
      outcome: 'deferred',
      error: { code: 'STORE_UNAVAILABLE' },
    });
    expect(result.json.notices.join('\n')).toContain(
      'the run was tried 4 times, in vain',
    );
    locker.exec('ROLLBACK');
    expect((await runCli(['customers', 'show', 'K2'], { cwd: dir })).code).toBe(
      2,
    );
  });
});
