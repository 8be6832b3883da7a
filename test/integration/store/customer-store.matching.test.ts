import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { CustomerStore } from '../../../src/store/customer-store.js';
import { BACKENDS } from '../../helpers/backends.js';
import type { BackendDatabase } from '../../helpers/backends.js';
import { importRun, record, runMeta, summary } from './store-fixtures.js';

/**
 * Customers without ERP key (created on our side, e.g. by a webstore) and the fallback match
 * that pairs a new ERP key with one of them. Sample data is fake.
 */

for (const backend of BACKENDS) {
  describe(`${backend.name}: customers without ERP key and fallback matching`, () => {
    let db: BackendDatabase;
    let store: CustomerStore;

    beforeEach(async () => {
      db = await backend.create({
        clock: { now: () => Date.parse('2026-11-20T10:00:00.000Z') },
      });
      store = db.store;
    });
    afterEach(async () => {
      await db.cleanup();
    });

    async function webstoreCustomer(data: Record<string, string>) {
      return store.createCustomer({ data, source: 'webstore' });
    }

    it('gives a customer created on our side an id from the sequence and no key', async () => {
      await importRun(store, [[record('10000', { name: 'Alpha GmbH' })]]);
      const created = await webstoreCustomer({
        name: 'Shop Kunde',
        email: 'kunde@shop.example',
      });
      expect(created).toMatchObject({
        key: null,
        data: { name: 'Shop Kunde', email: 'kunde@shop.example' },
        source: 'webstore',
        status: 'active',
      });
      expect(created.id).toBeGreaterThan(1);
      const next = await webstoreCustomer({ name: 'Noch einer' });
      expect(next.id).toBeGreaterThan(created.id);

      expect((await store.getCustomerById(created.id))?.customer).toEqual(
        created,
      );
      const listed = await store.listCustomers({ limit: 10 });
      expect(listed.map((c) => c.key ?? `#${c.id}`)).toEqual([
        '10000',
        `#${created.id}`,
        `#${next.id}`,
      ]);
      expect(
        (await store.listCustomers({ limit: 10, search: 'shop kunde' })).map(
          (c) => c.id,
        ),
      ).toEqual([created.id]);
    });

    it('pairs a new key with the one keyless customer of the same normalised VAT number, and the upsert updates it', async () => {
      const shop = await webstoreCustomer({
        name: 'Alpha (Shop)',
        vatId: 'de 100.000-001',
        phone: '030 1',
      });
      const session = await store.beginImport(runMeta('erp-1'), {
        dryRun: false,
        force: false,
      });
      const records = [
        record('10000', { name: 'Alpha GmbH', vatId: 'DE100000001' }, 2),
        record('10010', { name: 'Beta' }, 3),
      ];
      const decisions = await session.matchCustomers(records, [
        'vatId',
        'email',
      ]);
      expect(decisions).toEqual([
        { kind: 'matched', customerId: shop.id, field: 'vatId' },
        { kind: 'none' },
      ]);
      const result = await session.applyBatch(records);
      expect(result).toMatchObject({ inserted: 1, updated: 1, unchanged: 0 });
      await session.commit(summary({ read: 2, inserted: 1, updated: 1 }));

      const paired = await store.getCustomer('10000');
      expect(paired?.customer).toMatchObject({
        id: shop.id,
        key: '10000',
        data: { name: 'Alpha GmbH', vatId: 'DE100000001', phone: '030 1' },
      });
      expect(paired?.history.map((h) => [h.operation, h.note])).toEqual([
        ['updated', null],
        [
          'updated',
          `matched by vatId to customer #${shop.id}, which had no ERP key; it now has key '10000'`,
        ],
      ]);
      expect(paired?.history[0]?.changes).toEqual([
        { field: 'name', old: 'Alpha (Shop)', new: 'Alpha GmbH' },
        { field: 'vatId', old: 'de 100.000-001', new: 'DE100000001' },
      ]);
      expect(await store.countCustomers()).toBe(2);
      // Search finds it by its new key.
      expect(
        (await store.listCustomers({ limit: 10, search: '10000' })).map(
          (c) => c.id,
        ),
      ).toEqual([shop.id]);
    });

    it('matches by e-mail in any case and with surrounding spaces', async () => {
      const shop = await webstoreCustomer({
        name: 'Shop',
        email: ' Info@Alpha.Example ',
      });
      const session = await store.beginImport(runMeta('erp-1'), {
        dryRun: false,
        force: false,
      });
      const decisions = await session.matchCustomers(
        [record('10000', { email: 'info@alpha.example' })],
        ['email'],
      );
      expect(decisions).toEqual([
        { kind: 'matched', customerId: shop.id, field: 'email' },
      ]);
      await session.commit(summary());
    });

    it('never guesses: two candidates make the row ambiguous and change nothing', async () => {
      const a = await webstoreCustomer({
        name: 'Shop A',
        email: 'same@shop.example',
      });
      const b = await webstoreCustomer({
        name: 'Shop B',
        email: 'SAME@shop.example',
      });
      const session = await store.beginImport(runMeta('erp-1'), {
        dryRun: false,
        force: false,
      });
      const decisions = await session.matchCustomers(
        [record('10000', { email: 'same@shop.example' })],
        ['email'],
      );
      expect(decisions).toEqual([
        { kind: 'ambiguous', candidateIds: [a.id, b.id], field: 'email' },
      ]);
      await session.commit(summary());
      expect((await store.getCustomerById(a.id))?.customer.key).toBeNull();
      expect((await store.getCustomerById(b.id))?.customer.key).toBeNull();
    });

    it('tries the fields in order: the first that finds a candidate decides', async () => {
      const byVat = await webstoreCustomer({ name: 'By VAT', vatId: 'ATU1' });
      await webstoreCustomer({ name: 'By mail', email: 'x@shop.example' });
      const session = await store.beginImport(runMeta('erp-1'), {
        dryRun: true,
        force: false,
      });
      const decisions = await session.matchCustomers(
        [record('10000', { vatId: 'ATU1', email: 'x@shop.example' })],
        ['vatId', 'email'],
      );
      expect(decisions).toEqual([
        { kind: 'matched', customerId: byVat.id, field: 'vatId' },
      ]);
      await session.commit(summary());
    });

    it('leaves known keys alone, never pairs a customer twice, and ignores customers that have a key', async () => {
      await importRun(store, [
        [record('10000', { name: 'Alpha', email: 'a@x.example' })],
      ]);
      const shop = await webstoreCustomer({
        name: 'Shop',
        email: 'shop@x.example',
      });
      const session = await store.beginImport(runMeta('erp-2'), {
        dryRun: false,
        force: false,
      });
      const decisions = await session.matchCustomers(
        [
          // Known key: matched by key, even though its e-mail would find the shop customer.
          record('10000', { email: 'shop@x.example' }, 2),
          record('10020', { email: 'shop@x.example' }, 3),
          // The shop customer is taken by line 3 now.
          record('10030', { email: 'shop@x.example' }, 4),
          // A customer with a key is no candidate.
          record('10040', { email: 'a@x.example' }, 5),
        ],
        ['email'],
      );
      expect(decisions).toEqual([
        { kind: 'none' },
        { kind: 'matched', customerId: shop.id, field: 'email' },
        { kind: 'none' },
        { kind: 'none' },
      ]);
      await session.commit(summary());
      expect((await store.getCustomerById(shop.id))?.customer.key).toBe(
        '10020',
      );
    });

    it('forgets a pairing when the run fails', async () => {
      const shop = await webstoreCustomer({ name: 'Shop', vatId: 'DE1' });
      const session = await store.beginImport(runMeta('erp-1'), {
        dryRun: false,
        force: false,
      });
      await session.matchCustomers(
        [record('10000', { vatId: 'DE1' })],
        ['vatId'],
      );
      await session.applyBatch([record('10000', { vatId: 'DE1' })]);
      await session.fail(
        summary({}, [], { code: 'TOO_MANY_INVALID_ROWS', message: 'too many' }),
      );
      const after = await store.getCustomerById(shop.id);
      expect(after?.customer.key).toBeNull();
      expect(await store.getCustomer('10000')).toBeNull();
    });
  });
}
