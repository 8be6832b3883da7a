/**
 * Glossary — use exactly these words in code, logs and docs.
 *
 * - **export file**: the file an ERP writes (`customers.txt`, `.csv`, `.xlsx`).
 * - **drop**: the moment an export file appears in the exchange folder.
 * - **stable**: a dropped file whose size, mtime and inode have not changed for the stability window.
 * - **claim**: renaming a stable file into `processing/`, so no one else reads or replaces it.
 * - **format definition**: an admin's description of an export file (`formats/*.yaml|json`).
 * - **run**: one import of one file into the store, recorded with the file's sha256 and counts.
 * - **outcome**: what became of a file: imported, partial, rejected, duplicate or deferred.
 * - **archive**: where a file goes after its run committed (`archive/`, timestamped name).
 * - **failed**: where a rejected file goes, with `<name>.errors.csv` and `<name>.error.txt`.
 * - **entity**: what a format's rows are: customer, contact, address or sales agent.
 * - **ERP key**: a customer's number in the ERP (`key`); null for a customer created on our side.
 * - **fallback match**: pairing a row whose ERP key is new with a customer that has no ERP key
 *   yet, by VAT number or e-mail (`matchExisting`); ambiguous when more than one would fit.
 */
export * from './customer.js';
export * from './row-issue.js';
export * from './file-outcome.js';
export * from './entity.js';
export * from './contact.js';
export * from './address.js';
export * from './sales-agent.js';
export * from './customer-match.js';
