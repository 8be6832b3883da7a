import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

/** How a worker script is started: compiled JS next to its module, or the TS source. */
export interface WorkerEntry {
  script: URL | string;
  eval: boolean;
}

/**
 * The entry of the worker script `<name>.js` that sits next to the module at `moduleUrl`.
 *
 * Under `node dist/...` the compiled script sits next to the module. Under vitest or tsx only
 * `<name>.ts` exists. `execArgv: ['--import', 'tsx']` does not help there: on Node 20 a
 * worker's entry module is loaded before hooks registered by `--import` apply
 * (ERR_UNKNOWN_FILE_EXTENSION), so a tiny eval shim loads the .ts file through tsx's API.
 */
export function resolveWorkerEntry(
  moduleUrl: string,
  name: string,
): WorkerEntry {
  const jsUrl = new URL(`./${name}.js`, moduleUrl);
  if (existsSync(fileURLToPath(jsUrl))) {
    return { script: jsUrl, eval: false };
  }
  const tsUrl = new URL(`./${name}.ts`, moduleUrl);
  // The ESM build of the API: its CommonJS build fails to register hooks from an ESM import.
  const tsxApi = import.meta.resolve('tsx/esm/api');
  const shim = [
    `import(${JSON.stringify(tsxApi)})`,
    `.then((tsx) => tsx.tsImport(${JSON.stringify(tsUrl.href)}, ${JSON.stringify(moduleUrl)}))`,
    // Rethrown from a timer so it becomes the worker's 'error' event, as for the compiled script.
    '.catch((e) => setTimeout(() => { throw e; }));',
  ].join('');
  return { script: shim, eval: true };
}
