import { z } from 'zod';
import { billingRecordSchema } from './billing-records';
import { textSchema, urlIdSchema } from './common';
import { workOrderEventSchema } from './tickets';

test.each([
  ['西湖区', true, true],
  ['', true, true],
  ['a\u0000b', false, false],
  ['\u0001', false, false],
  ['\u001f', false, false],
  ['\u007f', true, true],
  ['第一行\n第二行', false, true],
  ['a\r\nb', false, true],
  ['a\tb', false, true],
  ['a\u000bb', false, false],
])('%j: one line %s, multi-line %s', (value, oneLine, multiLine) => {
  expect(textSchema().safeParse(value).success).toBe(oneLine);
  expect(textSchema({ multiline: true }).safeParse(value).success).toBe(multiLine);
});

test('trim comes before the check: a pasted trailing line break in a one-line field is dropped, not refused', () => {
  expect(textSchema({ trim: true }).min(1).parse(' 张三\n')).toBe('张三');
  expect(textSchema({ trim: true }).safeParse('张\n三').success).toBe(false);
});

test('the refusal names the field', () => {
  const r = z.object({ area: textSchema().max(32) }).safeParse({ area: '\u0000' });
  expect(r.success || r.error.issues.map((i) => i.path)).toEqual([['area']]);
});

test.each([
  ['7', 7],
  ['007', 7],
  ['123456789012345', 123456789012345],
  ['0x10', null],
  ['1e3', null],
  [' 7', null],
  ['7 ', null],
  ['7.0', null],
  ['+7', null],
  ['-7', null],
  ['0', null],
  ['', null],
  ['１２', null],
  ['1234567890123456', null],
])('id %j in a URL reads as %s', (value, id) => {
  const r = urlIdSchema.safeParse(value);
  expect(r.success ? r.data : null).toBe(id);
});

// The signed inlets parse their bodies with these schemas after the signature is checked, so the
// route walk (server/src/http/control-characters.test.ts) cannot reach their fields.
test('a work-order event and a billing record refuse a NUL in their text, naming the field', () => {
  const event = workOrderEventSchema.safeParse({ eventId: 'e1', ticketId: 1, orderNo: 'WO1', status: 'dispatched', occurredAt: '2026-12-01T10:00:00+08:00', technicianName: '李\u0000', technicianJobNo: 'J1' });
  expect(event.success || event.error.issues.map((i) => i.path.join('.'))).toEqual(['technicianName']);
  const record = billingRecordSchema.safeParse({ type: 'account', id: '1000000009', version: 1, holderName: '王五', holderPhone: '13800000009', address: '上城区\u0000', area: 'shangcheng', serviceType: 'water', status: 'active' });
  expect(record.success || record.error.issues.map((i) => i.path.join('.'))).toEqual(['address']);
});
