import type { HallView } from '@openhall/shared';
import { fireEvent, render, screen, waitFor } from '@testing-library/react';
import Taro from '@tarojs/taro';
import { request } from '../../../api/request';
import HallsPage from './index';

jest.mock('../../../api/request', () => ({ request: jest.fn() }));
const requestMock = request as jest.MockedFunction<typeof request>;

const hall = (id: number, name: string, distanceMeters: number | null): HallView =>
  ({
    id, code: `hall_${id}`, name, area: 'shangcheng', areaName: '上城区', address: '解放路188号', lat: 30.25494, lng: 120.175845,
    phone: '0571-85106301', openingHours: [{ weekdays: [1, 2, 3, 4, 5], open: '08:30', close: '18:00' }], openOnHolidays: true,
    services: ['缴费'], openNow: true, distanceMeters,
  }) as HallView;

afterEach(() => jest.restoreAllMocks());

describe('halls page', () => {
  it('lists halls at once without asking where the user is; sorts by distance only after the tap, sending the browser position as WGS-84', async () => {
    const getLocation = jest.spyOn(Taro, 'getLocation').mockResolvedValue({ latitude: 30.2573, longitude: 120.1712 } as Taro.getLocation.SuccessCallbackResult);
    requestMock.mockImplementation(async (_path, options) => {
      const data = (options as { data?: { lat?: number } } | undefined)?.data;
      return data?.lat !== undefined ? [hall(2, '解放路营业厅', 120), hall(1, '文三路营业厅', 4100)] : [hall(1, '文三路营业厅', null), hall(2, '解放路营业厅', null)];
    });
    render(<HallsPage />);
    expect(await screen.findByText('文三路营业厅')).toBeTruthy();
    expect(getLocation).not.toHaveBeenCalled();
    expect(document.body.textContent).not.toContain('距您');

    fireEvent.click(screen.getByText('按离我最近排序'));
    expect(await screen.findByText('离您最近的营业厅')).toBeTruthy();
    expect(getLocation).toHaveBeenCalledWith({ type: 'wgs84' });
    expect(requestMock).toHaveBeenLastCalledWith('/halls', expect.objectContaining({ data: { lat: 30.2573, lng: 120.1712, coord: 'wgs84' } }));
    await waitFor(() => expect(document.body.textContent).toContain('距您 120 米'));
    const names = Array.from(document.querySelectorAll('.hall .info-item__title > :first-child')).map((n) => n.textContent);
    expect(names).toEqual(['解放路营业厅', '文三路营业厅']);
  });

  it('says so when the position is refused, and keeps the list', async () => {
    jest.spyOn(Taro, 'getLocation').mockRejectedValue(new Error('getLocation:fail auth deny'));
    requestMock.mockResolvedValue([hall(1, '文三路营业厅', null)]);
    render(<HallsPage />);
    fireEvent.click(await screen.findByText('按离我最近排序'));
    expect(await screen.findByText(/未能获取您的位置/)).toBeTruthy();
    expect(screen.getByText('文三路营业厅')).toBeTruthy();
  });
});
