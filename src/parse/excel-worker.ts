/**
 * The worker script of {@link ExcelParser}: the only module that imports SheetJS. It runs in a
 * `worker_threads` Worker with a heap limit, so a workbook that needs too much memory (a large
 * sheet, or a zip bomb whose sheet XML inflates to hundreds of MB) kills this thread and not the
 * service. The main thread also terminates it after a wall-clock limit.
 *
 * Protocol: the worker reads the file, picks the sheet and posts `ready` with the header. Then
 * the main thread asks for rows with `next`, and each `next` is answered by one `batch` (an
 * array of rows) or `end`. Rows are produced on demand, so the main thread holds one batch at
 * a time however long the sheet is.
 *
 * Messages never contain cell values except inside `batch`: errors name the file, the sheet
 * and positions only, because they end up in log lines.
 *
 * @internal
 */
import { readFileSync } from 'node:fs';
import { parentPort, workerData } from 'node:worker_threads';
import * as XLSX from 'xlsx';
import { cellRef } from './excel-parser.js';

/** A cell as it crosses the thread boundary; the same union as `Cell` in parser.ts. */
export type WireCell = string | number | boolean | Date | null;

export interface WireIssue {
  column: string;
  cell: string;
  /** The Excel error text (`#N/A`), not customer data. */
  value: string;
  message: string;
}

export interface WireRow {
  /** 1-based sheet row. */
  line: number;
  cells: WireCell[];
  issue?: WireIssue;
}

export interface ExcelWorkerInput {
  path: string;
  displayName: string;
  sheet: string | number;
  headerRow: number;
  header: boolean;
  batchSize: number;
}

/** Codes the worker reports itself; memory and time limits are detected by the main thread. */
export type ExcelWorkerFailureCode =
  'PARSE_FAILED' | 'FILE_EMPTY' | 'RESOURCE_LIMIT' | 'FILE_UNREADABLE';

export type ExcelWorkerMessage =
  | {
      type: 'ready';
      header: string[] | null;
      sheetName: string;
      bytesRead: number;
    }
  | { type: 'batch'; rows: WireRow[] }
  | { type: 'end' }
  | {
      type: 'failed';
      code: ExcelWorkerFailureCode;
      message: string;
      fsCode?: string;
    };

export type ExcelMainMessage = { type: 'next' };

/** Excel keeps 15 significant digits; anything beyond is binary float noise (0.1+0.2). */
const SIGNIFICANT_DIGITS = 15;

const ZIP_MAGIC = [0x50, 0x4b]; // "PK": xlsx, xlsm, xlsb (OOXML packages are zip files)
const CFB_MAGIC = [0xd0, 0xcf, 0x11, 0xe0, 0xa1, 0xb1, 0x1a, 0xe1]; // legacy .xls, or an encrypted OOXML

class WorkerFailure extends Error {
  readonly code: ExcelWorkerFailureCode;
  readonly fsCode: string | undefined;
  constructor(code: ExcelWorkerFailureCode, message: string, fsCode?: string) {
    super(message);
    this.code = code;
    this.fsCode = fsCode;
  }
}

function post(message: ExcelWorkerMessage): void {
  parentPort?.postMessage(message);
}

function startsWith(bytes: Buffer, magic: readonly number[]): boolean {
  return bytes.length >= magic.length && magic.every((b, i) => bytes[i] === b);
}

function readWorkbookBytes(input: ExcelWorkerInput): Buffer {
  try {
    return readFileSync(input.path);
  } catch (e) {
    const fsCode =
      typeof e === 'object' && e !== null && 'code' in e
        ? String(e.code)
        : undefined;
    throw new WorkerFailure(
      'FILE_UNREADABLE',
      `Cannot read '${input.displayName}'`,
      fsCode,
    );
  }
}

/** SheetJS errors are classified, never passed on: their text may quote bytes of the file. */
function classifyLibraryError(
  e: unknown,
  input: ExcelWorkerInput,
  isCfb = false,
): WorkerFailure {
  const text = e instanceof Error ? e.message : '';
  // Excel encrypts a workbook as a CFB container ("EncryptedPackage"); an encryption flag in a
  // zip header is more likely a damaged file than anything Excel writes.
  if (/password/i.test(text) || (isCfb && /encrypt/i.test(text))) {
    return new WorkerFailure(
      'PARSE_FAILED',
      `'${input.displayName}' is password-protected; save it without a password and drop it again`,
    );
  }
  // V8 refuses strings over ~512 MB and buffers it cannot allocate: a limit, not a broken file.
  if (
    e instanceof RangeError &&
    /string length|allocation|array length/i.test(text)
  ) {
    return new WorkerFailure(
      'RESOURCE_LIMIT',
      `workbook '${input.displayName}' is too large to read`,
    );
  }
  return new WorkerFailure(
    'PARSE_FAILED',
    `'${input.displayName}' could not be read as an Excel workbook (damaged or unsupported); open and save it again in Excel`,
  );
}

