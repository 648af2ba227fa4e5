import { render } from '@testing-library/react';
import { STAFF_DESK_CLASS, useStaffDeskScale } from './staff-desk';

function ConsolePage() {
  useStaffDeskScale();
  return null;
}

describe('console desk sizing', () => {
  const sized = () => document.documentElement.classList.contains(STAFF_DESK_CLASS);

  it('fixes the root size while a console page is shown and gives it back after the last one closes', () => {
    expect(sized()).toBe(false);
    const queue = render(<ConsolePage />);
    expect(sized()).toBe(true);
    // The queue opens a ticket on top of it; closing the ticket leaves the queue sized.
    const ticket = render(<ConsolePage />);
    ticket.unmount();
    expect(sized()).toBe(true);
    queue.unmount();
    // A subscriber page shown afterwards keeps the phone scaling.
    expect(sized()).toBe(false);
  });
});
