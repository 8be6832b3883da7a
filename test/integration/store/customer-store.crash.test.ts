import { spawn } from 'node:child_process';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { BACKENDS } from '../../helpers/backends.js';
import type { BackendDatabase } from '../../helpers/backends.js';
import {
  INSTANCE,
  importRun,
  record,
  snapshotCustomers,
} from './store-fixtures.js';

const HERE = dirname(fileURLToPath(import.meta.url));
const REPO_ROOT = resolve(HERE, '../../..');

/** Starts the child, waits for "ready <runId>", kills it with SIGKILL; returns the run id. */
async function importAndGetKilled(configJson: string): Promise<number> {
  const child = spawn(
    process.execPath,
    ['--import', 'tsx', join(HERE, 'crash-child.ts'), configJson, INSTANCE],
    {
      cwd: REPO_ROOT,
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  let stdout = '';
  let stderr = '';
  child.stderr.on('data', (chunk: Buffer) => {
    stderr += chunk.toString();
  });
  const exited = new Promise<NodeJS.Signals | number | null>((resolveExit) => {
    child.on('exit', (code, signal) => resolveExit(signal ?? code));
  });
  const runId = await new Promise<number>((resolveReady, reject) => {
    child.stdout.on('data', (chunk: Buffer) => {
      stdout += chunk.toString();
      const match = /ready (\d+)/.exec(stdout);
      if (match?.[1] !== undefined) {
        resolveReady(Number(match[1]));
      }
    });
    void exited.then((how) =>
      reject(new Error(`crash child exited early (${String(how)}): ${stderr}`)),
    );
  });
  child.kill('SIGKILL');
  expect(await exited).toBe('SIGKILL');
  return runId;
}

for (const backend of BACKENDS) {
  describe(`${backend.name}: crash mid-run`, () => {
    let db: BackendDatabase;

    beforeEach(async () => {
      db = await backend.create();
    });
    afterEach(async () => {
      await db.cleanup();
    });

    it('leaves the customers as before when the importing process is killed, and the run is aborted at start-up', async () => {
      const existing = Array.from({ length: 500 }, (_, n) =>
        record(`K${n}`, { name: `Customer ${n}`, city: 'Berlin' }, n + 2),
      );
      await importRun(db.store, [existing]);
      const before = await snapshotCustomers(db.store);

      const runId = await importAndGetKilled(JSON.stringify(db.config));

      const restarted = await db.open();
      expect(await snapshotCustomers(restarted)).toEqual(before);
      expect(await restarted.countCustomers()).toBe(500);
      expect((await restarted.getCustomer('K1'))?.history).toHaveLength(1);
      expect(await restarted.getRun(runId)).toMatchObject({
        status: 'running',
      });
      expect(await restarted.abortStaleRuns(INSTANCE)).toBe(1);
      expect(await restarted.getRun(runId)).toMatchObject({
        status: 'aborted',
      });
      // The store takes the next import after the crash.
      const { results } = await importRun(
        restarted,
        [[record('K1', { name: 'After' })]],
        { content: 'after' },
      );
      expect(results[0]).toMatchObject({ updated: 1 });
    });
  });
}
