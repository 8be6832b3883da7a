import { readFile, stat } from 'node:fs/promises';
import { hostname } from 'node:os';
import {
  basename,
  dirname,
  isAbsolute,
  join,
  relative,
  resolve,
} from 'node:path';
import { AppError, ErrorCode, coerceError, fsErrorCode } from '../errors.js';
import { deepFreeze } from '../util/deep-freeze.js';
import {
  formatDocumentPath,
  parseSourceDocument,
  syntaxForFile,
  type SourceDocument,
} from '../util/source-document.js';
import { describeZodIssue, issueTargetPath } from '../util/zod-issue.js';
import {
  AppConfigSchema,
  type AppConfig,
  type AppConfigInput,
} from './app-config.js';
import {
  dropEmpty,
  hasPath,
  isPlainObject,
  mergeLayers,
  resolveLayerPaths,
  samePath,
  setPath,
} from './config-layers.js';
import { collectSecrets, maskSecrets } from './redact-config.js';

/**
 * Loads the application config: schema defaults < config file < environment < flags. Each
 * layer is a partial object with `undefined` keys dropped; the layers are deep-merged (arrays
 * replace) and parsed ONCE with `AppConfigSchema`, so every default lives in the schema and
 * every error is reported against the layer that set the bad value.
 *
 * This is the only module that looks at environment variables, and even here they are passed
 * in (`options.env`), so tests and library callers control them.
 */

/** Looked for, in this order, in the working directory when no `--config` is given. */
export const CONFIG_FILE_NAMES = [
  'customer-import.config.yaml',
  'customer-import.config.yml',
  'customer-import.config.json',
] as const;

/** A partial config, as flags (or a test) give it: any key may be missing or undefined. */
export type ConfigLayer = DeepPartial<AppConfigInput>;
type DeepPartial<T> = T extends readonly unknown[]
  ? T
  : T extends object
    ? { [K in keyof T]?: DeepPartial<T[K]> | undefined }
    : T;

export interface LoadConfigOptions {
  /** Working directory: where the config file is looked for, and the base of relative flag/env paths. */
  cwd: string;
  /** An explicit config file (relative to cwd); it must exist. */
  configPath?: string;
  /** The environment to read (`process.env` in the CLI). */
  env: Readonly<Record<string, string | undefined>>;
  /** Command-line flags: the highest layer. */
  flags?: ConfigLayer;
}

export interface LoadedConfig {
  /** The resolved config: every default filled, every path absolute, deep-frozen. */
  config: AppConfig;
  /** The config file that was read (absolute), or null when running on defaults. */
  configPath: string | null;
  /** The folder relative paths in the file were resolved against. */
  baseDir: string;
}

/** A config problem as kept in `AppError.details.issues`. */
export interface ConfigIssue {
  /** Who set the bad value; `defaults` only for rules across fields that no layer touched. */
  source: 'file' | 'env' | 'flags' | 'defaults';
  /** The config file (as shown in messages) for `file`, the variable for `env`. */
  origin: string;
  line: number | null;
  path: string;
  message: string;
}

/** One environment variable we understand, and the config values it sets. */
interface EnvVariable {
  name: string;
  description: string;
  /** The settings this value gives; `null` when the variable does not apply here. */
  apply(value: string, context: EnvContext): EnvSetting[] | null;
}
interface EnvContext {
  /** Is SMTP configured by the file or the flags? (a password alone configures nothing) */
  smtpConfigured: boolean;
  env: Readonly<Record<string, string | undefined>>;
}
interface EnvSetting {
  path: readonly string[];
  value: unknown;
}

const POSTGRES_URL = /^postgres(ql)?:\/\//i;

