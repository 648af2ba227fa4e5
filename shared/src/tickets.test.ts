import { commitmentCodeFor, createTicketSchema, TICKET_STATUS_RANK, type FaultSeverity, type TicketType } from './tickets';

test.each<[TicketType, FaultSeverity | null, 'city' | 'rural', string]>([
  ['fault', 'ordinary', 'city', 'fault_ordinary'],
  ['fault', null, 'rural', 'fault_ordinary'],
  ['fault', 'major', 'rural', 'fault_major'],
  ['installation', null, 'city', 'installation_city'],
  ['installation', null, 'rural', 'installation_rural'],
  ['restoration', null, 'rural', 'restoration'],
  ['complaint', null, 'city', 'complaint_reply'],
  ['suggestion', null, 'rural', 'complaint_reply'],
])('%s (%s) in a %s area is measured against %s', (type, severity, area, code) => {
  expect(commitmentCodeFor(type, severity, area)).toBe(code);
});

test('the forward path of statuses is strictly increasing', () => {
  const path = ['submitted', 'accepted', 'dispatched', 'en_route', 'on_site', 'resolved', 'closed'] as const;
  expect(path.map((s) => TICKET_STATUS_RANK[s])).toEqual([0, 1, 2, 3, 4, 5, 6]);
});

test.each([
  [{ type: 'fault', accountId: 1, description: '宽带无法上网了', contactPhone: '13812345678' }, true],
  [{ type: 'fault', accountId: 1, description: '宽带无法上网了', contactPhone: '1381234567' }, false],
  [{ type: 'fault', accountId: 1, description: '坏了', contactPhone: '13812345678' }, false],
  [{ type: 'complaint', accountId: 1, description: '营业厅排队太久', contactPhone: '13812345678', severity: 'major' }, false],
])('create input %o valid: %s', (input, ok) => {
  expect(createTicketSchema.safeParse(input).success).toBe(ok);
});
