import { existsSync, readdirSync } from 'node:fs';
import path from 'node:path';
import type { BillingImportView, RecordResult } from '@openhall/shared';
import { createTestApp, type TestApp } from '../../../test/harness';
import { encodeGbk } from '../../integrations/alipay/alipay.bill-archive';
import { Account } from '../accounts/account.entity';
import { AuditLog } from '../audit/audit-log.entity';
import { Bill } from '../billing/bill.entity';
import { BillLine } from '../billing/bill-line.entity';
import { createStaff, type StaffFixture } from '../tickets/tickets.fixtures';
import { BillingImport } from './billing-import.entity';
import { cellValue, csvCell, CsvParser, type CsvRow } from './billing-csv';

const NOW = new Date();
const URL_BASE = '/api/v1/staff/billing/imports';

let t: TestApp;
let supervisor: StaffFixture;
let agent: StaffFixture;
let accountSeq = 0;

beforeAll(async () => {
  t = await createTestApp({ seed: false, now: NOW });
  supervisor = await createStaff(t, 'csv-super', 'supervisor', '陈静', 'KF2001');
  agent = await createStaff(t, 'csv-agent', 'agent', '王芳', 'KF1001');
});
afterAll(() => t.close());

function accountNo(): string {
  return String(6_000_000_000 + (process.pid % 100_000) * 1_000 + ++accountSeq).slice(0, 10);
}

/** The answer's body as bytes, exactly as sent (BOM included). */
function rawBody(res: unknown, cb: (err: Error | null, body: Buffer) => void): void {
  const chunks: Buffer[] = [];
  const stream = res as NodeJS.ReadableStream;
  stream.on('data', (c: Buffer) => chunks.push(c));
  stream.on('end', () => cb(null, Buffer.concat(chunks)));
}

async function upload(body: string | Buffer, opts: { type?: string; fileName?: string; auth?: Record<string, string> } = {}) {
  return t.request
    .post(`${URL_BASE}?fileName=${encodeURIComponent(opts.fileName ?? 'records.csv')}`)
    .set(opts.auth ?? supervisor.auth)
    .set('Content-Type', opts.type ?? 'text/csv')
    .send(typeof body === 'string' ? Buffer.from(body, 'utf8') : body);
}

/** Uploads a CSV, waits until it is applied, and answers the import and its results. */
async function importCsv(body: string | Buffer, fileName?: string): Promise<{ view: BillingImportView; results: RecordResult[] }> {
  const res = await upload(body, { fileName });
  expect(res.status).toBe(202);
  const id = res.body.data.id as number;
  await t.app.services.billingImports.waitFor(id);
  const view = (await t.request.get(`${URL_BASE}/${id}`).set(supervisor.auth).expect(200)).body.data as BillingImportView;
  const results: RecordResult[] = [];
  for await (const r of t.app.services.billingImports.results(id)) results.push(r);
  return { view, results };
}

const csv = (...rows: string[]) => rows.join('\r\n') + '\r\n';
const ACCOUNT_HEADER = 'type,id,version,holderName,holderPhone,address,area,serviceType,status';
const COLUMNS = ['type', 'id', 'version', 'holderName', 'holderPhone', 'address', 'area', 'serviceType', 'status', 'accountNo', 'period', 'dueDate', 'amountFen', 'itemCode', 'name', 'quantity', 'unit', 'unitPriceFen', 'channel', 'paidAt', 'bills'];

/** A sheet with the given columns; '' is a blank row. */
function sheet(rows: Array<Record<string, string | number> | ''>, columns = COLUMNS): string {
  return csv(columns.join(','), ...rows.map((r) => (r === '' ? '' : columns.map((c) => csvCell(r[c])).join(','))));
}

const account = (no: string, over: Record<string, string | number> = {}) => ({ type: 'account', id: no, version: 1, holderName: '王小明', holderPhone: '13900001111', address: '拱墅区湖墅南路 1 号', area: 'gongshu', serviceType: 'water', status: 'active', ...over });
const bill = (id: string, no: string, amountFen: number | string, over: Record<string, string | number> = {}) => ({ type: 'bill', id, version: 1, accountNo: no, period: '2026-11', dueDate: '2026-12-20', amountFen, ...over });
const line = (billId: string, amountFen: number, over: Record<string, string | number> = {}) => ({ type: 'line', id: billId, itemCode: 'water', name: '水费', quantity: 1, unit: '立方米', unitPriceFen: amountFen, amountFen, ...over });