/** The environment table: the one place that maps variables to config. */
export const ENV_VARIABLES: readonly EnvVariable[] = [
  {
    name: 'CUSTOMER_IMPORT_DATABASE_URL',
    description:
      'PostgreSQL URL (postgres://user:password@host/db); selects the postgres store',
    apply: (url) => {
      if (!POSTGRES_URL.test(url)) {
        // Said without the value: it may hold a password.
        throw configError(
          'CUSTOMER_IMPORT_DATABASE_URL must be a postgres:// or postgresql:// URL; for SQLite set CUSTOMER_IMPORT_SQLITE_PATH instead',
          [
            {
              source: 'env',
              origin: 'CUSTOMER_IMPORT_DATABASE_URL',
              line: null,
              path: 'store.url',
              message: 'must start with postgres:// or postgresql://',
            },
          ],
        );
      }
      return postgresStore(url);
    },
  },
  {
    name: 'DATABASE_URL',
    description:
      'Used like CUSTOMER_IMPORT_DATABASE_URL when that is unset and the URL is postgres://',
    // DATABASE_URL is a common name that may belong to another program on the host: only a
    // PostgreSQL URL is taken, and only when no CUSTOMER_IMPORT_ store variable is set.
    apply: (url, { env }) =>
      POSTGRES_URL.test(url) &&
      !present(env, 'CUSTOMER_IMPORT_DATABASE_URL') &&
      !present(env, 'CUSTOMER_IMPORT_SQLITE_PATH')
        ? postgresStore(url)
        : null,
  },
  {
    name: 'CUSTOMER_IMPORT_SQLITE_PATH',
    description: 'SQLite database file; selects the sqlite store',
    apply: (path, { env }) => {
      if (present(env, 'CUSTOMER_IMPORT_DATABASE_URL')) {
        throw configError(
          'Set either CUSTOMER_IMPORT_DATABASE_URL or CUSTOMER_IMPORT_SQLITE_PATH, not both',
          [
            {
              source: 'env',
              origin: 'CUSTOMER_IMPORT_SQLITE_PATH',
              line: null,
              path: 'store',
              message: 'conflicts with CUSTOMER_IMPORT_DATABASE_URL',
            },
          ],
        );
      }
      return [
        { path: ['store', 'type'], value: 'sqlite' },
        { path: ['store', 'path'], value: path },
      ];
    },
  },
  {
    name: 'CUSTOMER_IMPORT_FORMATS_DIR',
    description: 'Folder of format definitions',
    apply: (dir) => [{ path: ['formatsDir'], value: dir }],
  },
  {
    name: 'CUSTOMER_IMPORT_LOG_LEVEL',
    description: 'error, warn, info or debug',
    apply: (level) => [{ path: ['logging', 'level'], value: level }],
  },
  {
    name: 'CUSTOMER_IMPORT_LOG_DIR',
    description: 'Folder for the rotated log files',
    apply: (dir) => [{ path: ['logging', 'dir'], value: dir }],
  },
  {
    name: 'CUSTOMER_IMPORT_SMTP_PASSWORD',
    description: 'SMTP password (used when notify.email.smtp is configured)',
    apply: (password, { smtpConfigured }) =>
      smtpConfigured
        ? [{ path: ['notify', 'email', 'smtp', 'password'], value: password }]
        : null,
  },
  {
    name: 'CUSTOMER_IMPORT_INSTANCE',
    description: "Instance name in logs and mails (default: the host's name)",
    apply: (name) => [{ path: ['instanceName'], value: name }],
  },
];

/** Loads, merges, validates, resolves and freezes the config. Throws `CONFIG_INVALID`. */
export async function loadConfig(
  options: LoadConfigOptions,
): Promise<LoadedConfig> {
  const cwd = resolve(options.cwd);
  const configPath = await findConfigFile(cwd, options.configPath);
  const baseDir = configPath === null ? cwd : dirname(configPath);
  const displayName = configPath === null ? '' : displayPath(cwd, configPath);

  let fileLayer: Record<string, unknown> = {};
  let document: SourceDocument | null = null;
  if (configPath !== null) {
    document = await readConfigDocument(configPath, displayName);
    fileLayer = toLayer(document.value, displayName);
  }

  const flagsLayer = dropEmpty(options.flags ?? {});
  const env = buildEnvLayer(options.env, {
    smtpConfigured:
      hasPath(fileLayer, ['notify', 'email', 'smtp']) ||
      hasPath(flagsLayer, ['notify', 'email', 'smtp']),
    env: options.env,
  });

  // Relative paths mean "relative to the file" inside the file, and "relative to where I am"
  // on the command line and in the environment.
  const merged = mergeLayers(
    mergeLayers(
      resolveLayerPaths(fileLayer, baseDir),
      resolveLayerPaths(env.layer, cwd),
    ),
    resolveLayerPaths(flagsLayer, cwd),
  );

  const result = AppConfigSchema.safeParse(merged);
  if (!result.success) {
    const secrets = collectSecrets(merged);
    const issues = result.error.issues.map((issue): ConfigIssue => {
      const path = issueTargetPath(issue);
      const message = maskSecrets(describeZodIssue(issue), secrets);
      const where = attribute(path, {
        fileLayer,
        flagsLayer,
        envSources: env.sources,
        hasFile: configPath !== null,
      });
      const line =
        where.source === 'file' && document ? document.lineOf(path) : null;
      return {
        source: where.source,
        origin: where.source === 'file' ? displayName : where.origin,
        line,
        // Keys are masked too: a mis-indented password can turn into an (unknown) key.
        path: maskSecrets(formatDocumentPath(path), secrets),
        message,
      };
    });
    throw configError('', issues);
  }

  const config = finishConfig(result.data, baseDir);
  return { config: deepFreeze(config), configPath, baseDir };
}

