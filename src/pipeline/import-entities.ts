import type { MatchDecision, MatchField } from '../domain/customer-match.js';
import type { FieldValue, StagedRecord } from '../domain/customer.js';
import {
  EMBEDDED_CONTACT_KEY,
  EMBEDDED_PREFIXES,
  ENTITY_LABELS,
  embeddedAddressType,
  embeddedPrefixOf,
  recordKeyFields,
  type EmbeddedPrefix,
  type EntityRecord,
  type RelatedEntityKind,
} from '../domain/index.js';
import type { ImportMode } from '../domain/file-outcome.js';
import type { RowIssue } from '../domain/row-issue.js';
import { AppError, ErrorCode } from '../errors.js';
import {
  describeColumnSource,
  type FormatDefinition,
} from '../formats/format-definition.js';
import type { BatchResult, ImportSession } from '../store/customer-store.js';

/**
 * Writing a batch of validated records, by entity. process-file.ts hands every batch here; for a
 * plain customer format (no embedded contact or address, no matching, no salesperson code) this
 * is exactly `session.applyBatch`, so the normal path costs nothing extra. Otherwise:
 *
 * - customers: fallback matching first (ambiguous rows become row errors), then the upsert of
 *   the customer fields, then the contact/addresses the row embeds (`contact.*`,
 *   `billingAddress.*`, `shippingAddress.*`), then the salesperson codes are checked (an unknown
 *   code is a warning, and only when the store has sales agents at all);
 * - contacts and addresses: a row whose customer does not exist is a row error naming the
 *   customer number. "Exists" means committed by an earlier run or written earlier in this run
 *   (a customer row's embedded contact always finds its customer); a customer file dropped at
 *   the same time but imported after the contacts does not count, so import customers first;
 * - sales agents: upserted by code.
 */

export interface BatchOutcome extends BatchResult {
  /** Row errors (the row was not written) and warnings found while writing. */
  issues: RowIssue[];
  /** Rows not written because of an issue here (counted as skipped). */
  skipped: number;
  /** Rows written with a warning. */
  warnings: number;
}

export interface BatchImporter {
  apply(
    records: readonly StagedRecord[],
    session: ImportSession,
  ): Promise<BatchOutcome>;
  /** Remarks for the outcome once the file is done (how many rows were paired by matching). */
  notices(): string[];
  /**
   * Whether a row the store holds unchanged (ImportSession.unchangedRows) may bypass `apply`:
   * only when `apply` would do nothing with it but the upsert and the checks `checkSettled`
   * repeats (no matching, no embedded records).
   */
  settlesUnchangedRows(): boolean;
  /** The fields `checkSettled` reads; none when it has nothing to check. */
  settledRowFields(): readonly string[];
  /**
   * The checks of `apply` that report on every import (an unknown salesperson code), for rows
   * settled as unchanged; each record holds just `settledRowFields()`. Writes nothing.
   */
  checkSettled(
    records: readonly StagedRecord[],
    session: ImportSession,
  ): Promise<BatchOutcome>;
}

export interface BatchImporterOptions {
  mode: ImportMode;
  /** A job's `matchExisting`, which replaces the format's; absent: the format's. */
  matchExisting?: readonly MatchField[];
}

/**
 * The importer for a format. Throws AppError USAGE for a mode that only customer files have
 * (a contacts file is never the full customer list, so `rebuild` would deactivate nothing right).
 */
export function createBatchImporter(
  format: FormatDefinition,
  options: BatchImporterOptions,
): BatchImporter {
  const entity = format.entity;
  if (entity === 'customer') {
    return new CustomerImporter(
      format,
      options.matchExisting ?? format.matchExisting,
    );
  }
  if (options.mode === 'rebuild') {
    throw new AppError(
      ErrorCode.USAGE,
      `Mode 'rebuild' is for customer files; format '${format.id}' imports ${ENTITY_LABELS[entity]} records. Use mode 'update'.`,
    );
  }
  return new EntityImporter(format, entity);
}

