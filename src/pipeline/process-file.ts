import { AppError, ErrorCode, coerceError, isAppError } from '../errors.js';
import {
  emptyCounts,
  releaseOutcome,
  type FileOutcome,
  type ImportCounts,
  type ImportMode,
  type RecordChange,
} from '../domain/file-outcome.js';
import type { FieldValue } from '../domain/customer.js';
import type { FormatDefinition } from '../formats/format-definition.js';
import type { Logger } from '../logging/logger.js';
import type { Parser, RawRow } from '../parse/parser.js';
import type {
  BatchResult,
  CustomerStore,
  ImportSession,
  RunMeta,
  RunSummary,
  StagedRecord,
} from '../store/customer-store.js';
import { SYSTEM_CLOCK, type Clock } from '../util/clock.js';
import { backoffMs } from '../util/backoff.js';
import { bindColumns } from '../validate/map-columns.js';
import { createZoneConverter } from '../validate/time-zone.js';
import {
  NewestLastModified,
  lastModifiedMs,
  parseSinceTimestamp,
} from '../rules/changed-since.js';
import {
  DEFAULT_MAX_DEACTIVATE_PERCENT,
  deactivationNote,
  deactivationRefusal,
} from '../rules/deactivation-guard.js';
import { createRecordRules, type RecordRules } from '../rules/record-rules.js';
import { createSelection, type Selection } from '../rules/selection.js';
import type { ImportOptions } from './import-options.js';
import {
  isStoreRetryable,
  sleepMs,
  type RunRetryPolicy,
} from './run-retries.js';
import type { KeyLinesOptions } from './key-lines.js';
import { DuplicateKeys } from './duplicate-keys.js';
import { RowIssueLog, type RowIssueLogOptions } from './row-issue-log.js';
import {
  createSourceRowHasher,
  settledRecord,
  UnchangedRows,
  type RowFingerprint,
} from './source-rows.js';
import { createFileValidator } from './file-validator.js';
import {
  defaultParseThreadMinBytes,
  openRowSource,
  type RowSource,
} from './row-source.js';
import {
  createBatchImporter,
  ruleOptionsForEntity,
} from './import-entities.js';
import type { MatchField } from '../domain/customer-match.js';
import { completedStatus, isErrorBudgetSpent } from './outcome-policy.js';
import {
  checkImportableSize,
  fileSha256,
  regularFileSize,
} from './file-checks.js';

/**
 * The one pipeline every entry point uses (CLI `import`, the watch service, tests):
 * stat ▶ hash ▶ exactly-once check ▶ parse ▶ map ▶ validate ▶ upsert in batches ▶ record run.
 *
 * `processFile()` never throws for expected problems: a bad file, a spent error budget or a
 * busy store come back as a FileOutcome (`rejected` / `deferred`). Only bugs (INTERNAL) escape,
 * after the run was rolled back, so the file can be left where it is for a human to look at.
 * It does not move files: archiving is the caller's business (the CLI leaves the file alone).
 */

export interface ProcessFileRequest {
  /** Where to read the file now (a processing/ path for the watcher, the given path for the CLI). */
  path: string;
  /** Name of the file as dropped, for messages and the run record. */
  displayName: string;
  format: FormatDefinition;
  mode: ImportMode;
  /** Watch job, or null for a CLI import. */
  job: string | null;
  /** Which feed the customers come from; defaults to the job name or the format id. */
  source?: string;
  /** Do everything except write; report what would change. */
  dryRun?: boolean;
  /** Import even when a committed run already imported the same content. */
  force?: boolean;
  /** The mode's point, a selection and the rules' settings (see import-options.ts). */
  options?: ImportOptions;
  /** A watch job's (or --match-existing) fallback match fields; replaces the format's `matchExisting`. */
  matchExisting?: readonly MatchField[];
}

export interface ProgressInfo {
  bytesRead: number;
  sizeBytes: number;
  rows: number;
}

