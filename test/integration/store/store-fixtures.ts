import { createHash } from 'node:crypto';
import type { FieldValue } from '../../../src/domain/customer.js';
import { emptyCounts } from '../../../src/domain/file-outcome.js';
import type { ImportCounts } from '../../../src/domain/file-outcome.js';
import type { RowIssue } from '../../../src/domain/row-issue.js';
import type {
  BatchResult,
  CustomerStore,
  RunMeta,
  RunSummary,
  StagedRecord,
} from '../../../src/store/customer-store.js';

/** Builders shared by the store contract suite. Sample data is fake. */

export const INSTANCE = 'test-host';

/** A run's metadata; `content` stands for the file's bytes and decides its sha256. */
export function runMeta(
  content = 'file-a',
  overrides: Partial<RunMeta> = {},
): RunMeta {
  return {
    file: 'customers.txt',
    sha256: createHash('sha256').update(content).digest('hex'),
    sizeBytes: content.length,
    format: 'test-format',
    mode: 'update',
    job: 'erp',
    source: 'erp',
    instance: INSTANCE,
    startedAt: '2026-11-20T10:00:00.000Z',
    ...overrides,
  };
}

export function record(
  key: string,
  fields: Record<string, FieldValue>,
  line = 2,
): StagedRecord {
  return { key, fields, line };
}

export function summary(
  counts: Partial<ImportCounts> = {},
  issues: RowIssue[] = [],
  error: RunSummary['error'] = null,
): RunSummary {
  return {
    counts: { ...emptyCounts(), ...counts },
    issues,
    error,
    finishedAt: '2026-11-20T10:00:05.000Z',
    durationMs: 5000,
  };
}

/** Sums batch results into run counts, as the pipeline does. */
export function countsOf(
  results: readonly BatchResult[],
  read: number,
): ImportCounts {
  const counts = { ...emptyCounts(), read };
  for (const r of results) {
    counts.inserted += r.inserted;
    counts.updated += r.updated;
    counts.unchanged += r.unchanged;
  }
  return counts;
}

/** Imports the batches as one committed run; returns the run id and the batch results. */
export async function importRun(
  store: CustomerStore,
  batches: readonly (readonly StagedRecord[])[],
  options: { content?: string; dryRun?: boolean; force?: boolean } = {},
): Promise<{ runId: number | null; results: BatchResult[] }> {
  const session = await store.beginImport(
    runMeta(options.content ?? 'file-a'),
    {
      dryRun: options.dryRun ?? false,
      force: options.force ?? false,
    },
  );
  const results: BatchResult[] = [];
  for (const batch of batches) {
    results.push(await session.applyBatch(batch));
  }
  const read = batches.reduce((n, b) => n + b.length, 0);
  await session.commit(summary(countsOf(results, read)));
  return { runId: session.runId, results };
}

export function issue(
  line: number,
  code: RowIssue['code'],
  overrides: Partial<RowIssue> = {},
): RowIssue {
  return {
    line,
    column: 'EMAIL',
    value: 'not-an-email',
    code,
    message: `Line ${line}: bad value`,
    severity: 'error',
    ...overrides,
  };
}

/** Every customer with its data, for "nothing changed" comparisons. */
export async function snapshotCustomers(
  store: CustomerStore,
): Promise<unknown[]> {
  const customers = await store.listCustomers({ limit: 100_000 });
  return customers.map((c) => ({
    key: c.key,
    data: c.data,
    status: c.status,
    updatedAt: c.updatedAt,
    updatedRunId: c.updatedRunId,
  }));
}
