import type { RecordResult } from '@openhall/shared';
import { TextDecoder } from 'node:util';
import { AppError } from '../../http/errors';

/**
 * The staff console's CSV import, as a format: a spreadsheet of billing records (what an operator
 * exports from Excel) read as the NDJSON record stream the inlet applies, and the rows the inlet
 * refused given back as a CSV. Everything here streams: bytes in, text out, a row at a time; a
 * file of a million rows is never held whole.
 *
 * Rows and lines: exactly one NDJSON line is written per CSV row, so NDJSON line N is CSV row N and
 * the inlet's results name the row an operator sees in Excel. The header row, blank rows and a
 * bill's `line` rows become blank NDJSON lines (skipped, but counted); a bill's record, its lines
 * merged in, is written on the bill's own row, before the blank lines of its line rows.
 */

/** How a column's cells become record values. */
type CellKind = 'text' | 'type' | 'number' | 'date' | 'period' | 'datetime' | 'bills';

/** One column of the import: its English key (the record's field), its Chinese header, how its cells are read. */
export interface BillingCsvColumn {
  key: string;
  name: string;
  kind: CellKind;
}

/** The import's columns, in the template's order. A header cell names one by key, by Chinese name, or as `中文名(key)`. */
export const billingCsvColumns: readonly BillingCsvColumn[] = [
  { key: 'type', name: '记录类型', kind: 'type' },
  { key: 'id', name: '编号', kind: 'text' },
  { key: 'version', name: '版本', kind: 'number' },
  { key: 'accountNo', name: '户号', kind: 'text' },
  { key: 'holderName', name: '户主姓名', kind: 'text' },
  { key: 'holderPhone', name: '登记电话', kind: 'text' },
  { key: 'address', name: '地址', kind: 'text' },
  { key: 'area', name: '区域', kind: 'text' },
  { key: 'serviceType', name: '业务类型', kind: 'text' },
  { key: 'status', name: '状态', kind: 'text' },
  { key: 'concession', name: '优惠', kind: 'text' },
  { key: 'product', name: '产品', kind: 'text' },
  { key: 'packageCode', name: '套餐编码', kind: 'text' },
  { key: 'packageName', name: '套餐名称', kind: 'text' },
  { key: 'monthlyFeeFen', name: '月费(分)', kind: 'number' },
  { key: 'startedOn', name: '开通日期', kind: 'date' },
  { key: 'expiresOn', name: '到期日期', kind: 'date' },
  { key: 'period', name: '账期', kind: 'period' },
  { key: 'kind', name: '账单类型', kind: 'text' },
  { key: 'dueDate', name: '缴费截止日', kind: 'date' },
  { key: 'amountFen', name: '金额(分)', kind: 'number' },
  { key: 'itemCode', name: '费用编码', kind: 'text' },
  { key: 'name', name: '费用名称', kind: 'text' },
  { key: 'quantity', name: '数量', kind: 'number' },
  { key: 'unit', name: '单位', kind: 'text' },
  { key: 'unitPriceFen', name: '单价(分)', kind: 'number' },
  { key: 'reason', name: '原因', kind: 'text' },
  { key: 'channel', name: '缴费渠道', kind: 'text' },
  { key: 'paidAt', name: '缴费时间', kind: 'datetime' },
  { key: 'bills', name: '所缴账单', kind: 'bills' },
];

/**
 * The columns rejected.csv adds to the rows it gives back. Accepted (and ignored) in an upload, so
 * an operator can correct rejected.csv and upload it as it is.
 */
export const feedbackColumns = ['行号', '原因代码', '字段', '说明'] as const;

/** The fields of a bill's charge line, read from a `line` row. */
const lineKeys = ['itemCode', 'name', 'quantity', 'unit', 'unitPriceFen', 'amountFen'] as const;

/** Record types as they may be written in the 记录类型 column: the English value or its Chinese name. */
const typeAliases: Record<string, string> = {
  账户: 'account',
  套餐: 'package',
  账单: 'bill',
  明细: 'line',
  费用明细: 'line',
  冲正: 'bill_cancel',
  账单冲正: 'bill_cancel',
  缴费: 'payment',
};