function emptyResult(): BatchResult {
  return { inserted: 0, updated: 0, unchanged: 0, changes: [] };
}

/** The empty extra part of an outcome. */
function withoutIssues(result: BatchResult): BatchOutcome {
  return { ...result, issues: [], skipped: 0, warnings: 0 };
}

class CustomerImporter implements BatchImporter {
  readonly #format: FormatDefinition;
  readonly #matchOn: readonly MatchField[];
  readonly #embeds: boolean;
  readonly #checksAgents: boolean;
  /** False once the store said it has no sales agent: a customer run does not add any. */
  #agentsKnown = true;
  #matched = 0;

  constructor(format: FormatDefinition, matchOn: readonly MatchField[]) {
    this.#format = format;
    this.#matchOn = matchOn;
    this.#embeds = format.columns.some(
      (c) => embeddedPrefixOf(c.field) !== undefined,
    );
    this.#checksAgents = format.columns.some(
      (c) => c.field === 'salespersonCode',
    );
  }

  async apply(
    records: readonly StagedRecord[],
    session: ImportSession,
  ): Promise<BatchOutcome> {
    if (this.#matchOn.length === 0 && !this.#embeds && !this.#checksAgents) {
      return withoutIssues(await session.applyBatch(records));
    }
    const issues: RowIssue[] = [];
    let skipped = 0;
    let kept = records;
    if (this.#matchOn.length > 0) {
      const decisions = await session.matchCustomers(records, this.#matchOn);
      kept = records.filter((record, i) => {
        const decision = decisions[i] ?? { kind: 'none' };
        if (decision.kind === 'matched') {
          this.#matched++;
        }
        if (decision.kind !== 'ambiguous') {
          return true;
        }
        issues.push(this.#ambiguous(record, decision));
        skipped++;
        return false;
      });
    }

    const result = this.#embeds
      ? await this.#applyWithEmbedded(kept, session)
      : await session.applyBatch(kept);
    const outcome: BatchOutcome = { ...result, issues, skipped, warnings: 0 };
    if (this.#checksAgents && this.#agentsKnown) {
      await this.#checkSalesAgents(kept, session, outcome);
    }
    return outcome;
  }

  settlesUnchangedRows(): boolean {
    return this.#matchOn.length === 0 && !this.#embeds;
  }

  settledRowFields(): readonly string[] {
    return this.#checksAgents && this.#agentsKnown ? ['salespersonCode'] : [];
  }

  async checkSettled(
    records: readonly StagedRecord[],
    session: ImportSession,
  ): Promise<BatchOutcome> {
    const outcome = withoutIssues(emptyResult());
    if (this.#checksAgents && this.#agentsKnown && records.length > 0) {
      await this.#checkSalesAgents(records, session, outcome);
    }
    return outcome;
  }

  notices(): string[] {
    return this.#matched === 0
      ? []
      : [
          `${this.#matched} new key(s) were paired with existing customers that had no ERP key (matchExisting: ${this.#matchOn.join(', ')}).`,
        ];
  }

  /** Customer fields go to the customer; `contact.*` and `…Address.*` fields to their own records. */
  async #applyWithEmbedded(
    records: readonly StagedRecord[],
    session: ImportSession,
  ): Promise<BatchResult> {
    const customers: StagedRecord[] = [];
    const related: Record<RelatedEntityKind, EntityRecord[]> = {
      contact: [],
      address: [],
      salesAgent: [],
    };
    for (const record of records) {
      const own = Object.create(null) as Record<string, FieldValue>;
      const parts = new Map<EmbeddedPrefix, Record<string, FieldValue>>();
      for (const [field, value] of Object.entries(record.fields)) {
        const prefix = embeddedPrefixOf(field);
        if (prefix === undefined) {
          own[field] = value;
          continue;
        }
        const part =
          parts.get(prefix) ??
          (Object.create(null) as Record<string, FieldValue>);
        part[field.slice(prefix.length + 1)] = value;
        parts.set(prefix, part);
      }
      customers.push(withFields(record, own));
      for (const [prefix, fields] of parts) {
        // Only cleared or kept cells: the row says nothing about this contact/address.
        if (!Object.values(fields).some((v) => v !== null)) {
          continue;
        }
        related[EMBEDDED_PREFIXES[prefix]].push(
          embeddedRecord(prefix, record, fields),
        );
      }
    }
    const result = await session.applyBatch(customers);
    // After the customers: a new customer's contact finds it in the same transaction.
    for (const entity of ['contact', 'address'] as const) {
      if (related[entity].length > 0) {
        await session.applyEntityBatch(entity, related[entity]);
      }
    }
    return result;
  }

  async #checkSalesAgents(
    records: readonly StagedRecord[],
    session: ImportSession,
    outcome: BatchOutcome,
  ): Promise<void> {
    const codes = new Set<string>();
    for (const record of records) {
      const code = keyPart(record.fields['salespersonCode']);
      if (code !== '') {
        codes.add(code);
      }
    }
    if (codes.size === 0) {
      return;
    }
    const { storeHasAgents, known } = await session.lookupSalesAgents([
      ...codes,
    ]);
    if (!storeHasAgents) {
      // No sales agent export is imported into this store: codes cannot be checked at all.
      this.#agentsKnown = false;
      return;
    }
    const column = columnLabel(this.#format, 'salespersonCode');
    for (const record of records) {
      const code = keyPart(record.fields['salespersonCode']);
      if (code === '' || known.has(code)) {
        continue;
      }
      outcome.issues.push({
        line: record.line,
        column,
        value: code,
        code: 'UNKNOWN_REFERENCE',
        message: `salesperson code '${code}' is unknown: no sales agent has it; the customer was imported without the link`,
        severity: 'warning',
      });
      outcome.warnings++;
    }
  }

  #ambiguous(
    record: StagedRecord,
    decision: Extract<MatchDecision, { kind: 'ambiguous' }>,
  ): RowIssue {
    const candidates = decision.candidateIds.map((id) => `#${id}`).join(', ');
    const value = record.fields[decision.field];
    return {
      line: record.line,
      column: columnLabel(this.#format, decision.field),
      value: value === undefined || value === null ? null : String(value),
      code: 'AMBIGUOUS_MATCH',
      message:
        `${this.#format.key} '${record.key}' is new and its ${decision.field} matches ${decision.candidateIds.length} ` +
        `customers without ERP key (${candidates}); none was chosen and the row was not imported. ` +
        'Give the right customer the ERP key by hand, or correct the duplicates.',
      severity: 'error',
    };
  }
}