/** One line per problem: `customer-import.config.yaml line 7 (jobs[0].stabilitySeconds): expected number, received string`. */
export function formatConfigIssue(issue: ConfigIssue): string {
  const where =
    issue.source === 'flags'
      ? 'command-line option'
      : `${issue.origin}${issue.line === null ? '' : ` line ${issue.line}`}`;
  return `${where}${issue.path === '' ? '' : ` (${issue.path})`}: ${issue.message}`;
}

function configError(
  summary: string,
  issues: ConfigIssue[],
  cause?: unknown,
): AppError {
  const lines = issues.map(formatConfigIssue);
  let message: string;
  if (summary !== '') {
    message = `Invalid configuration: ${summary}`;
  } else if (lines.length === 1) {
    message = `Invalid configuration: ${lines[0]}`;
  } else {
    message = [
      `Invalid configuration (${lines.length} problems):`,
      ...lines.map((l) => `  ${l}`),
    ].join('\n');
  }
  return new AppError(ErrorCode.CONFIG_INVALID, message, {
    details: { issues },
    cause,
  });
}

async function findConfigFile(
  cwd: string,
  explicit: string | undefined,
): Promise<string | null> {
  if (explicit !== undefined) {
    const path = resolve(cwd, explicit);
    const kind = await fileKind(path);
    if (kind !== 'file') {
      throw configError(
        kind === 'missing'
          ? `config file ${path} does not exist`
          : `config path ${path} is a folder, not a file`,
        [],
      );
    }
    return path;
  }
  const found: string[] = [];
  for (const name of CONFIG_FILE_NAMES) {
    const path = join(cwd, name);
    if ((await fileKind(path)) === 'file') {
      found.push(path);
    }
  }
  if (found.length > 1) {
    // Silently preferring one would let an admin edit the file that is not read.
    throw configError(
      `found ${found.map((p) => basename(p)).join(' and ')} in ${cwd}; keep only one`,
      [],
    );
  }
  return found[0] ?? null;
}

async function fileKind(path: string): Promise<'file' | 'folder' | 'missing'> {
  try {
    return (await stat(path)).isDirectory() ? 'folder' : 'file';
  } catch (e) {
    if (fsErrorCode(e) === 'ENOENT' || fsErrorCode(e) === 'ENOTDIR') {
      return 'missing';
    }
    throw new AppError(
      ErrorCode.CONFIG_INVALID,
      `Invalid configuration: cannot read ${path}: ${coerceError(e).message}`,
      {
        cause: e,
      },
    );
  }
}

async function readConfigDocument(
  path: string,
  displayName: string,
): Promise<SourceDocument> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (e) {
    throw configError(
      `cannot read ${displayName}: ${fsErrorCode(e) ?? coerceError(e).message}`,
      [],
      e,
    );
  }
  // Windows editors like to start files with a BOM; JSON.parse does not accept one.
  const parsed = parseSourceDocument(
    text.replace(/^\uFEFF/, ''),
    syntaxForFile(path),
  );
  if (!parsed.ok) {
    const secrets = collectSecrets(text);
    throw configError(
      '',
      parsed.problems.map((p) => ({
        source: 'file',
        origin: displayName,
        line: p.line,
        path: '',
        message: maskSecrets(p.message, secrets),
      })),
    );
  }
  return parsed.document;
}