/** A bill holds at most this many lines (the record schema's limit); one more is kept so the schema refuses the bill. */
const MAX_LINES_HELD = 51;
/** Bytes looked at to tell UTF-8 from GBK. */
const SNIFF_BYTES = 64 * 1024;
/** A row longer than this is refused: almost always a quote left open that swallowed the rest of the file. */
export const MAX_ROW_CHARS = 64 * 1024;

const BOM = '\uFEFF';

// ---- bytes → text ----

/**
 * Decodes a CSV byte stream: UTF-8 when it starts with a BOM or its first 64 KB are valid UTF-8,
 * GBK otherwise (what Excel's "CSV (逗号分隔)" writes on Chinese Windows). The BOM is dropped.
 */
export async function* decodeCsvText(source: AsyncIterable<Uint8Array>): AsyncGenerator<string> {
  let decoder: TextDecoder | null = null;
  let head: Buffer[] = [];
  let headBytes = 0;
  for await (const chunk of source) {
    if (decoder) {
      const text = decoder.decode(chunk, { stream: true });
      if (text) yield text;
      continue;
    }
    head.push(Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength));
    headBytes += chunk.byteLength;
    if (headBytes < SNIFF_BYTES) continue;
    const bytes = Buffer.concat(head);
    head = [];
    decoder = new TextDecoder(csvEncodingOf(bytes, true));
    const text = decoder.decode(bytes, { stream: true });
    if (text) yield text;
  }
  if (!decoder) {
    const bytes = Buffer.concat(head);
    decoder = new TextDecoder(csvEncodingOf(bytes, false));
    const text = decoder.decode(bytes, { stream: true });
    if (text) yield text;
  }
  const rest = decoder.decode();
  if (rest) yield rest;
}

/** 'utf-8' or 'gbk', from a file's first bytes (`more`: the file goes on after them). */
export function csvEncodingOf(head: Uint8Array, more: boolean): 'utf-8' | 'gbk' {
  if (head[0] === 0xef && head[1] === 0xbb && head[2] === 0xbf) return 'utf-8';
  const sample = head.subarray(0, SNIFF_BYTES);
  try {
    // A character cut at the end of the sample is not an error (stream: true keeps it pending).
    new TextDecoder('utf-8', { fatal: true }).decode(sample, { stream: more || head.length > SNIFF_BYTES });
    return 'utf-8';
  } catch {
    return 'gbk';
  }
}

// ---- text → rows (RFC 4180) ----

/** One row of a CSV file: its 1-based number (as Excel numbers it) and its cells. */
export interface CsvRow {
  row: number;
  cells: string[];
}

const COMMA = 44;
const QUOTE = 34;
const CR = 13;
const LF = 10;

/**
 * An RFC 4180 reader fed text in pieces: quoted fields, doubled quotes, commas and line breaks
 * inside quotes, CRLF, LF or CR line ends. A quote inside an unquoted field is taken literally.
 * A row longer than MAX_ROW_CHARS, or a quote still open at the end, refuses the file (400).
 */
export class CsvParser {
  private cells: string[] = [];
  private field = '';
  private rowChars = 0;
  private rows = 0;
  private quoted = false;
  /** A quote seen inside a quoted field: a doubled quote or the field's end, told by the next character. */
  private quotePending = false;
  private quoteOpenedOnRow = 0;
  /** A CR ended the last piece: an LF starting the next belongs to it. */
  private skipLf = false;

