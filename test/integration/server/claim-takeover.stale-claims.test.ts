import { mkdir, readdir, rm, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { WatchJobSchema } from '../../../src/config/app-config.js';
import { emptyCounts } from '../../../src/domain/file-outcome.js';
import { CapturingLogger, NULL_LOGGER } from '../../../src/logging/logger.js';
import {
  createClaimTakeover,
  type ClaimTakeover,
} from '../../../src/server/claim-takeover.js';
import { createStore } from '../../../src/store/create-store.js';
import type { CustomerStore } from '../../../src/store/customer-store.js';
import { sha256File } from '../../../src/util/hash.js';
import { claimedName } from '../../../src/watcher/claim.js';
import type { ClaimedFile } from '../../../src/watcher/claim.js';
import { makeTempDir } from '../../helpers/temp-dir.js';

/**
 * Claims in processing/ and who may take them: real folders, a real SQLite store, a clock the
 * test moves. A claim is left alone while its owner's heartbeat is fresh, taken over (renamed,
 * so only one instance gets it) once it is older than claimTimeoutSeconds, and taken back at
 * once by a restarted instance of the same name.
 */

const T0 = Date.parse('2026-11-21T13:45:00.000Z');
const TIMEOUT_S = 60;

describe('claim takeover', () => {
  let dir: string;
  let processing: string;
  let store: CustomerStore;
  let nowMs: number;
  const clock = { now: () => nowMs };
  const takeovers: ClaimTakeover[] = [];
  const job = WatchJobSchema.parse({
    name: 'erp',
    format: 'f',
    pattern: '*.txt',
    claimTimeoutSeconds: TIMEOUT_S,
  });

  beforeEach(async () => {
    nowMs = T0;
    dir = await makeTempDir('claim-takeover-');
    processing = join(dir, 'processing');
    await mkdir(processing);
    store = await createStore(
      {
        type: 'sqlite',
        path: join(dir, 'data', 'customers.db'),
        busyTimeoutMs: 2000,
      },
      { logger: NULL_LOGGER },
    );
  });
  afterEach(async () => {
    for (const t of takeovers.splice(0)) {
      await t.stop();
    }
    await store.close();
    await rm(dir, { recursive: true, force: true });
  });

  function takeover(
    instance: string,
    logger = NULL_LOGGER as CapturingLogger | typeof NULL_LOGGER,
    onTaken = (_: ClaimedFile[]) => undefined,
  ): ClaimTakeover {
    const t = createClaimTakeover(
      { job, processingDir: processing, archiveDir: join(dir, 'archive') },
      { store, logger, clock, instance, onTaken },
    );
    takeovers.push(t);
    return t;
  }

  /** A file claimed by `owner` at T0, with the file state the service writes and the owner's heartbeat. */
  async function claimedBy(
    owner: string,
    original: string,
    content = `K1;${original}\n`,
  ): Promise<string> {
    const name = claimedName(original, T0);
    await writeFile(join(processing, name), content);
    await store.saveFileState({
      id: name,
      job: 'erp',
      path: join(processing, name),
      name: original,
      state: 'claimed',
      sha256: null,
      sizeBytes: content.length,
      runId: null,
      detail: null,
      updatedAt: new Date(T0).toISOString(),
    });
    expect(
      await store.touchFileStates([name], owner, new Date(T0).toISOString()),
    ).toBe(1);
    return name;
  }

  it('leaves a claim with a fresh heartbeat alone, and takes it over once it is older than the timeout', async () => {
    const name = await claimedBy('host-a', 'a.txt');
    nowMs = T0 + (TIMEOUT_S - 1) * 1000;
    expect(await takeover('host-b').start()).toEqual([]);
    expect(await readdir(processing)).toEqual([name]);

    nowMs = T0 + (TIMEOUT_S + 1) * 1000;
    const logger = new CapturingLogger();
    const taken = await takeover('host-b', logger).start();
    expect(taken.map((f) => f.originalName)).toEqual(['a.txt']);
    // Taken under a fresh claimed name: the old name is gone, nobody else can take it too.
    expect(taken[0]?.name).not.toBe(name);
    expect(await readdir(processing)).toEqual([taken[0]?.name]);
    expect(logger.events('file.recovered')[0]?.meta).toMatchObject({
      reason: 'stale',
      previousOwner: 'host-a',
      file: 'a.txt',
    });

    const states = await store.listFileStates({ job: 'erp' });
    expect(states.find((s) => s.id === taken[0]?.name)).toMatchObject({
      state: 'claimed',
      owner: 'host-b',
    });
    expect(states.find((s) => s.id === name)?.detail).toContain(
      `taken over by host-b as ${taken[0]?.name ?? ''}`,
    );
  });

  it('takes a claim without any file state by its claim time', async () => {
    const name = claimedName('b.txt', T0);
    await writeFile(join(processing, name), 'K2;b\n');
    nowMs = T0 + 10_000;
    expect(await takeover('host-b').start()).toEqual([]);
    nowMs = T0 + (TIMEOUT_S + 5) * 1000;
    expect(
      (await takeover('host-c').start()).map((f) => f.originalName),
    ).toEqual(['b.txt']);
  });

  it("takes back its own instance's claims at start-up at once", async () => {
    await claimedBy('host-a', 'a.txt');
    await claimedBy('host-b', 'b.txt');
    nowMs = T0 + 1000;
    const taken = await takeover('host-a').start();
    expect(taken.map((f) => f.originalName)).toEqual(['a.txt']);
    expect(await readdir(processing)).toHaveLength(2);
  });

  it('keeps the heartbeat on held claims, so a live owner is never taken over', async () => {
    const name = await claimedBy('host-a', 'a.txt');
    // The owner (already running, so no start-up here) holds the file while it is queued or
    // importing: its heartbeat moves on with the clock.
    const owner = takeover('host-a');
    for (let minute = 1; minute <= 5; minute++) {
      nowMs = T0 + minute * TIMEOUT_S * 500;
      owner.hold(name);
      await owner.stop(); // waits for the heartbeat write
      expect(await takeover('host-b').start()).toEqual([]);
    }
    expect(await readdir(processing)).toEqual([name]);
    expect((await store.listFileStates({ job: 'erp' }))[0]).toMatchObject({
      owner: 'host-a',
      updatedAt: new Date(nowMs).toISOString(),
    });
  });

  /** A succeeded run of the dropped file `file` with the content of `path`. */
  async function commitRunOf(file: string, path: string): Promise<void> {
    const session = await store.beginImport(
      {
        file,
        sha256: await sha256File(path),
        sizeBytes: (await stat(path)).size,
        format: 'f',
        mode: 'update',
        job: 'erp',
        source: 'erp',
        instance: 'host-a',
        startedAt: new Date(T0).toISOString(),
      },
      { dryRun: false, force: false },
    );
    await session.commit({
      counts: emptyCounts(),
      issues: [],
      error: null,
      finishedAt: new Date(T0).toISOString(),
      durationMs: 1,
    });
  }

  it('archives a stale claim whose content a run already committed, instead of importing it again', async () => {
    const content = 'K1;committed\n';
    const name = await claimedBy('host-a', 'c.txt', content);
    await commitRunOf('c.txt', join(processing, name));

    nowMs = T0 + (TIMEOUT_S + 1) * 1000;
    expect(await takeover('host-b').start()).toEqual([]);
    expect(await readdir(processing)).toEqual([]);
    expect(await readdir(join(dir, 'archive'))).toHaveLength(1);
  });

  it('imports a stale claim of another file with the same content, so that it is recorded as a duplicate', async () => {
    const content = 'K1;committed\n';
    const name = await claimedBy('host-a', 'copy.txt', content);
    await commitRunOf('c.txt', join(processing, name));

    nowMs = T0 + (TIMEOUT_S + 1) * 1000;
    const taken = await takeover('host-b').start();
    expect(taken.map((f) => f.originalName)).toEqual(['copy.txt']);
    expect(await readdir(processing)).toEqual([taken[0]?.name]);
  });

  it('gives a stale claim to exactly one of two instances checking at the same moment', async () => {
    for (const n of [1, 2, 3, 4, 5]) {
      await claimedBy('host-a', `f${n}.txt`);
    }
    nowMs = T0 + (TIMEOUT_S + 1) * 1000;
    const [b, c] = await Promise.all([
      takeover('host-b').start(),
      takeover('host-c').start(),
    ]);
    const names = [...b, ...c].map((f) => f.originalName).sort();
    expect(names).toEqual(['f1.txt', 'f2.txt', 'f3.txt', 'f4.txt', 'f5.txt']);
    expect(await readdir(processing)).toHaveLength(5);
  });

  it('marks the runs of an instance whose claims went stale as aborted', async () => {
    await claimedBy('host-a', 'a.txt');
    const other = await createStore(
      {
        type: 'sqlite',
        path: join(dir, 'data', 'customers.db'),
        busyTimeoutMs: 2000,
      },
      { logger: NULL_LOGGER },
    );
    const session = await other.beginImport(
      {
        file: 'a.txt',
        sha256: 'ab'.repeat(32),
        sizeBytes: 5,
        format: 'f',
        mode: 'update',
        job: 'erp',
        source: 'erp',
        instance: 'host-a',
        startedAt: new Date(T0).toISOString(),
      },
      { dryRun: false, force: false },
    );
    // host-a "dies": its connection goes away mid-run.
    await other.close();

    nowMs = T0 + (TIMEOUT_S + 1) * 1000;
    await takeover('host-b').start();
    expect(await store.getRun(session.runId ?? -1)).toMatchObject({
      status: 'aborted',
    });
  });
});
