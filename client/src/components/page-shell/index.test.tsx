import { act, render, screen } from '@testing-library/react';
import PageShell from './index';

function setOnline(online: boolean) {
  Object.defineProperty(window.navigator, 'onLine', { configurable: true, get: () => online });
  window.dispatchEvent(new Event(online ? 'online' : 'offline'));
}

describe('page shell offline notice', () => {
  // Inside act: the shell is still mounted when this runs (testing-library unmounts after it).
  afterEach(() => act(() => setOnline(true)));

  it('tells the user when the network drops and clears the notice when it is back', () => {
    render(
      <PageShell id="page-x">
        <span>内容</span>
      </PageShell>,
    );
    expect(screen.queryByText(/网络已断开/)).toBeNull();
    act(() => setOnline(false));
    expect(screen.getByText(/网络已断开/)).toBeTruthy();
    expect(screen.getByText('内容')).toBeTruthy();
    act(() => setOnline(true));
    expect(screen.queryByText(/网络已断开/)).toBeNull();
  });

  it('starts offline when the page opens without a network', () => {
    setOnline(false);
    render(<PageShell id="page-y" />);
    expect(screen.getByText(/网络已断开/)).toBeTruthy();
  });
});
