import { fireEvent, render, screen } from '@testing-library/react';
import SignInPage from './index';

describe('sign-in page', () => {
  it('says what signing in gives on the page and signs in from its button', () => {
    const onSignIn = jest.fn(() => Promise.resolve());
    render(
      <SignInPage pageId="page-x" title="我的账单" buttonId="x-signin" onSignIn={onSignIn}>
        登录后查看各户号的账单并在线缴费
      </SignInPage>,
    );
    expect(document.querySelector('#page-x')).not.toBeNull();
    expect(screen.getByText('我的账单')).toBeTruthy();
    expect(screen.getByText('登录后查看各户号的账单并在线缴费')).toBeTruthy();
    const button = document.querySelector('#x-signin')!;
    expect(button.textContent).toBe('登录');
    fireEvent.click(button);
    expect(onSignIn).toHaveBeenCalledTimes(1);
  });
});
