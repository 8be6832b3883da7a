// ESLint: the layering rules of STYLE.md §3, plus the few style rules we enforce.
//
// Layering ("row may import column"):
//   util, errors → util, errors
//   logging      → util, errors, logging, config (types: its own LoggingConfig)
//   domain       → util, errors, domain
//   config       → util, errors, logging, domain, config
//   formats      → util, errors, logging, domain, formats
//   watcher      → util, errors, logging, domain, config (types), watcher
//   parse        → util, errors, logging, domain, formats (types), parse
//   validate     → util, errors, logging, domain, formats (types), parse (types), validate
//   rules        → util, errors, logging, domain, config (types), formats (types), rules
//   store        → util, errors, logging, domain, config (types), store
//   notify       → util, errors, logging, domain, config (types), notify
//   pipeline     → util, errors, logging, domain, config (types), formats, parse, validate, rules,
//                  store (contract only), notify (contract only), pipeline
//   server       → everything above except store back-ends (create-store only)
//   cli          → on top; never imported by the library
import js from '@eslint/js';
import globals from 'globals';
import tseslint from 'typescript-eslint';

const LAYERS = [
  'util',
  'logging',
  'domain',
  'config',
  'formats',
  'watcher',
  'parse',
  'validate',
  'rules',
  'store',
  'notify',
  'pipeline',
  'server',
  'cli',
];

/** May-import table; `errors.ts` and `util/` are open to all. */
const ALLOWED = {
  util: ['util'],
  // logging reads its own config section's type (LoggingConfig): types only, see TYPE_ONLY.
  logging: ['util', 'logging', 'config'],
  domain: ['util', 'domain'],
  config: ['util', 'logging', 'domain', 'config'],
  formats: ['util', 'logging', 'domain', 'formats'],
  watcher: ['util', 'logging', 'domain', 'config', 'watcher'],
  parse: ['util', 'logging', 'domain', 'formats', 'parse'],
  validate: ['util', 'logging', 'domain', 'formats', 'parse', 'validate'],
  // The row rules of an import (filters, type, class defaults, …): pure, fed by the pipeline.
  rules: ['util', 'logging', 'domain', 'config', 'formats', 'rules'],
  store: ['util', 'logging', 'domain', 'config', 'store'],
  notify: ['util', 'logging', 'domain', 'config', 'notify'],
  pipeline: [
    'util',
    'logging',
    'domain',
    'config',
    'formats',
    'parse',
    'validate',
    'rules',
    'store',
    'notify',
    'pipeline',
  ],
  server: [
    'util',
    'logging',
    'domain',
    'config',
    'formats',
    'watcher',
    'store',
    'notify',
    'pipeline',
    'server',
  ],
  cli: LAYERS,
};

/** Type-only layers: a value import from these is a layering error. */
const TYPE_ONLY = {
  logging: ['config'],
  watcher: ['config'],
  parse: ['formats'],
  store: ['config'],
  notify: ['config'],
  rules: ['config', 'formats'],
  pipeline: ['config'],
};

/** One rule block per layer: the layers it may not import (or only types of). */
function layerBlock(layer) {
  const allowed = ALLOWED[layer];
  const patterns = [];
  for (const other of LAYERS) {
    if (other === layer) {
      continue;
    }
    if (!allowed.includes(other)) {
      patterns.push({
        group: [`**/${other}/*`, `**/${other}/**`],
        message: `STYLE.md §3: ${layer}/ may not import ${other}/.`,
      });
    } else if (TYPE_ONLY[layer]?.includes(other)) {
      patterns.push({
        group: [`**/${other}/*`, `**/${other}/**`],
        allowTypeImports: true,
        message: `STYLE.md §3: ${layer}/ may import only types from ${other}/.`,
      });
    }
  }
  if (['pipeline', 'server', 'cli'].includes(layer)) {
    patterns.push({
      group: ['**/store/sqlite/*', '**/store/postgres/*'],
      message: 'Only store/create-store.ts picks a back-end.',
    });
  }
  return {
    files: [`src/${layer}/**/*.ts`],
    rules: {
      '@typescript-eslint/no-restricted-imports': ['error', { patterns }],
    },
  };
}

export default tseslint.config(
  {
    ignores: [
      'dist/',
      'node_modules/',
      'coverage/',
      'bench/out/',
      'test-results/',
      'data/',
      'logs/',
      'exchange/',
    ],
  },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    files: ['**/*.ts'],
    rules: {
      curly: 'error',
      'no-restricted-syntax': [
        'error',
        {
          selector: 'ExportDefaultDeclaration',
          message: 'Named exports only (STYLE.md §4).',
        },
      ],
      '@typescript-eslint/no-unused-vars': [
        'error',
        {
          argsIgnorePattern: '^_',
          varsIgnorePattern: '^_',
          caughtErrors: 'none',
        },
      ],
      '@typescript-eslint/no-explicit-any': 'error',
    },
  },
  ...LAYERS.map(layerBlock),
  {
    // The library never imports the CLI.
    files: ['src/errors.ts', 'src/index.ts'],
    rules: {
      '@typescript-eslint/no-restricted-imports': [
        'error',
        {
          patterns: [
            {
              group: ['**/cli/*', '**/cli/**'],
              message: 'The library never imports cli/.',
            },
          ],
        },
      ],
    },
  },
  {
    files: ['src/**/*.ts'],
    ignores: ['src/config/load-config.ts', 'src/cli/**'],
    rules: {
      'no-restricted-properties': [
        'error',
        {
          object: 'process',
          property: 'env',
          message:
            'process.env is read only in config/load-config.ts (and cli/).',
        },
        {
          object: 'process',
          property: 'exit',
          message: 'process.exit only in cli/.',
        },
        {
          object: 'process',
          property: 'argv',
          message: 'process.argv only in cli/.',
        },
      ],
    },
  },
  {
    // Tool configs must default-export.
    files: ['vitest.config.ts', 'eslint.config.js'],
    rules: { 'no-restricted-syntax': 'off' },
  },
  {
    files: ['**/*.js', '**/*.mjs'],
    languageOptions: { globals: globals.node },
  },
);
