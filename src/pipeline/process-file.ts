import { lstat } from 'node:fs/promises';
import { AppError, ErrorCode, coerceError, fsErrorCode, isAppError } from '../errors.js';
import {
  emptyCounts,
  type FileOutcome,
  type ImportCounts,
  type ImportMode,
  type RecordChange,
} from '../domain/file-outcome.js';
import type { RowIssue } from '../domain/row-issue.js';
import type { FormatDefinition } from '../formats/format-definition.js';
import type { Logger } from '../logging/logger.js';
import type { Parser, ParsedFile } from '../parse/parser.js';
import type { CustomerStore, ImportSession, RunMeta, RunSummary, StagedRecord } from '../store/customer-store.js';
import { SYSTEM_CLOCK, type Clock } from '../util/clock.js';
import { sha256File } from '../util/hash.js';
import { bindColumns } from '../validate/map-columns.js';
import { createZoneConverter } from '../validate/time-zone.js';
import { createRowValidator } from '../validate/validate-rows.js';
import { NewestLastModified, lastModifiedMs, parseSinceTimestamp } from '../rules/changed-since.js';
import { DEFAULT_MAX_DEACTIVATE_PERCENT, deactivationNote, deactivationRefusal } from '../rules/deactivation-guard.js';
import { createRecordRules, type RecordRules } from '../rules/record-rules.js';
import { createSelection, type Selection } from '../rules/selection.js';
import type { ImportOptions } from './import-options.js';
import { isStoreRetryable, retryDelayMs, sleepMs, type RunRetryPolicy } from './run-retries.js';
import { KeyLines } from './key-lines.js';
import { completedStatus, isErrorBudgetSpent } from './outcome-policy.js';

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
}