  push(text: string): CsvRow[] {
    const out: CsvRow[] = [];
    const n = text.length;
    let i = 0;
    if (this.skipLf && n > 0) {
      this.skipLf = false;
      if (text.charCodeAt(0) === LF) i = 1;
    }
    let start = i;
    while (i < n) {
      const c = text.charCodeAt(i);
      if (this.quoted) {
        if (this.quotePending) {
          this.quotePending = false;
          if (c === QUOTE) {
            this.field += '"';
            i++;
            start = i;
            continue;
          }
          // The quote closed the field; this character is read again outside the quotes.
          this.quoted = false;
          start = i;
          continue;
        }
        if (c === QUOTE) {
          this.field += text.slice(start, i);
          this.quotePending = true;
          start = ++i;
          continue;
        }
        i++;
        continue;
      }
      if (c === COMMA) {
        this.field += text.slice(start, i);
        this.endField();
        start = ++i;
        continue;
      }
      if (c === CR || c === LF) {
        this.field += text.slice(start, i);
        out.push(this.endRow());
        if (c === CR) {
          if (i + 1 < n) {
            if (text.charCodeAt(i + 1) === LF) i++;
          } else this.skipLf = true;
        }
        start = ++i;
        continue;
      }
      if (c === QUOTE && start === i && this.field === '') {
        this.quoted = true;
        this.quoteOpenedOnRow = this.rows + 1;
        start = ++i;
        continue;
      }
      i++;
    }
    this.field += text.slice(start, n);
    this.checkLength();
    return out;
  }

  /** The last row (one without a line end), once the text is over. */
  end(): CsvRow[] {
    if (this.quoted && !this.quotePending) {
      throw new AppError('VALIDATION_FAILED', 400, `第 ${this.quoteOpenedOnRow} 行有一个引号没有配对，文件未导入`, { issues: [{ path: `row.${this.quoteOpenedOnRow}`, message: '引号没有配对' }] });
    }
    this.quoted = false;
    this.quotePending = false;
    if (this.field === '' && this.cells.length === 0) return [];
    return [this.endRow()];
  }

  private endField(): void {
    this.rowChars += this.field.length + 1;
    this.cells.push(this.field);
    this.field = '';
    this.checkLength();
  }

  private endRow(): CsvRow {
    this.endField();
    const row = { row: ++this.rows, cells: this.cells };
    this.cells = [];
    this.rowChars = 0;
    return row;
  }

  private checkLength(): void {
    if (this.rowChars + this.field.length <= MAX_ROW_CHARS) return;
    const row = this.rows + 1;
    const hint = this.quoted ? `（多半是第 ${this.quoteOpenedOnRow} 行有一个引号没有配对）` : '';
    throw new AppError('VALIDATION_FAILED', 400, `第 ${row} 行超过 ${MAX_ROW_CHARS} 个字符${hint}，文件未导入`, { issues: [{ path: `row.${row}`, message: '该行过长' }] });
  }
}

/** The rows of a CSV byte stream, a batch (one decoded piece) at a time. */
export async function* readCsvRows(source: AsyncIterable<Uint8Array>): AsyncGenerator<CsvRow[]> {
  const parser = new CsvParser();
  for await (const text of decodeCsvText(source)) {
    const rows = parser.push(text);
    if (rows.length > 0) yield rows;
  }
  const last = parser.end();
  if (last.length > 0) yield last;
}

// ---- the header ----

/** What each column of a file is: one of the import's columns, a feedback column of rejected.csv (ignored), or nothing. */
type HeaderSlot = BillingCsvColumn | 'feedback' | null;

const byKey = new Map(billingCsvColumns.map((c) => [c.key.toLowerCase(), c]));
const byName = new Map(billingCsvColumns.map((c) => [normalizeHeader(c.name), c]));

function normalizeHeader(cell: string): string {
  return cell.replace(/^\uFEFF/, '').replace(/（/g, '(').replace(/）/g, ')').replace(/\s+/g, '');
}

/** The column a header cell names: by key, by Chinese name, or as `中文名(key)`. */
function columnNamed(cell: string): HeaderSlot | undefined {
  const text = normalizeHeader(cell);
  if (text === '') return null;
  if ((feedbackColumns as readonly string[]).includes(text)) return 'feedback';
  const both = /^(.*)\(([A-Za-z]+)\)$/.exec(text);
  if (both && byKey.has(both[2].toLowerCase())) return byKey.get(both[2].toLowerCase());
  return byKey.get(text.toLowerCase()) ?? byName.get(text);
}

/**
 * Reads the header row. An unknown or repeated column, or no 记录类型 column, refuses the whole
 * file (400 VALIDATION_FAILED naming the column): the rows could not be read as meant.
 */