function readWorkbook(
  bytes: Buffer,
  input: ExcelWorkerInput,
): { book: XLSX.WorkBook; sheetName: string } {
  const isCfb = startsWith(bytes, CFB_MAGIC);
  if (!isCfb && !startsWith(bytes, ZIP_MAGIC)) {
    // SheetJS would happily read a text file as CSV; a format of type xlsx wants a workbook.
    throw new WorkerFailure(
      'PARSE_FAILED',
      `'${input.displayName}' is not an Excel workbook (xlsx or xls)`,
    );
  }
  let sheetName: string;
  try {
    // A cheap first pass for the sheet names only, so the full pass parses one sheet.
    const names = XLSX.read(bytes, {
      type: 'buffer',
      bookSheets: true,
    }).SheetNames;
    sheetName = pickSheet(names, input);
  } catch (e) {
    throw e instanceof WorkerFailure
      ? e
      : classifyLibraryError(e, input, isCfb);
  }
  try {
    const book = XLSX.read(bytes, {
      type: 'buffer',
      sheets: sheetName,
      dense: true,
      cellDates: true,
      cellFormula: false,
      cellHTML: false,
      cellNF: false,
      cellStyles: false,
      bookVBA: false,
    });
    return { book, sheetName };
  } catch (e) {
    throw classifyLibraryError(e, input, isCfb);
  }
}

function pickSheet(names: readonly string[], input: ExcelWorkerInput): string {
  const wanted = input.sheet;
  const list = names.map((n) => `'${n}'`).join(', ');
  if (typeof wanted === 'number') {
    const name = names[wanted - 1];
    if (name === undefined) {
      throw new WorkerFailure(
        'PARSE_FAILED',
        `'${input.displayName}' has no sheet ${wanted}; it has ${names.length} sheet(s): ${list}`,
      );
    }
    return name;
  }
  const exact = names.find((n) => n === wanted);
  if (exact !== undefined) {
    return exact;
  }
  // Admins type sheet names by hand; a difference in case alone is not worth a failed file.
  const folded = names.filter((n) => n.toLowerCase() === wanted.toLowerCase());
  if (folded.length === 1 && folded[0] !== undefined) {
    return folded[0];
  }
  throw new WorkerFailure(
    'PARSE_FAILED',
    `'${input.displayName}' has no sheet '${wanted}'; its sheets are: ${list}`,
  );
}

function roundNumber(value: number): number {
  // Integers are exact in a double up to 2^53 and Excel's own limit is 15 digits; only
  // fractions carry noise such as 0.30000000000000004.
  return Number.isInteger(value) || !Number.isFinite(value)
    ? value
    : Number(value.toPrecision(SIGNIFICANT_DIGITS));
}

/**
 * Date cells. SheetJS 0.20 with `cellDates` builds the Date from the serial in UTC: the sheet's
 * wall-clock date and time are the Date's UTC components, whatever the machine's time zone, and
 * it applies the workbook's 1900 or 1904 date system. A date-only cell is therefore UTC
 * midnight. CONTRACT with validate/: Date cells are read with getUTC*(); a datetime cell has no
 * zone of its own, so the format's `timeZone` applies to its UTC components.
 * We round to whole milliseconds and snap values within a millisecond of midnight, which serials
 * written by other tools (0.99999999 of a day) would otherwise miss.
 */
function normaliseDate(value: Date): Date {
  const ms = Math.round(value.getTime());
  const dayMs = 86_400_000;
  const offset = ((ms % dayMs) + dayMs) % dayMs;
  if (offset !== 0 && (offset < 1 || dayMs - offset < 1)) {
    return new Date(Math.round(ms / dayMs) * dayMs);
  }
  return new Date(ms);
}

function toCell(cell: XLSX.CellObject | undefined): WireCell {
  if (cell === undefined) {
    return null;
  }
  switch (cell.t) {
    case 'n':
      return typeof cell.v === 'number' ? roundNumber(cell.v) : null;
    case 's':
      return typeof cell.v === 'string'
        ? cell.v
        : cell.v === undefined
          ? null
          : String(cell.v);
    case 'b':
      return typeof cell.v === 'boolean' ? cell.v : null;
    case 'd':
      if (cell.v instanceof Date) {
        return normaliseDate(cell.v);
      }
      return typeof cell.v === 'string' ? cell.v : null;
    case 'e':
    case 'z':
      return null;
    default: {
      const never: never = cell.t;
      return never;
    }
  }
}

