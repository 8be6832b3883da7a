import { readdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import {
  createServiceProject,
  erpLines,
  type ServiceProject,
} from '../helpers/service-process.js';
import { waitFor } from '../helpers/wait-for.js';
import {
  startSmtpTestServer,
  type SmtpTestServer,
} from '../integration/notify/smtp-test-server.js';

/**
 * notify.email.when: onFailure, against a real SMTP server started in the test: a bad file
 * brings one mail with job, instance, file, time and the error; a good file brings none.
 */

let project: ServiceProject | undefined;
let smtp: SmtpTestServer | undefined;

afterEach(async () => {
  await project?.dispose();
  project = undefined;
  await smtp?.close();
  smtp = undefined;
});

describe('watch process failure e-mail', () => {
  it('mails the admin when a dropped file fails, and not when one is imported', async () => {
    const server = (smtp = await startSmtpTestServer());
    const p = (project = await createServiceProject({
      config: {
        notify: {
          email: {
            when: 'onFailure',
            from: 'customer-import@example.test',
            to: ['erp-admin@example.test'],
            smtp: {
              host: '127.0.0.1',
              port: server.port,
              secure: false,
              ignoreTls: true,
              timeoutMs: 5000,
            },
          },
        },
      },
    }));
    const proc = p.start();
    await proc.waitForEvent('service.started');

    // Eight rows without a customer number: over the format's budget of five.
    const bad = Array.from(
      { length: 8 },
      (_, i) => `;Nameless ${i};Street\n`,
    ).join('');
    await writeFile(join(p.exchange, 'customers.txt'), bad);
    await proc.waitForEvent('file.archived', (l) => l['folder'] === 'failed');
    await waitFor(() => server.mails.length === 1, {
      timeoutMs: 15_000,
      message: 'the failure mail',
    });

    const mail = server.mails[0];
    expect(mail?.to).toEqual(['erp-admin@example.test']);
    expect(mail?.from).toBe('customer-import@example.test');
    expect(mail?.subject).toContain('customers.txt');
    expect(mail?.subject).toContain('job erp on e2e');
    expect(mail?.text).toMatch(/Job:\s+erp/);
    expect(mail?.text).toMatch(/Instance:\s+e2e/);
    expect(mail?.text).toMatch(/Time:\s+\d{4}-\d{2}-\d{2}T/);
    expect(mail?.text).toContain('TOO_MANY_INVALID_ROWS');
    // The bad cells stay in the error report; the mail names lines and codes only.
    expect(mail?.text).not.toContain('Nameless');
    expect(
      (await readdir(join(p.exchange, 'failed'))).some((n) =>
        n.endsWith('.errors.csv'),
      ),
    ).toBe(true);

    // A good file afterwards: imported, no mail with onFailure.
    await writeFile(join(p.exchange, 'customers.txt'), erpLines(3));
    await proc.waitForEvent('file.imported');
    await proc.waitForEvent('file.archived', (l) => l['folder'] === 'archive');
    expect(await proc.stop()).toEqual({ code: 0, signal: null });
    expect(server.mails).toHaveLength(1);
  });
});
