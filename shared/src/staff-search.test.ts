import { staffSearchKindOf } from './staff-search';

describe('how the console reads a search text', () => {
  test.each([
    ['42', 'ticket_or_account'],
    ['#42', 'ticket_or_account'],
    ['1000000001', 'ticket_or_account'],
    ['13800000001', 'phone'],
    [' 13800000001 ', 'phone'],
    // 11 digits that cannot be a mainland mobile number: an account number.
    ['12800000001', 'ticket_or_account'],
    ['WO20261201-0007', 'work_order_or_account'],
    ['张三', 'holder_name'],
    ['欧阳修', 'holder_name'],
    ['张', null],
    ['张3', null],
    ['a b', null],
    ['', null],
  ])('%j → %s', (q, kind) => {
    expect(staffSearchKindOf(q)).toBe(kind);
  });
});
