import { describe, expect, it } from 'vitest';
import { WorkerInbox } from '../../../src/util/worker-inbox.js';

/** A worker's messages in order, with one final failure (src/util/worker-inbox.ts). */
function inbox(): { box: WorkerInbox<string>; failed: () => number } {
  let failures = 0;
  const box = new WorkerInbox<string>({
    afterClose: () => new Error('read after close'),
    onFail: () => {
      failures++;
    },
  });
  return { box, failed: () => failures };
}

describe('WorkerInbox', () => {
  it('hands out messages in order, whether they came before or after they were asked for', async () => {
    const { box } = inbox();
    box.push('a');
    box.push('b');
    const third = box
      .next()
      .then(async (first) => [first, await box.next(), await box.next()]);
    box.push('c');
    expect(await third).toEqual(['a', 'b', 'c']);
  });

  it('rejects a waiting next() at once on fail, and every later one; onFail runs once', async () => {
    const { box, failed } = inbox();
    const waiting = box.next();
    const error = new Error('worker died');
    box.fail(error);
    box.fail(new Error('a second one'));
    box.push('late');
    await expect(waiting).rejects.toBe(error);
    await expect(box.next()).rejects.toBe(error);
    expect(box.failure).toBe(error);
    expect(failed()).toBe(1);
  });

  it('gives a reported failure after the messages sent before it', async () => {
    const { box, failed } = inbox();
    box.push('a');
    const error = new Error('parse failed');
    box.pushFailure(error);
    expect(failed()).toBe(0);
    expect(await box.next()).toBe('a');
    await expect(box.next()).rejects.toBe(error);
    expect(failed()).toBe(1);
  });

  it('takes no failure after close, and refuses to wait for messages then', async () => {
    const { box, failed } = inbox();
    box.push('a');
    expect(box.close()).toBe(true);
    expect(box.close()).toBe(false);
    box.fail(new Error('too late'));
    expect(failed()).toBe(0);
    expect(await box.next()).toBe('a');
    await expect(box.next()).rejects.toThrow('read after close');
  });
});