export function readHeader(cells: readonly string[]): HeaderSlot[] {
  const slots: HeaderSlot[] = [];
  const seen = new Set<string>();
  for (const [i, cell] of cells.entries()) {
    const slot = columnNamed(cell);
    const where = `第 ${i + 1} 列`;
    if (slot === undefined) {
      throw new AppError('VALIDATION_FAILED', 400, `无法识别的列「${cell.trim()}」（${where}），文件未导入。请使用模板中的列名，例如「户号」「accountNo」或「户号(accountNo)」`, {
        issues: [{ path: `header.${cell.trim()}`, message: `无法识别的列「${cell.trim()}」（${where}）` }],
      });
    }
    if (slot && slot !== 'feedback') {
      if (seen.has(slot.key)) {
        throw new AppError('VALIDATION_FAILED', 400, `列「${slot.name}(${slot.key})」出现了两次（${where}），文件未导入`, { issues: [{ path: `header.${slot.key}`, message: `列「${slot.name}」重复` }] });
      }
      seen.add(slot.key);
    }
    slots.push(slot);
  }
  if (!seen.has('type')) {
    throw new AppError('VALIDATION_FAILED', 400, '缺少「记录类型(type)」列，文件未导入。第一行须为表头，可下载模板参照', { issues: [{ path: 'header.type', message: '缺少「记录类型(type)」列' }] });
  }
  return slots;
}

function isBlank(cells: readonly string[]): boolean {
  return cells.every((c) => c.trim() === '');
}

// ---- cells → record values ----

const pad2 = (s: string) => s.padStart(2, '0');
const MONTHS: Record<string, string> = { jan: '01', feb: '02', mar: '03', apr: '04', may: '05', jun: '06', jul: '07', aug: '08', sep: '09', oct: '10', nov: '11', dec: '12' };

/**
 * A cell as its record value. Integers (and other numbers) of numeric columns become numbers; a
 * date Excel re-wrote on saving (2026/12/5, 2026年12月5日, 20261205) is put back as 2026-12-05, a
 * period (2026/11, 202611, Nov-26, 11月-26) as 2026-11, and a payment time without a zone
 * ("2026-12-05 10:30", as Excel shows it: "2026/12/5 10:30") is taken as business time (+08:00).
 * Anything else is passed on as written, for the record schema to refuse naming the field.
 */
export function cellValue(kind: CellKind, text: string): unknown {
  switch (kind) {
    case 'number':
      return /^[+-]?\d+(\.\d+)?$/.test(text) && Number.isSafeInteger(Math.trunc(Number(text))) ? Number(text) : text;
    case 'type':
      return typeAliases[text] ?? text.toLowerCase();
    case 'date': {
      const m = /^(\d{4})[-/.年](\d{1,2})[-/.月](\d{1,2})日?$/.exec(text) ?? /^(\d{4})(\d{2})(\d{2})$/.exec(text);
      return m ? `${m[1]}-${pad2(m[2])}-${pad2(m[3])}` : text;
    }
    case 'period': {
      const m = /^(\d{4})[-/.年](\d{1,2})月?$/.exec(text) ?? /^(\d{4})(\d{2})$/.exec(text);
      if (m) return `${m[1]}-${pad2(m[2])}`;
      const en = /^([A-Za-z]{3})-(\d{2})$/.exec(text);
      if (en && MONTHS[en[1].toLowerCase()]) return `20${en[2]}-${MONTHS[en[1].toLowerCase()]}`;
      const zh = /^(\d{1,2})月-(\d{2})$/.exec(text);
      return zh ? `20${zh[2]}-${pad2(zh[1])}` : text;
    }
    case 'datetime': {
      const m = /^(\d{4})[-/.年](\d{1,2})[-/.月](\d{1,2})日?(?:\s+|T)(\d{1,2}):(\d{2})(?::(\d{2}))?$/.exec(text);
      return m ? `${m[1]}-${pad2(m[2])}-${pad2(m[3])}T${pad2(m[4])}:${m[5]}:${m[6] ?? '00'}+08:00` : text;
    }
    case 'bills':
      return text
        .split(/[;；]/)
        .map((part) => part.trim())
        .filter((part) => part !== '')
        .map((part) => {
          // `id:lateFeeFen`. An id may itself hold ':', so only a number after the last colon is a late fee.
          const m = /^(.*?)\s*[:：]\s*([^:：]*)$/.exec(part);
          if (!m || !/^[+-]?\d+(\.\d+)?$/.test(m[2])) return { id: part };
          return { id: m[1], lateFeeFen: cellValue('number', m[2]) };
        });
    case 'text':
      return text;
  }
}