class EntityImporter implements BatchImporter {
  readonly #format: FormatDefinition;
  readonly #entity: RelatedEntityKind;
  /** The field that tells a customer's contacts (or addresses) apart; the code for sales agents. */
  readonly #ownKey: string;

  constructor(format: FormatDefinition, entity: RelatedEntityKind) {
    this.#format = format;
    this.#entity = entity;
    this.#ownKey = recordKeyFields(format).at(-1) ?? 'key';
  }

  async apply(
    records: readonly StagedRecord[],
    session: ImportSession,
  ): Promise<BatchOutcome> {
    const toRecord = (
      record: StagedRecord,
      customerKey: string | null,
    ): EntityRecord => ({
      customerKey,
      key: keyPart(record.fields[this.#ownKey]),
      fields: record.fields,
      line: record.line,
    });
    if (this.#entity === 'salesAgent') {
      return withoutIssues(
        await session.applyEntityBatch(
          this.#entity,
          records.map((r) => toRecord(r, null)),
        ),
      );
    }
    const existing = await session.existingCustomerKeys(
      records.map((r) => keyPart(r.fields['customerNo'])),
    );
    const issues: RowIssue[] = [];
    const kept: EntityRecord[] = [];
    const label = ENTITY_LABELS[this.#entity];
    for (const record of records) {
      const customerNo = keyPart(record.fields['customerNo']);
      if (existing.has(customerNo)) {
        kept.push(toRecord(record, customerNo));
        continue;
      }
      issues.push({
        line: record.line,
        column: columnLabel(this.#format, 'customerNo'),
        value: customerNo,
        code: 'CUSTOMER_NOT_FOUND',
        message:
          `customer '${customerNo}' does not exist, so ${label} '${keyPart(record.fields[this.#ownKey])}' cannot be linked to it; ` +
          'import the customer first',
        severity: 'error',
      });
    }
    const result = await session.applyEntityBatch(this.#entity, kept);
    return { ...result, issues, skipped: issues.length, warnings: 0 };
  }

  /** Contacts, addresses and sales agents are not customers: their rows always go through apply. */
  settlesUnchangedRows(): boolean {
    return false;
  }

  settledRowFields(): readonly string[] {
    return [];
  }

  async checkSettled(): Promise<BatchOutcome> {
    return withoutIssues(emptyResult());
  }

  notices(): string[] {
    return [];
  }
}

/** The contact or address a customer row carries, keyed within its customer. */
function embeddedRecord(
  prefix: EmbeddedPrefix,
  customer: StagedRecord,
  fields: Record<string, FieldValue>,
): EntityRecord {
  const type = embeddedAddressType(prefix);
  if (type === undefined) {
    const contactNo = keyPart(fields['contactNo']);
    return {
      customerKey: customer.key,
      key: contactNo === '' ? EMBEDDED_CONTACT_KEY : contactNo,
      fields,
      line: customer.line,
    };
  }
  const addressId = keyPart(fields['addressId']);
  return {
    customerKey: customer.key,
    key: addressId === '' ? type : addressId,
    fields: withField(fields, 'type', type),
    line: customer.line,
  };
}

/** The record with other fields; built property by property (an object spread costs ~1.5 us). */
function withFields(
  record: StagedRecord,
  fields: Record<string, FieldValue>,
): StagedRecord {
  const copy: StagedRecord = { key: record.key, fields, line: record.line };
  if (record.type !== undefined) {
    copy.type = record.type;
  }
  if (record.status !== undefined) {
    copy.status = record.status;
  }
  return copy;
}

/**
 * The fields plus one, placed before the first name that does not sort before it, so fields in
 * code-unit order stay in that order (the store serialises those with one JSON.stringify).
 */
function withField(
  fields: Readonly<Record<string, FieldValue>>,
  name: string,
  value: FieldValue,
): Record<string, FieldValue> {
  const out = Object.create(null) as Record<string, FieldValue>;
  let placed = false;
  for (const key of Object.keys(fields)) {
    if (!placed && key >= name) {
      out[name] = value;
      placed = true;
      if (key === name) {
        continue;
      }
    }
    out[key] = fields[key] as FieldValue;
  }
  if (!placed) {
    out[name] = value;
  }
  return out;
}

/** A key part as text (validation made key cells non-empty text or numbers). */
function keyPart(value: FieldValue | undefined): string {
  if (value === undefined || value === null) {
    return '';
  }
  return typeof value === 'string' ? value.trim() : String(value);
}

/** How a field's column is named in row issues: its header (or position) in the format. */
function columnLabel(format: FormatDefinition, field: string): string | null {
  const column = format.columns.find((c) => c.field === field);
  return column === undefined ? null : describeColumnSource(column);
}

/**
 * The record rules of issue 5 (customer type, blocked status, class defaults, name fallback)
 * describe customers. For contacts, addresses and sales agents only the filter applies: the name
 * fallback would otherwise split an address's or a sales agent's `name` into first/last names.
 */
export function ruleOptionsForEntity<
  T extends { format: FormatDefinition; defaultClass?: string },
>(options: T): T {
  if (options.format.entity === 'customer') {
    return options;
  }
  const { customerClass: _customerClass, ...format } = options.format;
  const { defaultClass: _defaultClass, ...rest } = options;
  return {
    ...rest,
    format: {
      ...format,
      customerType: false,
      blockedField: false,
      nameFallback: false,
    },
  } as T;
}