/** Every row of a CSV text (this file's own reader, tested below). */
function rowsOf(text: string): CsvRow[] {
  const parser = new CsvParser();
  return [...parser.push(text), ...parser.end()];
}
const billByNo = (externalId: string) => t.orm.em.fork().findOneOrFail(Bill, { externalId });

describe('CSV import through the staff console', () => {
  test('the template downloads as UTF-8 with BOM, names every column in Chinese with its key, and imports with nothing rejected', async () => {
    const res = await t.request.get(`${URL_BASE}/template.csv`).set(supervisor.auth).buffer(true).parse(rawBody).expect(200);
    expect(res.headers['content-type']).toContain('text/csv');
    expect(res.headers['content-disposition']).toContain('attachment');
    const bytes = res.body as Buffer;
    expect([...bytes.subarray(0, 3)]).toEqual([0xef, 0xbb, 0xbf]);
    const text = bytes.toString('utf8').slice(1);
    expect(text.split('\r\n')[0]).toMatch(/^记录类型\(type\),编号\(id\),版本\(version\),户号\(accountNo\),/);
    expect(text).toContain('所缴账单(bills)');

    const { view, results } = await importCsv(bytes, '模板.csv');
    expect(view).toMatchObject({ source: 'csv', batchId: '模板.csv', status: 'done', rejected: 0, unchanged: 0, accepted: 6 });
    expect(view.processedBytes).toBe(view.bytes);
    // Each record's result names its own CSV row: the header and the line rows have none.
    expect(results.map((r) => [r.line, r.type, r.outcome])).toEqual([
      [2, 'account', 'accepted'],
      [3, 'package', 'accepted'],
      [4, 'bill', 'accepted'],
      [7, 'bill', 'accepted'],
      [9, 'bill_cancel', 'accepted'],
      [10, 'payment', 'accepted'],
    ]);
    const paid = await billByNo('B9900000001202611');
    expect(paid).toMatchObject({ status: 'paid', paidChannel: 'counter' });
    expect(paid.paidAt!.toISOString()).toBe('2026-12-05T02:30:00.000Z'); // 10:30 in Beijing
    expect(await t.orm.em.fork().count(BillLine, { billId: paid.id })).toBe(2);
    expect((await billByNo('B9900000001202611S')).status).toBe('cancelled');

    // The upload is in the audit log under the supervisor who made it.
    const logged = await t.orm.em.fork().findOneOrFail(AuditLog, { action: 'billing.import_received', entityId: String(view.id) });
    expect(logged).toMatchObject({ actorKind: 'staff', actorId: supervisor.id });
    expect(logged.detail).toMatchObject({ source: 'csv', fileName: '模板.csv' });
    expect((await t.orm.em.fork().findOneOrFail(BillingImport, view.id)).staffId).toBe(supervisor.id);

    // The newest imports first, for the console's list; nothing of nothing rejected to give back.
    const list = (await t.request.get(URL_BASE).set(supervisor.auth).expect(200)).body.data as BillingImportView[];
    expect(list[0]).toMatchObject({ id: view.id, batchId: '模板.csv', status: 'done' });
    const none = await t.request.get(`${URL_BASE}/${view.id}/rejected.csv`).set(supervisor.auth).buffer(true).parse(rawBody).expect(200);
    expect(rowsOf((none.body as Buffer).toString('utf8').slice(1))).toHaveLength(1);
  });

  test('a GBK file with Chinese headers (Excel on Chinese Windows) imports with its Chinese text intact, past the first 64 KB too', async () => {
    const nos = Array.from({ length: 1_200 }, () => accountNo());
    const text = csv(
      '记录类型,编号,版本,户主姓名,登记电话,地址,区域,业务类型,状态',
      ...nos.map((no, i) => `账户,${no},1,张晓燕${i},13900002222,"拱墅区莫干山路 ${i} 号，3 单元",gongshu,water,active`),
    );
    const gbk = encodeGbk(text);
    expect(gbk.length).toBeGreaterThan(100_000);
    expect(gbk.includes(Buffer.from('张晓燕', 'utf8'))).toBe(false); // really GBK
    const { view, results } = await importCsv(gbk);
    expect(view).toMatchObject({ status: 'done', accepted: 1_200, rejected: 0 });
    expect(results[1_199]).toMatchObject({ line: 1_201, type: 'account', outcome: 'accepted' });
    const last = await t.orm.em.fork().findOneOrFail(Account, { accountNo: nos[1_199] });
    expect(last).toMatchObject({ holderName: '张晓燕1199', address: '拱墅区莫干山路 1199 号，3 单元' });

    // `中文名(key)` headers, Chinese record type names and dates as Excel writes them read the same way.
    const no = nos[0];
    const id = `B${no}-1`;
    const second = await importCsv(
      encodeGbk(
        csv(
          '记录类型(type),编号(id),版本(version),户号(accountNo),账期(period),缴费截止日(dueDate),金额（分）(amountFen),费用编码(itemCode),费用名称(name),数量(quantity),单位(unit),单价(分)',
          `账单,${id},1,${no},2026/11,2026/12/20,4350,,,,,`,
          `明细,${id},,,,,4350,water,水费,15,立方米,290`,
        ),
      ),
    );
    expect(second.results).toEqual([expect.objectContaining({ line: 2, type: 'bill', outcome: 'accepted' })]);
    expect(await billByNo(id)).toMatchObject({ period: '2026-11', dueDate: '2026-12-20', status: 'unpaid' });
  });

  test('fields quoted with commas, doubled quotes and line breaks inside are read whole, and the rows after them keep their numbers', async () => {
    const no = accountNo();
    const id = `B${no}-Q`;
    const { results } = await importCsv(
      [
        `${ACCOUNT_HEADER},accountNo,period,dueDate,amountFen,itemCode,name,quantity,unit,unitPriceFen\n`,
        `account,${no},1,"王""小""明",13900001111,"拱墅区湖墅南路 1 号,\n2 幢 301 室",gongshu,water,active,,,,,,,,,\n`,
        `bill,${id},1,,,,,,,${no},2026-11,2026-12-20,1500,,,,,\r\n`,
        `line,${id},,,,,,,,,,,1500,water,"水费，\r\n含""阶梯""加价",5,立方米,300\n`,
        `bill,${id}-bad,1,,,,,,,${no},2026-13,2026-12-20,100,,,,,\n`,
        `line,${id}-bad,,,,,,,,,,,100,water,水费,1,立方米,100`,
      ].join(''),
    );
    expect(results.map((r) => [r.line, r.outcome, r.field])).toEqual([
      [2, 'accepted', undefined],
      [3, 'accepted', undefined],
      [5, 'rejected', 'period'],
    ]);
    const held = await t.orm.em.fork().findOneOrFail(Account, { accountNo: no });
    expect(held).toMatchObject({ holderName: '王"小"明', address: '拱墅区湖墅南路 1 号,\n2 幢 301 室' });
    const [charge] = await t.orm.em.fork().find(BillLine, { billId: (await billByNo(id)).id });
    expect(charge.name).toBe('水费，\r\n含"阶梯"加价');
  });

  test('bad rows are refused one by one naming the CSV row and field; rejected.csv gives them back with the reason, and corrected it imports', async () => {
    const no = accountNo();
    const paid = `B${no}-1`;
    const { view, results } = await importCsv(
      sheet([
        account(no),
        account(accountNo(), { holderPhone: '电话' }),
        bill(paid, no, 6500),
        line(paid, 4350, { quantity: 15, unitPriceFen: 290 }),
        line(paid, 2150, { itemCode: 'sewage', name: '污水处理费', quantity: 15, unitPriceFen: 143 }),
        bill(`B${no}-2`, no, 'abc'),
        line(`B${no}-2`, 100),
        bill(`B${no}-3`, no, 300),
        line(`B${no}-3`, 100),
        line(`B${no}-3`, 200, { name: '水费,加价', quantity: '两' }),
        line(`B${no}-9`, 100),
        bill(`B${no}-4`, '7999999999', 100),
        line(`B${no}-4`, 100),
        '',
        { type: 'payment', id: `P${no}-1`, version: 1, accountNo: no, amountFen: 6500, channel: 'counter', paidAt: '2026/12/5 9:30', bills: `${paid}:0` },
        bill(`B${no}-5`, no, 100, { dueDate: '12/20/2026' }),
        line(`B${no}-5`, 100),
      ]),
      '十一月账单.csv',
    );
    expect(results.map((r) => [r.line, r.type, r.outcome, r.reason, r.field])).toEqual([
      [2, 'account', 'accepted', undefined, undefined],
      [3, 'account', 'rejected', 'invalid', 'holderPhone'],
      [4, 'bill', 'accepted', undefined, undefined],
      [7, 'bill', 'rejected', 'invalid', 'amountFen'],
      [9, 'bill', 'rejected', 'invalid', 'lines.1.quantity'],
      [12, null, 'rejected', 'invalid', 'type'],
      [13, 'bill', 'rejected', 'unknown_account', 'accountNo'],
      [16, 'payment', 'accepted', undefined, undefined],
      [17, 'bill', 'rejected', 'invalid', 'dueDate'],
    ]);
    expect(view).toMatchObject({ accepted: 3, rejected: 6 });
    expect((await billByNo(paid)).paidAt!.toISOString()).toBe('2026-12-05T01:30:00.000Z');

    const res = await t.request.get(`${URL_BASE}/${view.id}/rejected.csv`).set(supervisor.auth).buffer(true).parse(rawBody).expect(200);
    expect(res.headers['content-type']).toContain('text/csv');
    expect(decodeURIComponent(res.headers['content-disposition'])).toContain('十一月账单-未导入.csv');
    const bytes = res.body as Buffer;
    expect([...bytes.subarray(0, 3)]).toEqual([0xef, 0xbb, 0xbf]);
    const [header, ...rows] = rowsOf(bytes.toString('utf8').slice(1));
    expect(header.cells).toEqual([...COLUMNS, '行号', '原因代码', '字段', '说明']);
    const given = rows.map((r) => Object.fromEntries(header.cells.map((h, i) => [h, r.cells[i]])));
    // A refused bill comes back with its line rows, so it can be sent again whole.
    expect(given.map((r) => [r['行号'], r.type, r['原因代码'], r['字段']])).toEqual([
      ['3', 'account', 'invalid', 'holderPhone'],
      ['7', 'bill', 'invalid', 'amountFen'],
      ['8', 'line', 'invalid', ''],
      ['9', 'bill', 'invalid', 'lines.1.quantity'],
      ['10', 'line', 'invalid', ''],
      ['11', 'line', 'invalid', 'quantity'],
      ['12', 'line', 'invalid', 'type'],
      ['13', 'bill', 'unknown_account', 'accountNo'],
      ['14', 'line', 'unknown_account', ''],
      ['17', 'bill', 'invalid', 'dueDate'],
      ['18', 'line', 'invalid', ''],
    ]);
    const said = Object.fromEntries(given.map((r) => [r['行号'], r['说明']]));
    expect(said['3']).toBe('登记电话须为7-20位数字');
    expect(said['7']).toBe('金额(分)：须为数字');
    expect(said['10']).toContain('所属账单（第 9 行）未导入');
    expect(said['11']).toBe('数量：须为数字');
    expect(said['12']).toContain('须紧跟在编号相同的账单行');
    expect(said['13']).toContain('7999999999');
    expect(said['17']).toContain('YYYY-MM-DD');
    expect(given.find((r) => r['行号'] === '11')).toMatchObject({ name: '水费,加价', quantity: '两' });

    // Corrected in place (the feedback columns may stay), the file is taken again.
    const corrected = bytes.toString('utf8').replace(',abc,', ',100,').replace(',两,', ',2,');
    const again = await importCsv(corrected);
    expect(again.results.map((r) => [r.line, r.outcome, r.field])).toEqual([
      [2, 'rejected', 'holderPhone'],
      [3, 'accepted', undefined],
      [5, 'accepted', undefined],
      [8, 'rejected', 'type'],
      [9, 'rejected', 'accountNo'],
      [11, 'rejected', 'dueDate'],
    ]);
    expect((await billByNo(`B${no}-3`)).amountFen).toBe(300);
  });

  test('only supervisors and up; CSV only; an unknown column refuses the file whole and leaves nothing behind', async () => {
    const body = sheet([account(accountNo())]);
    const before = await t.orm.em.fork().count(BillingImport, {});

    const forbidden = await upload(body, { auth: agent.auth });
    expect(forbidden.status).toBe(403);
    expect(forbidden.body.error.code).toBe('FORBIDDEN');
    await t.request.get(URL_BASE).set(agent.auth).expect(403);
    await t.request.get(`${URL_BASE}/template.csv`).set(agent.auth).expect(403);
    await t.request.post(URL_BASE).set('Content-Type', 'text/csv').send(body).expect(401);

    const json = await upload(JSON.stringify({ rows: [] }), { type: 'application/json' });
    expect(json.status).toBe(415);
    expect(json.body.error.code).toBe('UNSUPPORTED_MEDIA_TYPE');
    expect((await upload(body, { type: 'application/vnd.ms-excel' })).status).toBe(415);

    const unknown = await upload(body.replace('holderPhone', '手机号码'));
    expect(unknown.status).toBe(400);
    expect(unknown.body.error).toMatchObject({ code: 'VALIDATION_FAILED', message: expect.stringContaining('手机号码') });
    expect(unknown.body.error.message).toContain('第 5 列');
    const unclosed = await upload(body + '"account,1');
    expect(unclosed.status).toBe(400);
    expect(unclosed.body.error.message).toContain('第 3 行');
    const stray = await upload(csv('type,id,,', `account,${accountNo()},,extra`));
    expect(stray.status).toBe(400);
    expect(stray.body.error.message).toBe('第 2 行第 4 列有内容，但该列没有表头，文件未导入');
    expect((await upload('')).status).toBe(400);

    expect(await t.orm.em.fork().count(BillingImport, {})).toBe(before);
    // Refused uploads are in the audit log too, under the supervisor, with why.
    const refused = await t.orm.em.fork().find(AuditLog, { action: 'billing.import_refused' }, { orderBy: { id: 'asc' } });
    expect(refused.map((a) => [a.actorKind, a.actorId, (a.detail as { code: string }).code])).toEqual([
      ['staff', supervisor.id, 'UNSUPPORTED_MEDIA_TYPE'],
      ['staff', supervisor.id, 'UNSUPPORTED_MEDIA_TYPE'],
      ['staff', supervisor.id, 'VALIDATION_FAILED'],
      ['staff', supervisor.id, 'VALIDATION_FAILED'],
      ['staff', supervisor.id, 'VALIDATION_FAILED'],
      ['staff', supervisor.id, 'VALIDATION_FAILED'],
    ]);
    expect(refused[2].detail).toMatchObject({ fileName: 'records.csv', message: expect.stringContaining('手机号码') });
    const dir = path.join(t.config.dataDir, 'imports');
    expect(existsSync(dir) ? readdirSync(dir).filter((f) => f.startsWith('incoming-')) : []).toEqual([]);
  });
});

