import type { CommitmentView } from '@openhall/shared';
import { render, screen } from '@testing-library/react';
import { request } from '../../../api/request';
import CommitmentsPage from './index';

jest.mock('../../../api/request', () => ({ request: jest.fn() }));
const requestMock = request as jest.MockedFunction<typeof request>;

// Typed with the server's view, so a renamed field fails the type check here too.
const commitments: CommitmentView[] = [
  {
    id: 2,
    code: 'install',
    title: '新装开通',
    description: '受理后 5 个工作日内完成开通',
    target: { amount: 5, unit: 'working_days' },
    ticketType: 'install',
    sortOrder: 2,
    updatedAt: '2026-01-01T00:00:00.000Z',
  },
  {
    id: 1,
    code: 'repair',
    title: '故障维修',
    description: '报修后 24 小时内上门',
    target: { amount: 24, unit: 'hours' },
    ticketType: 'fault',
    sortOrder: 1,
    updatedAt: '2026-01-01T00:00:00.000Z',
  },
];

describe('commitments page', () => {
  it('shows each commitment with its target in the published order', async () => {
    requestMock.mockResolvedValue(commitments);
    render(<CommitmentsPage />);
    expect(await screen.findByText('24小时')).toBeTruthy();
    expect(screen.getByText('5个工作日')).toBeTruthy();
    const titles = [...document.querySelectorAll('.commitment .info-item__title > :first-child')].map((e) => e.textContent);
    expect(titles).toEqual(['1. 故障维修', '2. 新装开通']);
  });
});
