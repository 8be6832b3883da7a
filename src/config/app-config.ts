import { z } from 'zod';
import {
  FieldValueSchema,
  IMPORTED_STATUSES,
  TargetFieldSchema,
} from '../domain/customer.js';
import { IMPORT_MODES } from '../domain/file-outcome.js';
import { MATCH_FIELDS } from '../domain/customer-match.js';

/**
 * The application config: `customer-import.config.yaml|json` at the project root (or --config).
 * Defaults live here, in the schema. Relative paths are resolved against the config file's
 * folder (or the working directory when there is no file) by `load-config.ts`.
 */

export const SqliteStoreConfigSchema = z.strictObject({
  type: z.literal('sqlite'),
  path: z
    .string()
    .min(1)
    .default('./data/customers.db')
    .describe('SQLite database file. Default ./data/customers.db'),
  busyTimeoutMs: z
    .number()
    .int()
    .min(0)
    .default(5000)
    .describe('Wait for a locked database, in ms. Default 5000'),
});

export const PostgresStoreConfigSchema = z.strictObject({
  type: z.literal('postgres'),
  url: z
    .string()
    .regex(
      /^postgres(ql)?:\/\//,
      'must start with postgres:// or postgresql://',
    )
    .describe(
      'Connection URL; may come from DATABASE_URL or CUSTOMER_IMPORT_DATABASE_URL',
    ),
  schema: z
    .string()
    .regex(/^[a-z_][a-z0-9_]*$/)
    .default('public')
    .describe('Schema for the tables. Default public'),
  poolSize: z.number().int().min(1).max(100).default(4),
});

export const StoreConfigSchema = z.discriminatedUnion('type', [
  SqliteStoreConfigSchema,
  PostgresStoreConfigSchema,
]);

export const RetryConfigSchema = z.strictObject({
  maxRetries: z
    .number()
    .int()
    .min(0)
    .default(5)
    .describe('Tries after the first before giving up. Default 5'),
  initialIntervalMs: z
    .number()
    .int()
    .min(1)
    .default(1000)
    .describe('First back-off, in ms. Default 1000'),
  maxIntervalMs: z
    .number()
    .int()
    .min(1)
    .default(60_000)
    .describe('Back-off cap, in ms. Default 60000'),
  runRetries: z
    .number()
    .int()
    .min(0)
    .default(2)
    .describe(
      'A run that hits a transient store error (busy SQLite, lost PostgreSQL connection) is tried again in-process this many times, with the same back-off, before the file is deferred (the service) or the import fails (the CLI). Default 2',
    ),
});

/** A changed-since point: last-transfer, anytime, or a timestamp (see formats' `since`). */
const SinceSettingSchema = z
  .union([
    z.enum(['last-transfer', 'anytime']),
    z
      .string()
      .regex(
        /^\d{4}-\d{2}-\d{2}(T\d{2}:\d{2}(:\d{2}(\.\d{1,3})?)?)?(Z|[+-]\d{2}:\d{2})?$/,
        'a timestamp such as 2026-11-01T00:00',
      ),
  ])
  .describe(
    "changed-since point: last-transfer, anytime or a timestamp. Default: the format's, else last-transfer",
  );

/** Default values of one customer class, e.g. { currency: EUR, paymentTerms: 14D }. */
export const CustomerClassSchema = z
  .record(z.string(), FieldValueSchema)
  .superRefine((values, ctx) => {
    for (const field of Object.keys(values)) {
      if (!TargetFieldSchema.safeParse(field).success) {
        ctx.addIssue({
          code: 'custom',
          path: [field],
          message: `"${field}" is not a customer field or attributes.<name>`,
        });
      }
    }
  });

export const MarkerConfigSchema = z.strictObject({
  enabled: z.boolean().default(false),
  suffix: z
    .string()
    .min(1)
    .default('.done')
    .describe('Marker file = data file name + suffix. Default .done'),
  name: z
    .string()
    .min(1)
    .optional()
    .describe('A fixed marker file name instead of name + suffix'),
});

