import { View } from '@tarojs/components';
import type { ReactNode } from 'react';
import PageShell from '../page-shell';
import Section from '../section';
import './index.scss';
import Button from '../button';

export interface SignInPageProps {
  /** The page's id, as its signed-in content has it (`page-bills`). */
  pageId: string;
  /** The section's title: what the page is (我的账单). */
  title: string;
  /** The button's id, for browser tests (`bills-signin`). */
  buttonId: string;
  onSignIn: () => Promise<void>;
  /** What signing in gives on this page, in one line. */
  children: ReactNode;
}

/** A page's whole content while its user is signed out: what the page gives once signed in, and 登录. */
export default function SignInPage({ pageId, title, buttonId, onSignIn, children }: SignInPageProps) {
  return (
    <PageShell id={pageId}>
      <Section title={title}>
        <View className="muted">{children}</View>
        <Button id={buttonId} className="btn-primary sign-in-page__button" onClick={() => void onSignIn()}>
          登录
        </Button>
      </Section>
    </PageShell>
  );
}
