import { creditCodeCheckChar, invoiceTitleSchema, isUnifiedSocialCreditCode, maskEmail, requestInvoiceSchema } from './invoices';

test.each([
  // Published codes of real companies (their business licences), and GB 32100-2015's own example.
  ['9144030071526726XG', true],
  ['914403001922038216', true],
  ['91350100M000100Y43', true],
  // One character changed, the check character wrong, letters the code never uses, a wrong length.
  ['9144030071526726XH', false],
  ['914403001922038217', false],
  ['9144030071526726IG', false],
  ['91440300715267260', false],
  ['9144030071526726xg', false],
])('%s is a valid credit code: %s', (code, valid) => {
  expect(isUnifiedSocialCreditCode(code)).toBe(valid);
});

test('the check character is computed from the first 17 characters', () => {
  expect(creditCodeCheckChar('9144030071526726X')).toBe('G');
  expect(creditCodeCheckChar('91440300192203821')).toBe('6');
  expect(creditCodeCheckChar('9144030071526726I')).toBeNull();
});

test('a company title is upper-cased, trimmed and checked; errors name the field', () => {
  expect(invoiceTitleSchema.parse({ kind: 'company', name: ' 深圳市腾讯计算机系统有限公司 ', taxNo: ' 9144030071526726xg ' })).toEqual({
    kind: 'company',
    name: '深圳市腾讯计算机系统有限公司',
    taxNo: '9144030071526726XG',
  });
  const wrong = invoiceTitleSchema.safeParse({ kind: 'company', name: '某公司', taxNo: '9144030071526726XH' });
  expect(wrong.success).toBe(false);
  expect(wrong.error!.issues[0]).toMatchObject({ path: ['taxNo'], message: expect.stringContaining('校验不通过') });
  const short = invoiceTitleSchema.safeParse({ kind: 'company', name: '某公司', taxNo: '91440300' });
  expect(short.error!.issues[0].message).toContain('18位');
  const long = invoiceTitleSchema.safeParse({ kind: 'personal', name: '张'.repeat(101) });
  expect(long.error!.issues[0]).toMatchObject({ path: ['name'], message: expect.stringContaining('100') });
});

test('a request takes an optional e-mail and saves the title unless told not to', () => {
  const r = requestInvoiceSchema.parse({ orderId: 7, title: { kind: 'personal', name: '张三' }, email: 'zhang@example.com' });
  expect(r).toMatchObject({ orderId: 7, email: 'zhang@example.com', saveTitle: true });
  expect(requestInvoiceSchema.safeParse({ orderId: 7, title: { kind: 'personal', name: '张三' }, email: 'not-mail' }).success).toBe(false);
  expect(maskEmail('zhang@example.com')).toBe('z***@example.com');
});