function toLayer(value: unknown, displayName: string): Record<string, unknown> {
  if (value === undefined || value === null) {
    // An empty file (or one with only comments) means "all defaults".
    return {};
  }
  if (!isPlainObject(value)) {
    throw configError('', [
      {
        source: 'file',
        origin: displayName,
        line: 1,
        path: '',
        message: `expected an object of settings, received ${Array.isArray(value) ? 'array' : typeof value}`,
      },
    ]);
  }
  return value;
}

function buildEnvLayer(
  env: Readonly<Record<string, string | undefined>>,
  context: EnvContext,
): {
  layer: Record<string, unknown>;
  sources: Array<{ path: readonly string[]; variable: string }>;
} {
  const layer: Record<string, unknown> = {};
  const sources: Array<{ path: readonly string[]; variable: string }> = [];
  for (const variable of ENV_VARIABLES) {
    const value = env[variable.name];
    // `FOO=` in a compose file or a unit means "not set", not "set to nothing".
    if (value === undefined || value.trim() === '') {
      continue;
    }
    const settings = variable.apply(value.trim(), context);
    if (settings === null) {
      continue;
    }
    // A variable that selects the store replaces what the file said about the store.
    for (const setting of settings) {
      setPath(layer, setting.path, setting.value);
      sources.push({ path: setting.path, variable: variable.name });
    }
  }
  return { layer, sources };
}

function postgresStore(url: string): EnvSetting[] {
  return [
    { path: ['store', 'type'], value: 'postgres' },
    { path: ['store', 'url'], value: url },
  ];
}

function present(
  env: Readonly<Record<string, string | undefined>>,
  name: string,
): boolean {
  return (env[name] ?? '').trim() !== '';
}

/** Which layer set the value an issue is about: the highest layer that has the longest prefix. */
function attribute(
  path: readonly PropertyKey[],
  layers: {
    fileLayer: Record<string, unknown>;
    flagsLayer: Record<string, unknown>;
    envSources: ReadonlyArray<{ path: readonly string[]; variable: string }>;
    hasFile: boolean;
  },
): { source: ConfigIssue['source']; origin: string } {
  for (let length = path.length; length >= 0; length--) {
    const prefix = path.slice(0, length);
    if (length > 0 && hasPath(layers.flagsLayer, prefix)) {
      return { source: 'flags', origin: 'command line' };
    }
    const fromEnv = layers.envSources.find((s) => samePath(s.path, prefix));
    if (fromEnv) {
      return { source: 'env', origin: fromEnv.variable };
    }
    if (layers.hasFile && hasPath(layers.fileLayer, prefix)) {
      return { source: 'file', origin: '' };
    }
  }
  // Only defaults are involved (a rule across fields); point at the file if there is one.
  return layers.hasFile
    ? { source: 'file', origin: '' }
    : { source: 'defaults', origin: 'defaults' };
}

/** Fills what depends on other values or on the host, after the schema's defaults. */
function finishConfig(config: AppConfig, baseDir: string): AppConfig {
  const abs = (p: string): string =>
    p === ':memory:' || isAbsolute(p) ? p : resolve(baseDir, p);
  return {
    ...config,
    instanceName: config.instanceName ?? hostname(),
    formatsDir: abs(config.formatsDir),
    store:
      config.store.type === 'sqlite'
        ? { ...config.store, path: abs(config.store.path) }
        : config.store,
    logging: { ...config.logging, dir: abs(config.logging.dir) },
    jobs: config.jobs.map((job) => {
      const folder = abs(job.folder);
      return {
        ...job,
        folder,
        processingDir: abs(job.processingDir ?? join(folder, 'processing')),
        archiveDir: abs(job.archiveDir ?? join(folder, 'archive')),
        failedDir: abs(job.failedDir ?? join(folder, 'failed')),
      };
    }),
  };
}

function displayPath(cwd: string, path: string): string {
  const rel = relative(cwd, path);
  return rel !== '' && !rel.startsWith('..') && !isAbsolute(rel) ? rel : path;
}
