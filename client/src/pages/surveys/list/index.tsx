import { View } from '@tarojs/components';
import Taro, { usePullDownRefresh } from '@tarojs/taro';
import { listMySurveys, listPublicSurveys } from '../../../api/surveys';
import PageShell from '../../../components/page-shell';
import Section from '../../../components/section';
import StateView from '../../../components/state-view';
import { useSession } from '../../../lib/session';
import { surveyAnswerPath, surveyStatusWords } from '../../../lib/surveys';
import { useAsync } from '../../../lib/use-async';
import '../surveys.scss';

/**
 * 在线调查: the open surveys meant for the subscriber (by their bound accounts), or, before signing
 * in, the open anonymous ones; each with where the subscriber stands (去填写 / 继续填写 / 已提交).
 */
export default function SurveyListPage() {
  const session = useSession();
  const signedIn = session.state === 'signedIn';
  const list = useAsync(() => (session.state === 'checking' ? Promise.resolve([]) : signedIn ? listMySurveys() : listPublicSurveys()), [session.state], { refreshOnShow: true });
  usePullDownRefresh(() => {
    void list.reload().finally(() => Taro.stopPullDownRefresh());
  });
  const items = list.data ?? [];
  return (
    <PageShell id="page-surveys">
      <Section title="正在进行的调查">
        <StateView loading={list.loading} error={list.error} onRetry={() => void list.reload()} empty={items.length === 0} emptyText="暂时没有需要您参与的调查">
          {items.map((s) => (
            <View key={s.id} id={`survey-item-${s.id}`} className="survey-item" onClick={() => void Taro.navigateTo({ url: surveyAnswerPath(s) })}>
              <View className="survey-item__title">{s.title}</View>
              <View className="muted">
                共{s.questionCount}题 · {s.closesOn} 截止{s.anonymous ? ' · 匿名' : ''} · <View className="survey-item__status">{surveyStatusWords[s.myStatus]}</View>
              </View>
            </View>
          ))}
        </StateView>
      </Section>
      {!signedIn && session.state !== 'checking' && <View className="survey-note">登录并绑定户号后，可参与面向您所在区域和业务的调查。</View>}
    </PageShell>
  );
}
