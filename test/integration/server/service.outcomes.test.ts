import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import {
  createServiceHarness,
  erpLines,
  WATCH_MODES,
  type ServiceHarness,
} from './service-harness.js';

/**
 * What becomes of a dropped file: the same content twice is imported once and the second is
 * archived as a duplicate; a bad file goes to failed/ with its reports while the watcher goes
 * on; an empty file goes to failed/ as empty. Both watch modes.
 */

let harness: ServiceHarness | undefined;

afterEach(async () => {
  await harness?.dispose();
  harness = undefined;
});

/** 8 rows without a customer number: more than the format's budget of 5 skipped rows. */
function badLines(): string {
  return (
    Array.from(
      { length: 8 },
      (_, i) => `;Nameless ${i + 1};Street ${i + 1}\n`,
    ).join('') + 'K999999;Good One;Street\n'
  );
}

for (const mode of WATCH_MODES) {
  describe(`service outcomes (${mode.label})`, () => {
    it('imports the same content once; the second drop is recorded as a duplicate of the first run and archived', async () => {
      const h = (harness = await createServiceHarness({
        polling: mode.polling,
      }));
      await h.start();
      const content = erpLines(12);
      await writeFile(join(h.exchange, 'customers.txt'), content);
      await h.waitForEvent('file.archived');
      await writeFile(join(h.exchange, 'customers.txt'), content);

      const duplicate = await h.waitForEvent(
        'file.duplicate',
        (l) => l.meta['status'] === 'duplicate',
      );
      await h.waitForEvent('file.archived', undefined, 2);
      const runs = await h.runs();
      expect(runs.map((r) => r.status)).toEqual(['succeeded', 'duplicate']);
      const [first, second] = runs;
      expect(second?.duplicateOfRunId).toBe(first?.id);
      expect(second?.sha256).toBe(first?.sha256);
      expect(duplicate.meta['duplicateOfRunId']).toBe(first?.id);
      expect(await h.store.countCustomers()).toBe(12);
      // Both drops are in the archive under different names: nothing is deleted or overwritten.
      const archive = await h.list('archive');
      expect(archive).toHaveLength(2);
      for (const name of archive) {
        expect(await readFile(join(h.exchange, 'archive', name), 'utf8')).toBe(
          content,
        );
      }
      const states = await h.store.listFileStates({ job: 'erp' });
      expect(
        states.some((s) =>
          s.detail?.includes(`already imported in run ${first?.id}`),
        ),
      ).toBe(true);
    });

    it('moves a bad file to failed/ with error.txt and errors.csv, and goes on with the next good file', async () => {
      const h = (harness = await createServiceHarness({
        polling: mode.polling,
      }));
      await h.start();
      await writeFile(join(h.exchange, 'customers.txt'), badLines());
      const failedLine = await h.waitForEvent(
        'file.archived',
        (l) => l.meta['folder'] === 'failed',
      );
      expect(failedLine.meta['code']).toBe('TOO_MANY_INVALID_ROWS');

      const failed = await h.list('failed');
      const dataName = failed.find(
        (n) => n.endsWith('.txt') && !n.endsWith('.error.txt'),
      );
      expect(dataName).toBeDefined();
      expect(failed).toEqual(
        [dataName, `${dataName}.error.txt`, `${dataName}.errors.csv`].sort(),
      );
      const errorText = await readFile(
        join(h.exchange, 'failed', `${dataName}.error.txt`),
        'utf8',
      );
      expect(errorText).toContain('TOO_MANY_INVALID_ROWS');
      const errorsCsv = await readFile(
        join(h.exchange, 'failed', `${dataName}.errors.csv`),
        'utf8',
      );
      // One line per skipped row (8) plus the header.
      expect(errorsCsv.trim().split('\n')).toHaveLength(9);
      expect(await h.store.countCustomers()).toBe(0);

      // The watcher is still running: the ERP's next, good drop is imported.
      await writeFile(join(h.exchange, 'customers.txt'), erpLines(3));
      await h.waitForEvent(
        'file.archived',
        (l) => l.meta['folder'] === 'archive',
      );
      expect((await h.runs()).map((r) => r.status)).toEqual([
        'failed',
        'succeeded',
      ]);
      expect(await h.store.countCustomers()).toBe(3);
    });

    it('moves an empty file to failed/ as an empty file', async () => {
      const h = (harness = await createServiceHarness({
        polling: mode.polling,
      }));
      await h.start();
      await writeFile(join(h.exchange, 'customers.txt'), '');

      const line = await h.waitForEvent('file.archived');
      expect(line.meta).toMatchObject({ folder: 'failed', code: 'FILE_EMPTY' });
      const failed = await h.list('failed');
      expect(failed).toHaveLength(2);
      const errorTxt = failed.find((n) => n.endsWith('.error.txt')) ?? '';
      expect(
        await readFile(join(h.exchange, 'failed', errorTxt), 'utf8'),
      ).toMatch(/empty \(0 bytes\)/);
      expect(h.events('file.failed')).toHaveLength(1);
      expect(await h.store.countCustomers()).toBe(0);
    });
  });
}