describe('reading the sheet', () => {
  test.each([
    ['a,b\r\nc,d\r\n', [['a', 'b'], ['c', 'd']]],
    ['a,b\nc,d', [['a', 'b'], ['c', 'd']]],
    ['"a,1","b ""x"""\r\n', [['a,1', 'b "x"']]],
    ['"line\r\nbreak",2\n3,4\n', [['line\r\nbreak', '2'], ['3', '4']]],
    ['a,,\n\n"",x\n', [['a', '', ''], [''], ['', 'x']]],
    ['5"6,7\r8\n', [['5"6', '7'], ['8']]],
  ])('%j', (text, expected) => {
    expect(rowsOf(text).map((r) => r.cells)).toEqual(expected);
    // The same text in pieces of every size reads the same.
    for (const size of [1, 2, 3]) {
      const parser = new CsvParser();
      const rows: CsvRow[] = [];
      for (let i = 0; i < text.length; i += size) rows.push(...parser.push(text.slice(i, i + size)));
      rows.push(...parser.end());
      expect(rows.map((r) => r.cells)).toEqual(expected);
    }
  });

  test.each([
    ['number', '6500', 6500],
    ['number', '12.5', 12.5],
    ['number', '1,234', '1,234'],
    ['number', '99999999999999999999', '99999999999999999999'],
    ['date', '2026/1/5', '2026-01-05'],
    ['date', '2026年12月20日', '2026-12-20'],
    ['date', '20261220', '2026-12-20'],
    ['date', '12/20/2026', '12/20/2026'],
    ['period', '2026/1', '2026-01'],
    ['period', '202611', '2026-11'],
    ['period', 'Nov-26', '2026-11'],
    ['period', '11月-26', '2026-11'],
    ['datetime', '2026-12-05 10:30', '2026-12-05T10:30:00+08:00'],
    ['datetime', '2026/12/5 9:30:15', '2026-12-05T09:30:15+08:00'],
    ['datetime', '2026-12-05T10:30:00Z', '2026-12-05T10:30:00Z'],
    ['type', '缴费', 'payment'],
    ['type', 'Bill', 'bill'],
    ['bills', 'B1;B2:150；B:3:0', [{ id: 'B1' }, { id: 'B2', lateFeeFen: 150 }, { id: 'B:3', lateFeeFen: 0 }]],
    ['bills', 'B1:x', [{ id: 'B1:x' }]],
  ] as const)('%s %j → %j', (kind, text, expected) => {
    expect(cellValue(kind, text)).toEqual(expected);
  });
});