export const WatchJobSchema = z.strictObject({
  name: z
    .string()
    .regex(/^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/)
    .describe('Job name, used in logs, runs and mails'),
  folder: z
    .string()
    .min(1)
    .default('./exchange')
    .describe('Exchange folder to watch. Default ./exchange'),
  pattern: z
    .union([z.string().min(1), z.array(z.string().min(1)).min(1)])
    .default('customers.txt')
    .describe('File name or glob(s) inside the folder. Default customers.txt'),
  format: z.string().min(1).describe('Format definition id'),
  mode: z.enum(IMPORT_MODES).default('update'),
  stabilitySeconds: z
    .number()
    .min(0.05)
    .default(10)
    .describe(
      'Size, mtime and inode must stay the same this long before a file is read. Default 10',
    ),
  polling: z
    .boolean()
    .default(false)
    .describe('Poll instead of file events (SMB/NFS shares). Default false'),
  pollIntervalMs: z
    .number()
    .int()
    .min(50)
    .default(1000)
    .describe('Polling interval, in ms. Default 1000'),
  processingDir: z
    .string()
    .min(1)
    .optional()
    .describe('Default <folder>/processing'),
  archiveDir: z.string().min(1).optional().describe('Default <folder>/archive'),
  failedDir: z.string().min(1).optional().describe('Default <folder>/failed'),
  marker: MarkerConfigSchema.default({ enabled: false, suffix: '.done' }),
  since: SinceSettingSchema.optional(),
  newStatus: z
    .enum(IMPORTED_STATUSES)
    .optional()
    .describe(
      "Status of customers this job creates: active, or blocked (awaiting approval). Default: the config's newStatus",
    ),
  customerClass: z
    .string()
    .min(1)
    .optional()
    .describe("Customer class for rows without one. Default: the format's"),
  matchExisting: z
    .array(z.enum(MATCH_FIELDS))
    .max(MATCH_FIELDS.length)
    .optional()
    .describe(
      "Fallback match of this job, replacing the format's matchExisting: a new key pairs with an existing customer without ERP key by these fields (vatId, email), in order; [] turns it off",
    ),
  maxDeactivatePercent: z
    .number()
    .min(0)
    .max(100)
    .optional()
    .describe(
      "rebuild guard of this job, in percent. Default: the config's rebuild.maxDeactivatePercent",
    ),
  claimTimeoutSeconds: z
    .number()
    .min(1)
    .default(600)
    .describe(
      'A claimed file whose instance stopped its heartbeat this long ago (it died) is taken over by another instance. Default 600',
    ),
});

export const LoggingConfigSchema = z.strictObject({
  level: z.enum(['error', 'warn', 'info', 'debug']).default('info'),
  dir: z
    .string()
    .min(1)
    .default('./logs')
    .describe('Folder for the daily-rotated log file. Default ./logs'),
  file: z
    .boolean()
    .default(true)
    .describe('Write the rotated log file. Default true'),
  maxFiles: z
    .number()
    .int()
    .min(1)
    .default(14)
    .describe('Archived log files kept. Default 14'),
  maxSize: z
    .string()
    .optional()
    .describe('Rotate also at this size, e.g. "20m"'),
  json: z
    .boolean()
    .default(false)
    .describe('JSON lines on the console. The file is always JSON'),
});

export const SmtpConfigSchema = z.strictObject({
  host: z.string().min(1),
  port: z.number().int().min(1).max(65535).default(587),
  secure: z.boolean().default(false),
  user: z.string().optional(),
  password: z
    .string()
    .optional()
    .describe('May come from CUSTOMER_IMPORT_SMTP_PASSWORD'),
  ignoreTls: z.boolean().default(false),
  timeoutMs: z
    .number()
    .int()
    .min(100)
    .default(10_000)
    .describe(
      'Connection, greeting and socket timeout for the SMTP server, in ms. Default 10000',
    ),
});

export const EmailConfigSchema = z.strictObject({
  when: z.enum(['never', 'onFailure', 'always']).default('never'),
  smtp: SmtpConfigSchema.optional(),
  from: z.string().min(3).default('customer-import@localhost'),
  to: z.array(z.string().min(3)).default([]),
});

