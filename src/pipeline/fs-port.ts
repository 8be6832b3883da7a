/**
 * The file-system port used by archiving (and by claiming in `watcher/`). The definition sits in
 * `util/fs-port.ts` because `watcher/` may not import `pipeline/` (STYLE.md §3); this module
 * is the name the pipeline and its tests use.
 */
export { BUSY_FS_CODES, NODE_FS_PORT } from '../util/fs-port.js';
export type { FsPort } from '../util/fs-port.js';