/** A row's non-empty cells as record fields (key → value); empty cells are left out so defaults apply. */
function valuesOf(slots: readonly HeaderSlot[], cells: readonly string[]): Record<string, unknown> {
  const values: Record<string, unknown> = {};
  for (let i = 0; i < slots.length && i < cells.length; i++) {
    const slot = slots[i];
    if (!slot || slot === 'feedback') continue;
    const text = cells[i].trim();
    if (text !== '') values[slot.key] = cellValue(slot.kind, text);
  }
  return values;
}

/** The record a (non-line) row stands for. */
function recordOf(values: Record<string, unknown>): Record<string, unknown> {
  // An account's id is its account number: either column will do.
  if (values.type === 'account' && values.id === undefined && values.accountNo !== undefined) return { ...values, id: values.accountNo };
  return values;
}

function lineOf(values: Record<string, unknown>): Record<string, unknown> {
  const line: Record<string, unknown> = {};
  for (const k of lineKeys) if (values[k] !== undefined) line[k] = values[k];
  return line;
}

/** A cell that is past the header's last column and not empty: refused, rather than read as nothing. */
function checkNoStrayCells(slots: readonly HeaderSlot[], row: CsvRow): void {
  for (let i = 0; i < row.cells.length; i++) {
    if (row.cells[i].trim() === '') continue;
    if (i >= slots.length || slots[i] === null) {
      throw new AppError('VALIDATION_FAILED', 400, `第 ${row.row} 行第 ${i + 1} 列有内容，但该列没有表头，文件未导入`, { issues: [{ path: `row.${row.row}`, message: `第 ${i + 1} 列没有表头` }] });
    }
  }
}

// ---- rows → NDJSON ----

interface OpenBill {
  record: Record<string, unknown>;
  lines: Record<string, unknown>[];
  /** Rows after the bill's own that belong to it (its lines, and blank rows between them): a blank NDJSON line each. */
  trailing: number;
}

/**
 * The NDJSON record stream of a CSV byte stream: one line per CSV row (see the file comment), in
 * pieces of about a batch of rows. The header is checked before any record is written.
 */
export async function* csvToNdjson(source: AsyncIterable<Uint8Array>): AsyncGenerator<string> {
  let slots: HeaderSlot[] | null = null;
  let bill: OpenBill | null = null;
  /** The open bill's record on its own line, then a blank line for each row after it that was its. */
  const closeBill = (open: OpenBill | null): string => (open ? `${JSON.stringify({ ...open.record, lines: open.lines })}\n${'\n'.repeat(open.trailing)}` : '');
  for await (const rows of readCsvRows(source)) {
    let out = '';
    for (const row of rows) {
      if (!slots) {
        // Blank rows before the header are kept as blank lines, so the numbering still holds.
        if (!isBlank(row.cells)) slots = readHeader(row.cells);
        out += '\n';
        continue;
      }
      checkNoStrayCells(slots, row);
      if (isBlank(row.cells)) {
        if (bill) bill.trailing++;
        else out += '\n';
        continue;
      }
      const values = valuesOf(slots, row.cells);
      if (values.type === 'line' && bill && values.id !== undefined && values.id === bill.record.id) {
        if (bill.lines.length < MAX_LINES_HELD) bill.lines.push(lineOf(values));
        bill.trailing++;
        continue;
      }
      out += closeBill(bill);
      bill = null;
      // A line with no bill open above it, or of another bill, is written as it is: the schema refuses its type.
      if (values.type === 'bill') bill = { record: values, lines: [], trailing: 0 };
      else out += `${JSON.stringify(recordOf(values))}\n`;
    }
    if (out) yield out;
  }
  if (!slots) throw new AppError('VALIDATION_FAILED', 400, '文件是空的：第一行须为表头，可下载模板参照', { issues: [{ path: 'header', message: '没有表头' }] });
  const last = closeBill(bill);
  if (last) yield last;
}