export interface ProcessFileDeps {
  store: CustomerStore;
  logger: Logger;
  /** Gives the parser for a format (parse/create-parser.ts in production). */
  parserFor: (format: FormatDefinition) => Parser;
  instance: string;
  batchSize: number;
  maxFileBytes: number;
  /** Zone for datetimes without offset when the format names none (IANA). */
  defaultTimeZone: string;
  clock?: Clock;
  onProgress?: (progress: ProgressInfo) => void;
  /** Aborting rolls the run back and rejects the file as interrupted. */
  signal?: AbortSignal;
  /** In-process retries of the run after a transient store error; none when absent. */
  retry?: RunRetryPolicy;
  /** The duplicate-key index: keys kept in memory, and where the temporary file goes beyond them. */
  keyIndex?: KeyLinesOptions;
  /**
   * The run's row issues: how many are kept in memory, and where the temporary file for the
   * rest goes. The outcome's `issues` hold them until releaseOutcome() (domain/file-outcome.ts).
   */
  issueLog?: RowIssueLogOptions;
  /**
   * Text files of at least this many bytes are read (and their rows hashed) in a worker thread
   * with the format's built-in parser instead of `parserFor` (row-source.ts). Default 4 MiB,
   * or never on a single-core machine; Infinity: never.
   */
  parseThreadMinBytes?: number;
  /**
   * A dry run lists the changes of its first this many changed records; the rest are counted
   * (FileOutcome.changesOmitted). Default DRY_RUN_CHANGES_KEPT.
   */
  dryRunChangesKept?: number;
}

/**
 * Changed records a dry run lists by default. Each costs about a kilobyte with its old and new
 * values, so a dry run of a large export must not keep them all: 1 000 000 new rows ran out of
 * V8's heap at 4.4 GB when every change was kept.
 */
export const DRY_RUN_CHANGES_KEPT = 1000;

export async function processFile(
  request: ProcessFileRequest,
  deps: ProcessFileDeps,
): Promise<FileOutcome> {
  for (let attempt = 1; ; attempt++) {
    const outcome = await new FileRun(request, deps).execute();
    const retry = deps.retry;
    if (
      retry === undefined ||
      attempt > retry.runRetries ||
      !isStoreRetryable(outcome) ||
      deps.signal?.aborted
    ) {
      if (attempt > 1) {
        outcome.notices.push(
          `The store was unavailable; the run was tried ${attempt} times${outcome.status === 'deferred' ? ', in vain' : ''}.`,
        );
      }
      return outcome;
    }
    releaseOutcome(outcome);
    const retryInMs = backoffMs(retry, attempt);
    deps.logger.warn('The store is unavailable; the run will be tried again', {
      event: 'store.retry',
      file: request.displayName,
      attempt,
      retryInMs,
      code: outcome.error?.code,
    });
    await sleepMs(retryInMs, deps.signal);
  }
}

/** The state of one file going through the pipeline; lives as long as one processFile call. */
class FileRun {
  readonly #request: ProcessFileRequest;
  readonly #deps: ProcessFileDeps;
  readonly #clock: Clock;
  readonly #logger: Logger;
  readonly #startedMs: number;
  readonly #counts: ImportCounts = emptyCounts();
  readonly #issues: RowIssueLog;
  readonly #changes: RecordChange[] = [];
  readonly #changesKept: number;
  readonly #notices: string[] = [];
  /** The keys seen in this file, with the line of each one's first row, and the rule for repeats. */
  readonly #seenKeys: DuplicateKeys;
  #sha256: string | null = null;
  #sizeBytes = 0;
  readonly #options: ImportOptions;
  readonly #rules: RecordRules;
  /** --only-key / --only-email; null: every row. */
  readonly #selection: Selection | null;
  /** changed-since: rows last modified at or before this instant are not written; null: every row. */
  #sinceMs: number | null = null;
  readonly #newest = new NewestLastModified();
  /** rebuild: keys of rows skipped as invalid; their customers are not deactivated. */
  readonly #invalidKeys: string[] = [];