export async function processFile(request: ProcessFileRequest, deps: ProcessFileDeps): Promise<FileOutcome> {
  for (let attempt = 1; ; attempt++) {
    const outcome = await new FileRun(request, deps).execute();
    const retry = deps.retry;
    if (retry === undefined || attempt > retry.runRetries || !isStoreRetryable(outcome) || deps.signal?.aborted) {
      if (attempt > 1) {
        outcome.notices.push(
          `The store was unavailable; the run was tried ${attempt} times${outcome.status === 'deferred' ? ', in vain' : ''}.`,
        );
      }
      return outcome;
    }
    const retryInMs = retryDelayMs(retry, attempt);
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

  /** In-process retries of the run after a transient store error; none when absent. */
  retry?: RunRetryPolicy;
/** The state of one file going through the pipeline; lives as long as one processFile call. */
class FileRun {
  readonly #request: ProcessFileRequest;
  readonly #deps: ProcessFileDeps;
  readonly #clock: Clock;
  readonly #logger: Logger;
  readonly #startedMs: number;
  readonly #counts: ImportCounts = emptyCounts();
  readonly #issues: RowIssue[] = [];
  readonly #changes: RecordChange[] = [];
  readonly #notices: string[] = [];
  /** Key → line of its first row in this file, to report keys that appear twice. */
  readonly #seenKeys = new KeyLines();
  #sha256: string | null = null;
  #sizeBytes = 0;

  constructor(request: ProcessFileRequest, deps: ProcessFileDeps) {
    this.#request = request;
    this.#deps = deps;
    this.#clock = deps.clock ?? SYSTEM_CLOCK;
    this.#startedMs = this.#clock.now();
    this.#logger = deps.logger.child({ file: request.displayName, format: request.format.id });
  readonly #options: ImportOptions;
  readonly #rules: RecordRules;
  /** --only-key / --only-email; null: every row. */
  readonly #selection: Selection | null;
  /** changed-since: rows last modified at or before this instant are not written; null: every row. */
  #sinceMs: number | null = null;
  readonly #newest = new NewestLastModified();
  /** rebuild: keys of rows skipped as invalid; their customers are not deactivated. */
  readonly #invalidKeys: string[] = [];
  }

  async execute(): Promise<FileOutcome> {
    const { request, deps } = { request: this.#request, deps: this.#deps };
    try {
      await this.#checkFile();
      this.#sha256 = await this.#hash();
    } catch (e) {
      return this.#outcomeForEarlyError(e);
    }

    const meta = this.#runMeta(this.#sha256);
    if (!request.force) {
      const previous = await this.#guardStore(() => deps.store.findSucceededRunBySha(this.#sha256 ?? ''));
      if (previous instanceof AppError) {
        return this.#outcome('deferred', null, previous);
      }
      if (previous) {
        const runId = request.dryRun ? null : await deps.store.recordDuplicateRun(meta, previous.id);
        this.#logger.debug('File content was already imported', { event: 'file.duplicate', runId: previous.id });
        return { ...this.#outcome('duplicate', runId, null), duplicateOfRunId: previous.id };
      }
    }

    const session = await this.#guardStore(() =>
      deps.store.beginImport(meta, {
        dryRun: request.dryRun ?? false,
        force: request.force ?? false,
        newStatus: this.#options.newStatus ?? 'active',
      }),
    );
    if (session instanceof AppError) {
      return this.#outcome('deferred', null, session);
    }
    return this.#runInSession(session);
  }

  async #runInSession(session: ImportSession): Promise<FileOutcome> {
    let parsed: ParsedFile | null = null;
    try {
      parsed = await this.#deps.parserFor(this.#request.format).open({
        path: this.#request.path,
        displayName: this.#request.displayName,
        sizeBytes: this.#sizeBytes,
    if (request.mode === 'changed-since') {
      const since = await this.#guardStore(() => this.#resolveSince(meta.source));
      if (since instanceof AppError) {
        return this.#outcome('deferred', null, since);
      }
      this.#sinceMs = since;
    }

        format: this.#request.format,
        batchSize: this.#deps.batchSize,
        onBytes: (bytesRead) => this.#reportProgress(bytesRead),
        ...(this.#deps.signal ? { signal: this.#deps.signal } : {}),
      });
      await this.#importRows(parsed, session);
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
        const winner = typeof e.details?.['duplicateOfRunId'] === 'number' ? e.details['duplicateOfRunId'] : null;
        return { ...this.#outcome('duplicate', session.runId, null), duplicateOfRunId: winner };
      }
      return this.#failRun(session, e);
      if (this.#request.mode === 'rebuild') {
        await this.#deactivateMissing(session);
      }
    }
    return this.#outcome(status, session.runId, null);
  }

  async #importRows(parsed: ParsedFile, session: ImportSession): Promise<void> {
    const format = this.#request.format;
    const binding = bindColumns(format, parsed.header, this.#request.displayName);
    this.#notices.push(...binding.warnings);
    if (binding.warnings.length > 0) {
      this.#logger.warn('The header differs from the format', { event: 'file.parsed', notices: binding.warnings.length });
    }
    const validator = createRowValidator(format, binding, {
      defaultTimeZone: this.#deps.defaultTimeZone,
      ...(parsed.cellRef === undefined ? {} : { cellRef: parsed.cellRef.bind(parsed) }),
      ...(parsed.sheet === undefined ? {} : { sheet: parsed.sheet }),
    });
    this.#logger.debug('Header matched the format', { event: 'file.parsed' });

    for await (const rows of parsed.rows) {
      this.#throwIfAborted();
      const records: StagedRecord[] = [];
      for (const row of rows) {
        const result = validator.validate(row);
        if (result.blank) {
          continue;
        }
        this.#counts.read += 1;
        if (result.record === null) {
          this.#counts.skipped += 1;
          this.#issues.push(...result.issues);
          continue;
        }
        if (result.issues.length > 0) {
          this.#issues.push(...result.issues);
        }
        const record = this.#applyRules(result.record);
        if (record !== null && this.#acceptKey(record)) {
          records.push(record);
        }
      }
      if (isErrorBudgetSpent(this.#counts, format)) {
        throw new AppError(
          ErrorCode.TOO_MANY_INVALID_ROWS,
          `More than ${format.onInvalidRows.maxSkippedRows} rows of '${this.#request.displayName}' are invalid ` +
            `(error budget of format '${format.id}'); nothing was imported. See the error report for every row.`,
          { details: { maxSkippedRows: format.onInvalidRows.maxSkippedRows, skipped: this.#counts.skipped } },
        );
      }
      if (records.length > 0) {
        const result = await session.applyBatch(records);
        this.#counts.inserted += result.inserted;
        this.#counts.updated += result.updated;
          if (result.key !== undefined && this.#request.mode === 'rebuild') {
            this.#invalidKeys.push(result.key);
          }
        this.#counts.unchanged += result.unchanged;
        if (this.#request.dryRun) {
          this.#changes.push(...result.changes);
        }
      }
      this.#reportProgress(null);
    }
    if (this.#counts.read === 0) {
      throw new AppError(ErrorCode.NO_DATA_ROWS, `'${this.#request.displayName}' contains no data rows.`);
    }
    this.#logger.debug('Rows validated', {
      event: 'file.validated',
      rows: this.#counts.read,
      invalid: this.#counts.skipped,
    });
  }

  /**
   * Applies the format's rule for a key seen twice in one file. Returns whether this row goes
   * to the store. With last-wins the later row simply overwrites the earlier one in the same
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
   * transaction; both lines are reported as warnings.
   */
  #acceptKey(record: StagedRecord): boolean {
    const firstLine = this.#seenKeys.get(record.key);
    if (firstLine === undefined) {
      this.#seenKeys.add(record.key, record.line);
      return true;
    }
    const rule = this.#request.format.duplicateKeys;
    const keyField = this.#request.format.key;
    const base = { column: keyField, value: record.key, code: 'DUPLICATE_KEY' as const };
    switch (rule) {
      case 'last-wins':
      case 'first-wins': {
        const winner = rule === 'last-wins' ? record.line : firstLine;
        const message = `${keyField} '${record.key}' appears on lines ${firstLine} and ${record.line}; line ${winner} wins`;
        this.#issues.push(
          { ...base, line: firstLine, message, severity: 'warning' },
          { ...base, line: record.line, message, severity: 'warning' },
        );
        this.#counts.warnings += 1;
        return rule === 'last-wins';
      }
      case 'error':
        this.#issues.push({
          ...base,
          line: record.line,
          message: `${keyField} '${record.key}' already appeared on line ${firstLine}; this row is skipped`,
          severity: 'error',
        });
        this.#counts.skipped += 1;
        return false;
      default: {
        const never: never = rule;
        return never;
      }
    }
  }

  async #checkFile(): Promise<void> {
    const { path, displayName } = this.#request;
    let stats;
    try {
      stats = await lstat(path);
    } catch (e) {
      throw fileError(e, displayName);
    }
    if (!stats.isFile()) {
      throw new AppError(ErrorCode.FILE_UNREADABLE, `'${displayName}' is not a regular file (directory, link or device); it was not read.`);
    }
    this.#sizeBytes = stats.size;
    if (stats.size === 0) {
      throw new AppError(ErrorCode.FILE_EMPTY, `'${displayName}' is empty (0 bytes).`);
    }
    if (stats.size > this.#deps.maxFileBytes) {
      throw new AppError(
        ErrorCode.FILE_TOO_LARGE,
        `'${displayName}' is ${stats.size} bytes, more than the configured maximum of ${this.#deps.maxFileBytes} bytes (maxFileBytes).`,
      );
    }
  }

  async #hash(): Promise<string> {
    try {
      return await sha256File(this.#request.path);
    } catch (e) {
      throw fileError(e, this.#request.displayName);
    }
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
    const error = isAppError(e) ? e : this.#deps.signal?.aborted ? this.#interrupted() : null;
    const summary = this.#summary(
      error ? { code: error.code, message: error.message } : { code: ErrorCode.INTERNAL, message: coerceError(e).message },
    );
    try {
      await session.fail(summary);
    } catch (failError) {
      this.#logger.error('Could not record the failed run', { event: 'internal.error', error: coerceError(failError) });
    }
    if (!error || error.code === ErrorCode.INTERNAL) {
      throw e;
    }
    return this.#outcome(error.retryable ? 'deferred' : 'rejected', session.runId, error);
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
      source: r.source ?? r.job ?? r.format.id,
      instance: this.#deps.instance,
      startedAt: new Date(this.#startedMs).toISOString(),
    };
  }

  #summary(error: RunSummary['error']): RunSummary {
    const now = this.#clock.now();
    return {
      counts: { ...this.#counts },
      issues: this.#issues,
      error,
      finishedAt: new Date(now).toISOString(),
      durationMs: now - this.#startedMs,
    };
  }

  #outcome(status: FileOutcome['status'], runId: number | null, error: AppError | null): FileOutcome {
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
      error,
      duplicateOfRunId: null,
      changes: this.#changes,
      startedAt: new Date(this.#startedMs).toISOString(),
      finishedAt: new Date(now).toISOString(),
      durationMs: now - this.#startedMs,
    };
  }

  #reportProgress(bytesRead: number | null): void {
    if (bytesRead !== null) {
      this.#lastBytes = bytesRead;
    }
    this.#deps.onProgress?.({ bytesRead: this.#lastBytes, sizeBytes: this.#sizeBytes, rows: this.#counts.read });
  }
  #lastBytes = 0;

  #throwIfAborted(): void {
    if (this.#deps.signal?.aborted) {
      throw this.#interrupted();
    }
  }

  /** A run stopped by shutdown: rolled back, and retryable (the file stays claimed). */
  #interrupted(): AppError {
    return new AppError(ErrorCode.PARSE_FAILED, `Import of '${this.#request.displayName}' was interrupted; nothing was written.`, {
      retryable: true,
    });
  }
}

/** Sorts an fs error by its code: busy/locked files are retried later, the rest are rejected. */
function fileError(e: unknown, displayName: string): AppError {
  const code = fsErrorCode(e);
  switch (code) {
    case 'ENOENT':
      return new AppError(ErrorCode.FILE_UNREADABLE, `File '${displayName}' does not exist.`, { cause: e });
    case 'EISDIR':
      return new AppError(ErrorCode.FILE_UNREADABLE, `'${displayName}' is a directory, not a file.`, { cause: e });
    case 'EBUSY':
    case 'EPERM':
    case 'EACCES':
    case 'EAGAIN':
      return new AppError(ErrorCode.FILE_BUSY, `'${displayName}' cannot be read yet (${code}); it may be locked or still being written.`, {
        cause: e,
      });
    default:
      return new AppError(ErrorCode.FILE_UNREADABLE, `'${displayName}' cannot be read: ${coerceError(e).message}`, { cause: e });
  }
}
      // A selection saw only some customers: its point would make the next changed-since skip the rest.
      lastModifiedMax: this.#selection === null ? this.#newest.value : null,
      ...(this.#selection === null ? {} : { notFound: this.#selection.notFound() }),
