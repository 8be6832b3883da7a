/**
 * Child process for customer-store.crash.test.ts: begins an import, applies batches that change
 * existing customers and add new ones, says "ready <runId>" on stdout and waits to be killed.
 * Run as: node --import tsx crash-child.ts '<store config JSON>' <instance>
 */
import type { StoreConfig } from '../../../src/config/app-config.js';
import { NULL_LOGGER } from '../../../src/logging/logger.js';
import { createStore } from '../../../src/store/create-store.js';
import { record, runMeta } from './store-fixtures.js';

const [configJson, instance] = process.argv.slice(2);
if (configJson === undefined || instance === undefined) {
  throw new Error('usage: crash-child.ts <store config JSON> <instance>');
}
const store = await createStore(JSON.parse(configJson) as StoreConfig, {
  logger: NULL_LOGGER,
});
const session = await store.beginImport(
  runMeta('crashing-file', { instance }),
  { dryRun: false, force: false },
);
// Enough rows to push uncommitted pages out of SQLite's cache into the WAL file.
for (let batch = 0; batch < 20; batch++) {
  const records = [];
  for (let i = 0; i < 1000; i++) {
    const n = batch * 1000 + i;
    records.push(
      record(
        `K${n}`,
        {
          name: `Changed ${n}`,
          city: null,
          street: `Crash Street ${n}`.padEnd(200, '.'),
        },
        n + 2,
      ),
    );
  }
  await session.applyBatch(records);
}
process.stdout.write(`ready ${session.runId ?? 'null'}\n`);
setInterval(() => undefined, 60_000);
