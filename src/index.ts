/**
 * customer-import as a library: the same pipeline the CLI and the watch service use.
 *
 * ```ts
 * import { loadConfig, loadFormats, createStore, processFile, parserFactory } from 'customer-import';
 * ```
 */

/** Errors: every error crossing a module boundary is an AppError with a code. */
export { AppError, ErrorCode, isAppError, isRetryable } from './errors.js';
/** The customer model, row issues, file outcomes and the glossary. */
export * from './domain/index.js';
/** Config: the zod schema (with defaults) and the layered loader (file < env < flags). */
export {
  AppConfigSchema,
  type AppConfig,
  type AppConfigInput,
  type WatchJob,
  type StoreConfig,
} from './config/app-config.js';
export { loadConfig, type LoadedConfig } from './config/load-config.js';
/** Format definitions: the zod schema, loading a folder of definitions, matching by file name. */
export {
  FormatDefinitionSchema,
  type FormatDefinition,
  type FormatDefinitionInput,
} from './formats/format-definition.js';
export {
  loadFormats,
  validateFormats,
  type FormatSet,
  type LoadedFormat,
  type FormatProblem,
} from './formats/load-formats.js';
export { matchFormat } from './formats/match-format.js';
export { resolveFormatForFile } from './formats/resolve-format.js';
/** Logging: our narrow Logger, a capturing logger for tests, and the winston-backed one. */
export {
  CapturingLogger,
  NULL_LOGGER,
  type Logger,
  type LogMeta,
} from './logging/logger.js';
export { createWinstonLogger } from './logging/winston.js';
/** Stores: the contract and the factory (SQLite or PostgreSQL by config). */
export { createStore } from './store/create-store.js';
export type {
  CustomerStore,
  RunRecord,
  RunDetail,
  GetRunOptions,
  CustomerDetail,
  HistoryEntry,
  NewCustomer,
} from './store/customer-store.js';
/** The pipeline: one file through parse ▶ map ▶ validate ▶ upsert ▶ record. */
export {
  processFile,
  type ProcessFileRequest,
  type ProcessFileDeps,
  type ProgressInfo,
} from './pipeline/process-file.js';
export { previewFile, type FilePreview } from './pipeline/preview-file.js';
export { parserFactory } from './pipeline/parser-factory.js';
export { formatErrorsCsv, formatOutcomeText } from './pipeline/error-report.js';
/** Notifications and the watch service. */
export { createNotifier } from './notify/create-notifier.js';
export type { Notifier, RunNotification } from './notify/notifier.js';
export {
  createService,
  type Service,
  type ServiceDeps,
} from './server/service.js';
