import { act, fireEvent, render } from '@testing-library/react';
import ActionButton from './index';

describe('ActionButton', () => {
  const button = () => document.querySelector('#act') as HTMLElement;

  it('ignores taps while the previous one is in flight, and takes them again once it settles', async () => {
    let finish: () => void = () => undefined;
    const onClick = jest.fn(() => new Promise<void>((resolve) => (finish = resolve)));
    render(
      <ActionButton id="act" onClick={onClick}>
        缴费
      </ActionButton>,
    );
    // Two taps before any re-render (the mini-program applies `disabled` a render late), then one after.
    act(() => {
      fireEvent.click(button());
      fireEvent.click(button());
    });
    fireEvent.click(button());
    expect(onClick).toHaveBeenCalledTimes(1);
    expect(button().getAttribute('aria-disabled')).toBe('true');
    expect(button().getAttribute('loading')).not.toBe('false');

    await act(async () => finish());
    expect(button().getAttribute('aria-disabled')).toBe('false');
    fireEvent.click(button());
    expect(onClick).toHaveBeenCalledTimes(2);
  });

  it('a failed action frees the button again', async () => {
    const onClick = jest.fn(() => Promise.reject(new Error('refused')));
    render(
      <ActionButton id="act" onClick={onClick}>
        缴费
      </ActionButton>,
    );
    await act(async () => {
      fireEvent.click(button());
    });
    await act(async () => {
      fireEvent.click(button());
    });
    expect(onClick).toHaveBeenCalledTimes(2);
  });

  it('disabled: looks disabled and a tap does nothing; busy (the caller in flight) ignores taps too', () => {
    const onClick = jest.fn();
    const { rerender } = render(
      <ActionButton id="act" className="btn-primary" disabled onClick={onClick}>
        缴费
      </ActionButton>,
    );
    fireEvent.click(button());
    expect(onClick).not.toHaveBeenCalled();
    expect(button().className).toBe('btn-primary action-btn--disabled');
    expect(button().getAttribute('aria-disabled')).toBe('true');

    rerender(
      <ActionButton id="act" className="btn-primary" busy onClick={onClick}>
        缴费
      </ActionButton>,
    );
    fireEvent.click(button());
    expect(onClick).not.toHaveBeenCalled();
    // Busy is not "nothing to do": it keeps its colour and shows the spinner.
    expect(button().className).toBe('btn-primary');
  });
});
