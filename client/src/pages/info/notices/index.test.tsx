import type { NoticeView } from '@openhall/shared';
import { render, screen } from '@testing-library/react';
import { request } from '../../../api/request';
import NoticesPage from './index';

jest.mock('../../../api/request', () => ({ request: jest.fn() }));
const requestMock = request as jest.MockedFunction<typeof request>;

const base = { body: '管网检修', publishedAt: '2026-03-01T00:00:00.000Z', updatedAt: '2026-03-01T00:00:00.000Z' } as const;
const notices: NoticeView[] = [
  {
    ...base,
    id: 1,
    kind: 'maintenance',
    title: '滨江区计划停水',
    area: 'binjiang',
    areaName: '滨江区',
    startsAt: '2026-03-02T00:00:00.000Z',
    endsAt: '2026-03-02T08:00:00.000Z',
    status: 'active',
  },
  {
    ...base,
    id: 2,
    kind: 'announcement',
    title: '春节营业时间调整',
    area: null,
    areaName: null,
    startsAt: '2026-03-05T00:00:00.000Z',
    endsAt: '2026-03-06T00:00:00.000Z',
    status: 'upcoming',
  },
];

describe('notices page', () => {
  it('names the affected area by its display name and says whether the notice is in progress', async () => {
    requestMock.mockResolvedValue(notices);
    render(<NoticesPage />);
    expect(await screen.findByText('影响范围：滨江区')).toBeTruthy();
    expect(screen.getByText('影响范围：全部区域')).toBeTruthy();
    expect(document.body.textContent).not.toContain('binjiang');
    expect(screen.getByText('进行中')).toBeTruthy();
    expect(screen.getByText('未开始')).toBeTruthy();
    // business time (UTC+8)
    expect(screen.getByText('时间：3月2日 08:00 至 3月2日 16:00')).toBeTruthy();
  });
});