// ---- rejected rows → CSV ----

/** A cell as CSV: quoted when it holds a comma, quote or line break (or leading/trailing spaces). */
export function csvCell(value: string | number | null | undefined): string {
  const text = value === null || value === undefined ? '' : String(value);
  return /[",\r\n]|^\s|\s$/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}

const csvLine = (cells: ReadonlyArray<string | number | null | undefined>) => `${cells.map(csvCell).join(',')}\r\n`;

/** Field paths in the words of the sheet: `lines.1.quantity` → "第2项费用 数量", `amountFen` → "金额(分)". */
function fieldLabel(field: string | undefined): string {
  if (!field) return '';
  const [head, index, sub] = field.split('.');
  const name = (key: string | undefined) => (key ? (billingCsvColumns.find((c) => c.key === key)?.name ?? key) : '');
  if (head === 'lines' && index !== undefined) return `第${Number(index) + 1}项费用${sub ? ` ${name(sub)}` : ''}`;
  if (head === 'bills' && index !== undefined) return `所缴账单第${Number(index) + 1}项${sub === 'lateFeeFen' ? ' 滞纳金' : ''}`;
  return name(head);
}

/** The inlet's message in Chinese: its own words when it has them, else by the schema's kind of problem. */
function readableMessage(r: RecordResult): string {
  const m = r.message ?? '';
  if (/[\u4e00-\u9fff]/.test(m)) return m;
  let said = m;
  if (/received undefined/.test(m)) said = '必填';
  else if (/expected number, received string/.test(m)) said = '须为数字';
  else if (/expected int/.test(m)) said = '须为整数';
  else if (/Too small: expected number to be >=0/.test(m)) said = '不能为负';
  else if (/Too big: expected array to have <=(\d+)/.test(m)) said = `最多 ${/<=(\d+)/.exec(m)![1]} 项`;
  else if (/^Too (small|big)/.test(m)) said = '超出允许范围';
  else if (m === 'expected YYYY-MM-DD') said = '日期须为 YYYY-MM-DD（例如 2026-12-20）';
  else if (/Invalid ISO datetime/.test(m)) said = '时间须为 YYYY-MM-DD HH:mm[:ss]（北京时间）或带时区的 ISO 8601';
  else if (/^Invalid option: expected one of (.*)$/.test(m)) said = `可填：${/^Invalid option: expected one of (.*)$/.exec(m)![1].replace(/"/g, '').split('|').join('、')}`;
  else if (/Invalid string/.test(m)) said = '格式不正确';
  const label = fieldLabel(r.field);
  return label ? `${label}：${said}` : said;
}

/**
 * rejected.csv: the header and every row the inlet refused, each row's own cells with 行号, 原因代码,
 * 字段 and 说明 after them (UTF-8 with BOM, CRLF, so Excel opens it as it is). A refused bill is
 * given back with its line rows, so the bill can be corrected and sent again whole. `rejected` are
 * the import's rejected results in line order (= row order).
 */
export async function* rejectedCsv(source: AsyncIterable<Uint8Array>, rejected: AsyncIterable<RecordResult>): AsyncGenerator<string> {
  const results = rejected[Symbol.asyncIterator]();
  let next = await results.next();
  let slots: HeaderSlot[] | null = null;
  let keep: number[] = [];
  let typeAt = -1;
  let idAt = -1;
  /** The refused bill whose line rows follow. */
  let bill: { row: number; id: string; result: RecordResult; index: number } | null = null;
  yield BOM;
  for await (const rows of readCsvRows(source)) {
    let out = '';
    for (const row of rows) {
      if (!slots) {
        if (isBlank(row.cells)) continue;
        slots = readHeader(row.cells);
        // Columns of an earlier rejected.csv are replaced by this one's.
        keep = slots.map((s, i) => (s === 'feedback' ? -1 : i)).filter((i) => i >= 0);
        typeAt = slots.findIndex((s) => s !== null && s !== 'feedback' && s.key === 'type');
        idAt = slots.findIndex((s) => s !== null && s !== 'feedback' && s.key === 'id');
        out += csvLine([...keep.map((i) => row.cells[i]), ...feedbackColumns]);
        continue;
      }
      if (isBlank(row.cells)) continue;
      while (!next.done && next.value.line < row.row) next = await results.next();
      const own = keep.map((k) => row.cells[k] ?? '');
      const type = String(cellValue('type', (row.cells[typeAt] ?? '').trim()));
      const id = idAt >= 0 ? (row.cells[idAt] ?? '').trim() : '';
      if (!next.done && next.value.line === row.row) {
        const r = next.value;
        const orphanLine = type === 'line' && r.field === 'type';
        const message = orphanLine ? '费用明细行（line）须紧跟在编号相同的账单行（bill）之后：上方没有账单行，或编号与上方的账单不同' : readableMessage(r);
        out += csvLine([...own, row.row, r.reason ?? '', r.field ?? '', message]);
        bill = type === 'bill' ? { row: row.row, id, result: r, index: 0 } : null;
        next = await results.next();
        continue;
      }
      if (bill && type === 'line' && id === bill.id) {
        const r = bill.result;
        const prefix = `lines.${bill.index}.`;
        const mine = r.field?.startsWith(prefix);
        const field = mine ? r.field!.slice(prefix.length) : '';
        const message = mine ? readableMessage({ ...r, field }) : `所属账单（第 ${bill.row} 行）未导入，请与账单行一起改正后重新导入`;
        out += csvLine([...own, row.row, r.reason ?? '', field, message]);
        bill.index++;
        continue;
      }
      bill = null;
    }
    if (out) yield out;
  }
}

// ---- the template ----

/**
 * The template: every column (`中文名(key)`) and an example of each record type (an account, its
 * package, a bill with two line rows, a supplementary bill withdrawn by a bill_cancel, a payment at
 * the counter for the first bill), UTF-8 with BOM. Its rows import cleanly into an operator with
 * `area`.
 */
export function billingCsvTemplate(area: string): string {
  const no = '9900000001';
  const bill = `B${no}202611`;
  const extra = `B${no}202611S`;
  const rows: Array<Record<string, string | number>> = [
    { type: 'account', id: no, version: 1, accountNo: no, holderName: '示例户主', holderPhone: '13900000000', address: '示例路 1 号 1 幢 101 室', area, serviceType: 'tv_broadband', status: 'active' },
    { type: 'package', id: `S${no}TV`, version: 1, accountNo: no, product: 'tv', packageCode: 'tv_basic', packageName: '有线电视基本收视', monthlyFeeFen: 2650, startedOn: '2026-01-01', expiresOn: '2026-12-31' },
    { type: 'bill', id: bill, version: 1, accountNo: no, period: '2026-11', kind: 'regular', dueDate: '2026-12-20', amountFen: 7650 },
    { type: 'line', id: bill, itemCode: 'tv_basic', name: '有线电视基本收视费', quantity: 1, unit: '月', unitPriceFen: 2650, amountFen: 2650 },
    { type: 'line', id: bill, itemCode: 'broadband_100m', name: '宽带 100M 月租', quantity: 1, unit: '月', unitPriceFen: 5000, amountFen: 5000 },
    { type: 'bill', id: extra, version: 1, accountNo: no, period: '2026-11', kind: 'supplementary', dueDate: '2026-12-20', amountFen: 800 },
    { type: 'line', id: extra, itemCode: 'install', name: '上门调试费', quantity: 1, unit: '次', unitPriceFen: 800, amountFen: 800 },
    { type: 'bill_cancel', id: extra, version: 2, reason: '重复出账' },
    { type: 'payment', id: `P${bill}`, version: 1, accountNo: no, channel: 'counter', paidAt: '2026-12-05 10:30', amountFen: 7650, bills: `${bill}:0` },
  ];
  return BOM + csvLine(billingCsvColumns.map((c) => `${c.name}(${c.key})`)) + rows.map((r) => csvLine(billingCsvColumns.map((c) => r[c.key]))).join('');
}
