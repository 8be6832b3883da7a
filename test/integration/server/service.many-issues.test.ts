import { readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { ERP_FORMAT_YAML } from '../../helpers/service-process.js';
import { openFilesUnder } from '../../helpers/open-files.js';
import {
  createServiceHarness,
  erpLines,
  type ServiceHarness,
} from './service-harness.js';

/**
 * A dropped file with more row issues than a run keeps in memory (10 000; the rest go to a
 * temporary file, pipeline/row-issue-log.ts): the watch service archives it with an errors
 * report that lists every issue, the store has every one, and the temporary file is closed once
 * the file is done.
 */

let harness: ServiceHarness | undefined;

afterEach(async () => {
  await harness?.dispose();
  harness = undefined;
});

/** The run's temporary issue files this process still has open (Linux; [] elsewhere). */
function openIssueFiles(): string[] {
  return (openFilesUnder(tmpdir()) ?? []).filter((name) =>
    name.startsWith('customer-import-issues-'),
  );
}

describe('the watch service with a file of many row issues', () => {
  it('archives it with an errors report of every issue, and closes the temporary file', async () => {
    const h = (harness = await createServiceHarness({
      polling: false,
      formatYaml: ERP_FORMAT_YAML.replace(
        'key: customerNo',
        'key: customerNo\nduplicateKeys: last-wins',
      ),
    }));
    await h.start();
    const before = openIssueFiles();
    // 5 100 customers, each twice: a warning for both lines of each repeat, 10 200 in all.
    await writeFile(
      join(h.exchange, 'customers.txt'),
      erpLines(5100) + erpLines(5100, 1, ' (again)'),
    );
    await h.waitForEvent(
      'file.archived',
      (l) => l.meta['folder'] === 'archive',
      1,
      30_000,
    );
    const [run] = await h.runs();
    expect(run).toMatchObject({ status: 'succeeded' });
    expect(run?.counts).toMatchObject({
      read: 10_200,
      inserted: 5100,
      warnings: 5100,
    });
    const detail = await h.store.getRun(run?.id ?? -1, { maxIssues: 1 });
    expect(detail?.issueCount).toBe(10_200);

    const archive = await h.list('archive');
    const report = archive.find((n) => n.endsWith('.errors.csv'));
    expect(report).toBeDefined();
    const lines = (
      await readFile(join(h.exchange, 'archive', report ?? ''), 'utf8')
    )
      .trimEnd()
      .split('\r\n');
    expect(lines).toHaveLength(10_201);
    expect(lines.at(-1)).toContain("customerNo 'K005100' appears on lines");

    // Released once the file is done (reports written, notifiers told): then the service is idle.
    await h.service.whenIdle();
    expect(openIssueFiles()).toEqual(before);
  });
});