export const AppConfigSchema = z
  .strictObject({
    instanceName: z
      .string()
      .min(1)
      .optional()
      .describe("Name in logs and mails. Default: the host's name"),
    formatsDir: z
      .string()
      .min(1)
      .default('./formats')
      .describe('Folder of format definitions. Default ./formats'),
    store: StoreConfigSchema.default({
      type: 'sqlite',
      path: './data/customers.db',
      busyTimeoutMs: 5000,
    }),
    batchSize: z
      .number()
      .int()
      .min(1)
      .max(100_000)
      // Small enough that a batch's rows die young in V8's heap instead of piling up in the old
      // generation: a 1 000 000-row import peaked at ~305 MB with 1000, ~245 MB with 250 (same
      // build, same CPU time; README, Benchmark).
      .default(250)
      .describe('Rows written per batch. Default 250'),
    maxFileBytes: z
      .number()
      .int()
      .min(1)
      .default(4 * 1024 ** 3)
      .describe('Larger files are rejected unread. Default 4 GiB'),
    excel: z
      .strictObject({
        maxHeapMb: z
          .number()
          .int()
          .min(16)
          .default(512)
          .describe('Heap limit of the workbook parser. Default 512'),
        timeoutSeconds: z
          .number()
          .min(1)
          .default(120)
          .describe('Time limit for parsing one workbook. Default 120'),
        maxFileBytes: z
          .number()
          .int()
          .min(1)
          .default(100 * 1024 ** 2)
          .describe('Default 100 MiB'),
      })
      .default({
        maxHeapMb: 512,
        timeoutSeconds: 120,
        maxFileBytes: 100 * 1024 ** 2,
      }),
    retry: RetryConfigSchema.default({
      maxRetries: 5,
      initialIntervalMs: 1000,
      maxIntervalMs: 60_000,
      runRetries: 2,
    }),
    customerClasses: z
      .record(z.string().min(1), CustomerClassSchema)
      .default({})
      .describe(
        'Customer classes and the defaults they give fields a file leaves empty, e.g. { ECCUSTOMER: { currency: EUR } }',
      ),
    newStatus: z
      .enum(IMPORTED_STATUSES)
      .default('active')
      .describe(
        'Status of customers an import creates: active, or blocked (awaiting approval). Default active',
      ),
    rebuild: z
      .strictObject({
        maxDeactivatePercent: z
          .number()
          .min(0)
          .max(100)
          .default(10)
          .describe(
            "A rebuild that would deactivate more than this share of its source's active customers fails. Default 10",
          ),
      })
      .default({ maxDeactivatePercent: 10 }),
    logging: LoggingConfigSchema.default({
      level: 'info',
      dir: './logs',
      file: true,
      maxFiles: 14,
      json: false,
    }),
    notify: z
      .strictObject({
        email: EmailConfigSchema.default({
          when: 'never',
          from: 'customer-import@localhost',
          to: [],
        }),
      })
      .default({
        email: { when: 'never', from: 'customer-import@localhost', to: [] },
      }),
    jobs: z.array(WatchJobSchema).default([]),
  })
  .superRefine((config, ctx) => {
    const names = new Set<string>();
    config.jobs.forEach((job, i) => {
      if (names.has(job.name)) {
        ctx.addIssue({
          code: 'custom',
          path: ['jobs', i, 'name'],
          message: `job name "${job.name}" is used twice`,
        });
      }
      names.add(job.name);
    });
    const email = config.notify.email;
    if (
      email.when !== 'never' &&
      (email.smtp === undefined || email.to.length === 0)
    ) {
      ctx.addIssue({
        code: 'custom',
        path: ['notify', 'email'],
        message: `e-mail "when: ${email.when}" needs "smtp" and at least one "to" address`,
      });
    }
  });

export type AppConfigInput = z.input<typeof AppConfigSchema>;
export type AppConfig = z.output<typeof AppConfigSchema>;
export type StoreConfig = z.output<typeof StoreConfigSchema>;
export type WatchJob = z.output<typeof WatchJobSchema>;
export type RetryConfig = z.output<typeof RetryConfigSchema>;
export type LoggingConfig = z.output<typeof LoggingConfigSchema>;
export type EmailConfig = z.output<typeof EmailConfigSchema>;