  constructor(request: ProcessFileRequest, deps: ProcessFileDeps) {
    this.#request = request;
    this.#deps = deps;
    this.#changesKept = deps.dryRunChangesKept ?? DRY_RUN_CHANGES_KEPT;
    this.#issues = new RowIssueLog(deps.issueLog);
    this.#clock = deps.clock ?? SYSTEM_CLOCK;
    this.#startedMs = this.#clock.now();
    this.#logger = deps.logger.child({
      file: request.displayName,
      format: request.format.id,
    });
    this.#options = request.options ?? {};
    this.#rules = createRecordRules(
      ruleOptionsForEntity({
        format: request.format,
        customerClasses: this.#options.customerClasses ?? {},
        ...(this.#options.defaultClass === undefined
          ? {}
          : { defaultClass: this.#options.defaultClass }),
      }),
    );
    this.#selection = createSelection(this.#options.only);
    this.#seenKeys = new DuplicateKeys(request.format, deps.keyIndex);
  }

  async execute(): Promise<FileOutcome> {
    try {
      return await this.#execute();
    } finally {
      // The key index may have a temporary file: it goes however the run ended.
      this.#seenKeys.close();
    }
  }

  async #execute(): Promise<FileOutcome> {
    const { request, deps } = { request: this.#request, deps: this.#deps };
    try {
      // Known before the size checks: a rejected file's outcome still says how large it is.
      this.#sizeBytes = await regularFileSize(
        request.path,
        request.displayName,
      );
      checkImportableSize(
        this.#sizeBytes,
        request.displayName,
        deps.maxFileBytes,
      );
      this.#sha256 = await fileSha256(request.path, request.displayName);
    } catch (e) {
      return this.#outcomeForEarlyError(e);
    }

    const meta = this.#runMeta(this.#sha256);
    if (!request.force) {
      const previous = await this.#guardStore(() =>
        deps.store.findSucceededRunBySha(this.#sha256 ?? ''),
      );
      if (previous instanceof AppError) {
        return this.#outcome('deferred', null, previous);
      }
      if (previous) {
        const runId = request.dryRun
          ? null
          : await deps.store.recordDuplicateRun(meta, previous.id);
        this.#logger.debug('File content was already imported', {
          event: 'file.duplicate',
          runId: previous.id,
        });
        return {
          ...this.#outcome('duplicate', runId, null),
          duplicateOfRunId: previous.id,
        };
      }
    }

    if (request.mode === 'changed-since') {
      const since = await this.#guardStore(() =>
        this.#resolveSince(meta.source),
      );
      if (since instanceof AppError) {
        return this.#outcome('deferred', null, since);
      }
      this.#sinceMs = since;
    }

    const session = await this.#guardStore(() =>
      deps.store.beginImport(meta, {
        dryRun: request.dryRun ?? false,
        force: request.force ?? false,
        newStatus: this.#options.newStatus ?? 'active',
        // Only a dry run reports field changes; history is written either way.
        collectChanges: request.dryRun ?? false,
        // The rest are counted (a change for every record inserted or updated), not built.
        maxChanges: this.#changesKept,
        // Large set-based writes where the back-end has them (PostgreSQL); counts come by flush().
        deferResults: true,
      }),
    );
    if (session instanceof AppError) {
      return this.#outcome('deferred', null, session);
    }
    return this.#runInSession(session);
  }

  async #runInSession(session: ImportSession): Promise<FileOutcome> {
    let parsed: RowSource | null = null;
    try {
      parsed = await openRowSource({
        input: {
          path: this.#request.path,
          displayName: this.#request.displayName,
          sizeBytes: this.#sizeBytes,
          format: this.#request.format,
          batchSize: this.#deps.batchSize,
          onBytes: (bytesRead) => this.#reportProgress(bytesRead),
          ...(this.#deps.signal ? { signal: this.#deps.signal } : {}),
        },
        parserFor: this.#deps.parserFor,
        threadMinBytes:
          this.#deps.parseThreadMinBytes ?? defaultParseThreadMinBytes(),
        fingerprint: this.#rowFingerprint(),
      });
      await this.#importRows(parsed, session);
      if (this.#request.mode === 'rebuild') {
        await this.#deactivateMissing(session);
      }
    } catch (e) {
      await parsed?.close().catch(() => undefined);
      return this.#failRun(session, e);
    }
    await parsed.close().catch(() => undefined);

    const status = completedStatus(this.#counts);
    try {
      await session.commit(this.#summary(null));
    } catch (e) {
      if (isAppError(e) && e.code === ErrorCode.DUPLICATE_RUN) {
        // Another process committed the same content while we were reading: it wins.
        const winner =
          typeof e.details?.['duplicateOfRunId'] === 'number'
            ? e.details['duplicateOfRunId']
            : null;
        return {
          ...this.#outcome('duplicate', session.runId, null),
          duplicateOfRunId: winner,
        };
      }
      return this.#failRun(session, e);
    }
    return this.#outcome(status, session.runId, null);
  }

  async #importRows(parsed: RowSource, session: ImportSession): Promise<void> {
    const format = this.#request.format;
    const binding = bindColumns(
      format,
      parsed.header,
      this.#request.displayName,
    );
    this.#notices.push(...binding.warnings);
    if (binding.warnings.length > 0) {
      this.#logger.warn('The header differs from the format', {
        event: 'file.parsed',
        notices: binding.warnings.length,
      });
    }
    const validator = createFileValidator(
      format,
      binding,
      this.#deps.defaultTimeZone,
      parsed,
    );
    this.#logger.debug('Header matched the format', { event: 'file.parsed' });
    // Customers, contacts, addresses or sales agents (import-entities.ts).
    const importer = createBatchImporter(format, {
      mode: this.#request.mode,
      ...(this.#request.matchExisting === undefined
        ? {}
        : { matchExisting: this.#request.matchExisting }),
    });

    // Customer files: every record carries the hash of its file row, and a row the store holds
    // exactly as that row left it is settled from its key alone (source-rows.ts).
    const fingerprint = this.#rowFingerprint();
    const hashRow =
      fingerprint === null
        ? null
        : createSourceRowHasher({
            ...fingerprint,
            format,
            header: parsed.header,
          });
    // A selection looks at every row's fields: no shortcut past them.
    const unchangedRows =
      hashRow === null || this.#selection !== null
        ? null
        : new UnchangedRows(validator, hashRow, (key) =>
            this.#seenKeys.has(key),
          );

    for await (const batch of parsed.batches) {
      this.#throwIfAborted();
      const { rows, hashes } = batch;
      const settled =
        unchangedRows !== null && importer.settlesUnchangedRows()
          ? await unchangedRows.settle(rows, session, batch)
          : null;
      const records: StagedRecord[] = [];
      // Settled rows the importer still checks (salesperson codes), with just those fields.
      const checkFields = settled === null ? [] : importer.settledRowFields();
      const checked: StagedRecord[] = [];
      for (let i = 0; i < rows.length; i++) {
        const row = rows[i] as RawRow;
        const settledKey = settled?.keys[i];
        if (settledKey !== undefined) {
          const lastModified =
            batch.lastModified === null
              ? validator.fieldValue(row, format.lastModifiedField)
              : batch.lastModified[i];
          if (
            this.#settleUnchanged(row, settledKey, lastModified) &&
            checkFields.length > 0
          ) {
            checked.push(
              settledRecord(validator, row, settledKey, checkFields),
            );
          }
          continue;
        }
        const result = validator.validate(row);
        if (result.blank) {
          continue;
        }
        this.#counts.read += 1;
        if (result.record === null) {
          this.#counts.skipped += 1;
          this.#issues.push(...result.issues);
          if (result.key !== undefined && this.#request.mode === 'rebuild') {
            this.#invalidKeys.push(result.key);
          }
          continue;
        }
        if (result.issues.length > 0) {
          this.#issues.push(...result.issues);
        }
        const record = this.#applyRules(result.record);
        if (record !== null && this.#acceptKey(record)) {
          // A row that reports something must be validated on every import: no row hash.
          if (
            hashRow !== null &&
            result.issues.length === 0 &&
            !this.#rules.lastHadUnknownClass()
          ) {
            record.rowHash =
              hashes?.[i] ?? settled?.hashes[i] ?? hashRow(row.cells);
          }
          records.push(record);
        }
      }
      this.#checkErrorBudget();
      if (records.length > 0) {
        const result = await importer.apply(records, session);
        // Rows the store side refused (a contact's missing customer, an ambiguous match) or warned about.
        this.#issues.push(...result.issues);
        this.#counts.skipped += result.skipped;
        this.#counts.warnings += result.warnings;
        this.#checkErrorBudget();
        this.#addStoreResult(result);
      }
      if (checked.length > 0) {
        const result = await importer.checkSettled(checked, session);
        this.#issues.push(...result.issues);
        this.#counts.warnings += result.warnings;
      }
      this.#reportProgress(null);
    }
    // Bulk mode: the store may still hold records back; their counts belong to this run.
    this.#addStoreResult(await session.flush());
    if (this.#counts.read === 0) {
      throw new AppError(
        ErrorCode.NO_DATA_ROWS,
        `'${this.#request.displayName}' contains no data rows.`,
      );
    }
    this.#logger.debug('Rows validated', {
      event: 'file.validated',
      rows: this.#counts.read,
      invalid: this.#counts.skipped,
    });
    this.#notices.push(...importer.notices());
    for (const unknown of this.#rules.unknownClasses()) {
      this.#notices.push(
        `Customer class '${unknown}' is not defined in customerClasses; its rows got no class defaults.`,
      );
    }
  }

  /** What a customer row's hash depends on besides format and header; null: rows are not hashed. */
  #rowFingerprint(): Omit<RowFingerprint, 'format' | 'header'> | null {
    if (this.#request.format.entity !== 'customer') {
      return null;
    }
    return {
      defaultTimeZone: this.#deps.defaultTimeZone,
      customerClasses: this.#options.customerClasses ?? {},
      defaultClass: this.#options.defaultClass,
    };
  }

  /** Adds what the store did with records (counts, type conflicts, and a dry run's changes). */
  #addStoreResult(result: BatchResult): void {
    this.#counts.inserted += result.inserted;
    this.#counts.updated += result.updated;
    this.#counts.unchanged += result.unchanged;
    this.#counts.reactivated += result.reactivated ?? 0;
    for (const conflict of result.typeConflicts ?? []) {
      this.#issues.push({
        line: conflict.line,
        column: null,
        value: null,
        code: 'TYPE_CHANGE_IGNORED',
        message: `type change ${conflict.stored}→${conflict.incoming} ignored: the type of the first import is kept`,
        severity: 'warning',
      });
      this.#counts.warnings += 1;
    }
    // The session lists at most #changesKept in all (BeginImportOptions.maxChanges).
    if (this.#request.dryRun) {
      this.#changes.push(...result.changes);
    }
  }

  /** Throws TOO_MANY_INVALID_ROWS once more rows were skipped than the format allows. */
  #checkErrorBudget(): void {
    const format = this.#request.format;
    if (isErrorBudgetSpent(this.#counts, format)) {
      throw new AppError(
        ErrorCode.TOO_MANY_INVALID_ROWS,
        `More than ${format.onInvalidRows.maxSkippedRows} rows of '${this.#request.displayName}' are invalid ` +
          `(error budget of format '${format.id}'); nothing was imported. See the error report for every row.`,
        {
          details: {
            maxSkippedRows: format.onInvalidRows.maxSkippedRows,
            skipped: this.#counts.skipped,
          },
        },
      );
    }
  }

  /**
   * Selection, changed-since and the business rules, in that order; null when the row is not
   * to be written (counted `filtered` or `notChanged`).
   */
  #applyRules(record: StagedRecord): StagedRecord | null {
    const lastModified = record.fields[this.#request.format.lastModifiedField];
    this.#newest.see(lastModified);
    if (
      this.#selection !== null &&
      !this.#selection.matches(record.key, record.fields)
    ) {
      this.#counts.filtered += 1;
      return null;
    }
    if (this.#notChangedSince(lastModified)) {
      this.#counts.notChanged += 1;
      return null;
    }
    const ruled = this.#rules.apply(record);
    if (ruled === null) {
      this.#counts.filtered += 1;
    }
    return ruled;
  }

  /**
   * changed-since: whether a row last modified then is not newer than the mode's point. A row
   * without a last-modified value is imported: nothing says it is old.
   */
  #notChangedSince(lastModified: FieldValue | undefined): boolean {
    if (this.#sinceMs === null) {
      return false;
    }
    const ms = lastModifiedMs(lastModified);
    return ms !== null && ms <= this.#sinceMs;
  }

  /**
   * A row the store holds exactly as this row left it (source-rows.ts): counted, its key noted
   * for the duplicate check and its last-modified value seen, as validating it would; no write.
   * False when changed-since leaves it out (as the full path would, before any check).
   */
  #settleUnchanged(
    row: RawRow,
    key: string,
    lastModified: FieldValue | undefined,
  ): boolean {
    this.#counts.read += 1;
    this.#newest.see(lastModified);
    if (this.#notChangedSince(lastModified)) {
      this.#counts.notChanged += 1;
      return false;
    }
    this.#seenKeys.see(key, row.line);
    this.#counts.unchanged += 1;
    return true;
  }

  /** changed-since: the instant rows must be newer than, or null for every row. */
  async #resolveSince(source: string): Promise<number | null> {
    const since =
      this.#options.since ?? this.#request.format.since ?? 'last-transfer';
    if (since === 'anytime') {
      this.#notices.push('changed-since anytime: every row is imported.');
      return null;
    }
    if (since === 'last-transfer') {
      const last = await this.#deps.store.findLastTransfer(source);
      const ms = lastModifiedMs(last ?? undefined);
      if (last === null || ms === null) {
        this.#notices.push(
          `changed-since: source '${source}' has no earlier transfer; every row is imported.`,
        );
        return null;
      }
      this.#notices.push(
        `changed-since: rows last modified after ${last} (the last transfer of source '${source}').`,
      );
      return ms;
    }
    const zone = this.#request.format.timeZone ?? this.#deps.defaultTimeZone;
    const converter = createZoneConverter(zone);
    const ms = parseSinceTimestamp(since, (wall) => converter.toEpochMs(wall));
    this.#notices.push(
      `changed-since: rows last modified after ${new Date(ms).toISOString()} (${since}).`,
    );
    return ms;
  }

  /** rebuild: deactivates the source's customers the file does not list, within the guard. */
  async #deactivateMissing(session: ImportSession): Promise<void> {
    const maxPercent =
      this.#options.maxDeactivatePercent ?? DEFAULT_MAX_DEACTIVATE_PERCENT;
    const source = this.#source();
    const result = await session.deactivateMissing({
      keep: this.#invalidKeys,
      maxPercent,
      note: deactivationNote(session.runId),
    });
    if (result.refused) {
      throw new AppError(
        ErrorCode.DEACTIVATION_LIMIT,
        `The rebuild of '${this.#request.displayName}' ${deactivationRefusal(result.missing, result.active, source, maxPercent)}; ` +
          'nothing was changed. Check that the export is complete, or raise rebuild.maxDeactivatePercent.',
        {
          details: {
            missing: result.missing,
            active: result.active,
            source,
            maxPercent,
          },
        },
      );
    }
    this.#counts.deactivated = result.deactivated;
    if (result.deactivated > 0) {
      this.#logger.info('Customers not in the file were deactivated', {
        event: 'file.validated',
        deactivated: result.deactivated,
      });
    }
  }

  #source(): string {
    const r = this.#request;
    return r.source ?? r.job ?? r.format.id;
  }

  /** Whether this row goes to the store, by the format's rule for keys seen twice (duplicate-keys.ts). */
  #acceptKey(record: StagedRecord): boolean {
    const verdict = this.#seenKeys.judge(record);
    if (verdict === null) {
      return true;
    }
    this.#issues.push(...verdict.issues);
    if (verdict.severity === 'warning') {
      this.#counts.warnings += 1;
    } else {
      this.#counts.skipped += 1;
    }
    return verdict.accept;
  }

  /** Runs a store call, turning a retryable store error into a value (the file is deferred). */
  async #guardStore<T>(fn: () => Promise<T>): Promise<T | AppError> {
    try {
      return await fn();
    } catch (e) {
      if (isAppError(e) && e.retryable) {
        return e;
      }
      throw e;
    }
  }

  async #failRun(session: ImportSession, e: unknown): Promise<FileOutcome> {
    // An abort (shutdown) surfaces from the parser as the signal's own reason: it is not a bug.
    const error = isAppError(e)
      ? e
      : this.#deps.signal?.aborted
        ? this.#interrupted()
        : null;
    const summary = this.#summary(
      error
        ? { code: error.code, message: error.message }
        : { code: ErrorCode.INTERNAL, message: coerceError(e).message },
    );
    try {
      await session.fail(summary);
    } catch (failError) {
      this.#logger.error('Could not record the failed run', {
        event: 'internal.error',
        error: coerceError(failError),
      });
    }
    if (!error || error.code === ErrorCode.INTERNAL) {
      throw e;
    }
    return this.#outcome(
      error.retryable ? 'deferred' : 'rejected',
      session.runId,
      error,
    );
  }

  async #outcomeForEarlyError(e: unknown): Promise<FileOutcome> {
    if (!isAppError(e) || e.code === ErrorCode.INTERNAL) {
      throw e;
    }
    if (e.retryable) {
      return this.#outcome('deferred', null, e);
    }
    // A file rejected before its run began is still recorded, so `runs list` shows it.
    let runId: number | null = null;
    if (!this.#request.dryRun) {
      const recorded = await this.#guardStore(() =>
        this.#deps.store.recordRejectedRun(
          this.#runMeta(this.#sha256 ?? ''),
          this.#summary({ code: e.code, message: e.message }),
        ),
      );
      runId = typeof recorded === 'number' ? recorded : null;
    }
    return this.#outcome('rejected', runId, e);
  }

  #runMeta(sha256: string): RunMeta {
    const r = this.#request;
    return {
      file: r.displayName,
      sha256,
      sizeBytes: this.#sizeBytes,
      format: r.format.id,
      mode: r.mode,
      job: r.job,
      source: this.#source(),
      instance: this.#deps.instance,
      startedAt: new Date(this.#startedMs).toISOString(),
    };
  }

  #summary(error: RunSummary['error']): RunSummary {
    const now = this.#clock.now();
    return {
      counts: { ...this.#counts },
      // A selection saw only some customers: its point would make the next changed-since skip the rest.
      lastModifiedMax: this.#selection === null ? this.#newest.value : null,
      issues: this.#issues,
      error,
      finishedAt: new Date(now).toISOString(),
      durationMs: now - this.#startedMs,
    };
  }

  #outcome(
    status: FileOutcome['status'],
    runId: number | null,
    error: AppError | null,
  ): FileOutcome {
    const now = this.#clock.now();
    return {
      status,
      runId,
      file: this.#request.displayName,
      format: this.#request.format.id,
      mode: this.#request.mode,
      sha256: this.#sha256,
      sizeBytes: this.#sizeBytes,
      dryRun: this.#request.dryRun ?? false,
      counts: { ...this.#counts },
      issues: this.#issues,
      notices: this.#notices,
      ...(this.#selection === null
        ? {}
        : { notFound: this.#selection.notFound() }),
      error,
      duplicateOfRunId: null,
      changes: this.#changes,
      // Every record inserted or updated has its change; those beyond the kept ones are counted.
      changesOmitted: this.#request.dryRun
        ? Math.max(
            0,
            this.#counts.inserted + this.#counts.updated - this.#changes.length,
          )
        : 0,
      startedAt: new Date(this.#startedMs).toISOString(),
      finishedAt: new Date(now).toISOString(),
      durationMs: now - this.#startedMs,
    };
  }

  #reportProgress(bytesRead: number | null): void {
    if (bytesRead !== null) {
      this.#lastBytes = bytesRead;
    }
    this.#deps.onProgress?.({
      bytesRead: this.#lastBytes,
      sizeBytes: this.#sizeBytes,
      rows: this.#counts.read,
    });
  }
  #lastBytes = 0;

  #throwIfAborted(): void {
    if (this.#deps.signal?.aborted) {
      throw this.#interrupted();
    }
  }

  /** A run stopped by shutdown: rolled back, and retryable (the file stays claimed). */
  #interrupted(): AppError {
    return new AppError(
      ErrorCode.PARSE_FAILED,
      `Import of '${this.#request.displayName}' was interrupted; nothing was written.`,
      {
        retryable: true,
      },
    );
  }
}
