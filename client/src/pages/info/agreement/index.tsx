import { Text, View } from '@tarojs/components';
import Taro, { useRouter } from '@tarojs/taro';
import { useEffect } from 'react';
import { getAgreements } from '../../../api/agreements';
import PageShell from '../../../components/page-shell';
import Section from '../../../components/section';
import StateView from '../../../components/state-view';
import { useAsync } from '../../../lib/use-async';
import '../info.scss';

/** 《用户协议》 (`?kind=user`) or 《隐私政策》 (`?kind=privacy`), as the operator publishes it. */
export default function AgreementPage() {
  const kind = useRouter()?.params?.kind === 'privacy' ? 'privacy' : 'user';
  const agreements = useAsync(() => getAgreements(), []);
  const text = agreements.data ? (kind === 'privacy' ? agreements.data.privacyPolicy : agreements.data.userAgreement) : null;
  useEffect(() => {
    if (text) void Taro.setNavigationBarTitle({ title: text.title });
  }, [text]);
  return (
    <PageShell id="page-agreement">
      <StateView loading={agreements.loading} error={agreements.error} onRetry={() => void agreements.reload()}>
        {text && (
          <Section title={`《${text.title}》`}>
            {text.body.split(/\n{2,}/).map((para, i) => (
              <View key={i} className="agreement-para">
                <Text userSelect>{para}</Text>
              </View>
            ))}
            <View className="muted agreement-version">版本 {agreements.data!.version}</View>
          </Section>
        )}
      </StateView>
    </PageShell>
  );
}