/** Text of a header cell as the admin sees it in Excel (the formatted text where there is one). */
function headerText(cell: XLSX.CellObject | undefined): string {
  if (cell === undefined || cell.t === 'z' || cell.v === undefined) {
    return '';
  }
  if (cell.t === 's') {
    return String(cell.v);
  }
  return cell.w ?? String(cell.v);
}

function isBlank(cells: readonly WireCell[]): boolean {
  return cells.every(
    (c) => c === null || (typeof c === 'string' && c.trim() === ''),
  );
}

function trimTrailingEmpty(values: string[]): string[] {
  let end = values.length;
  while (end > 0 && values[end - 1] === '') {
    end--;
  }
  return values.slice(0, end);
}

/** Iterates the data rows of a dense sheet, one converted row at a time. */
function* dataRows(
  rows: ReadonlyArray<ReadonlyArray<XLSX.CellObject | undefined> | undefined>,
  firstIndex: number,
  width: number,
  header: readonly string[] | null,
  sheetName: string,
): Generator<WireRow> {
  for (let r = firstIndex; r < rows.length; r++) {
    const source = rows[r];
    if (source === undefined) {
      continue;
    }
    const line = r + 1;
    const length = Math.max(width, source.length);
    const cells: WireCell[] = new Array<WireCell>(length).fill(null);
    const errors: { column: string; cell: string; value: string }[] = [];
    for (let c = 0; c < source.length; c++) {
      const cell = source[c];
      cells[c] = toCell(cell);
      if (cell?.t === 'e') {
        const headerName = header?.[c];
        errors.push({
          column:
            headerName !== undefined && headerName !== ''
              ? headerName
              : `#${c + 1}`,
          cell: cellRef(c, line),
          value: cell.w ?? '#ERROR',
        });
      }
    }
    const first = errors[0];
    if (first === undefined) {
      if (!isBlank(cells)) {
        yield { line, cells };
      }
      continue;
    }
    const others = errors.slice(1).map((e) => `${e.cell} ${e.value}`);
    const more = others.length > 0 ? ` (also ${others.join(', ')})` : '';
    yield {
      line,
      cells,
      issue: {
        column: first.column,
        cell: first.cell,
        value: first.value,
        message: `Cell ${first.cell} of sheet '${sheetName}' holds the Excel error ${first.value}${more}; fix the formula in the workbook`,
      },
    };
  }
}

function run(input: ExcelWorkerInput): void {
  const bytes = readWorkbookBytes(input);
  const { book, sheetName } = readWorkbook(bytes, input);
  const sheet = book.Sheets[sheetName];
  const rows = (sheet?.['!data'] ?? []) as ReadonlyArray<
    ReadonlyArray<XLSX.CellObject | undefined> | undefined
  >;
  const hasContent = rows.some((row) =>
    row?.some((cell) => cell !== undefined && cell.t !== 'z'),
  );
  if (!hasContent) {
    throw new WorkerFailure(
      'FILE_EMPTY',
      `Sheet '${sheetName}' of '${input.displayName}' is empty`,
    );
  }

  const headerIndex = input.headerRow - 1;
  let header: string[] | null = null;
  let firstDataIndex = headerIndex;
  if (input.header) {
    header = trimTrailingEmpty(
      (rows[headerIndex] ?? []).map((cell) => headerText(cell)),
    );
    if (header.length === 0) {
      throw new WorkerFailure(
        'PARSE_FAILED',
        `Header row ${input.headerRow} of sheet '${sheetName}' in '${input.displayName}' is empty; check "headerRow" in the format`,
      );
    }
    firstDataIndex = headerIndex + 1;
  }

  const iterator = dataRows(
    rows,
    firstDataIndex,
    header?.length ?? 0,
    header,
    sheetName,
  );
  post({ type: 'ready', header, sheetName, bytesRead: bytes.length });

  parentPort?.on('message', (message: ExcelMainMessage) => {
    if (message.type !== 'next') {
      return;
    }
    const batch: WireRow[] = [];
    for (let step = iterator.next(); !step.done; step = iterator.next()) {
      batch.push(step.value);
      if (batch.length >= input.batchSize) {
        post({ type: 'batch', rows: batch });
        return;
      }
    }
    if (batch.length > 0) {
      post({ type: 'batch', rows: batch });
      return;
    }
    post({ type: 'end' });
  });
}

try {
  run(workerData as ExcelWorkerInput);
} catch (e) {
  if (e instanceof WorkerFailure) {
    post({
      type: 'failed',
      code: e.code,
      message: e.message,
      ...(e.fsCode === undefined ? {} : { fsCode: e.fsCode }),
    });
  } else {
    // Anything else is classified without its text, which may quote the file.
    const failure = classifyLibraryError(e, workerData as ExcelWorkerInput);
    post({ type: 'failed', code: failure.code, message: failure.message });
  }
}
