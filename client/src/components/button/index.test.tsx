import { act, render } from '@testing-library/react';
import Button from './index';

/** Lets Stencil (the H5 components) render what it has queued. */
const settle = () => act(() => new Promise<void>((resolve) => setTimeout(resolve, 50)));

describe('Button', () => {
  it('a label that changes as the button starts loading: the new label and the spinner, nothing thrown', async () => {
    const errors = jest.spyOn(console, 'error').mockImplementation(() => undefined);
    const { rerender } = render(<Button id="btn">按离我最近排序</Button>);
    await settle();
    rerender(
      <Button id="btn" loading>
        正在获取位置…
      </Button>,
    );
    await settle();
    const button = document.querySelector('#btn')!;
    const shown = { text: button.textContent, spinner: button.querySelector('.weui-loading') !== null, errors: errors.mock.calls.map((c) => String(c[0])) };
    errors.mockRestore();
    expect(shown).toEqual({ text: '正在获取位置…', spinner: true, errors: [] });

    rerender(<Button id="btn">按离我最近排序</Button>);
    await settle();
    expect({ text: button.textContent, spinner: button.querySelector('.weui-loading') !== null }).toEqual({ text: '按离我最近排序', spinner: false });
  });
});
