import { Text, Textarea, View } from '@tarojs/components';
import Taro, { useRouter } from '@tarojs/taro';
import { surveyPhaseNames, type SubscriberSurveyView, type SurveyAnswer, type SurveyQuestion } from '@openhall/shared';
import { useEffect, useState } from 'react';
import { ApiError, errorMessageOf } from '../../../api/errors';
import { getMySurvey, getPublicSurvey, saveSurveyDraft, saveVisitorDraft, submitSurvey, submitVisitorAnswers, takeVisitorToken } from '../../../api/surveys';
import ChoiceChips from '../../../components/choice-chips';
import PageShell from '../../../components/page-shell';
import Section from '../../../components/section';
import StateView from '../../../components/state-view';
import { useSession } from '../../../lib/session';
import { useAsync } from '../../../lib/use-async';
import '../surveys.scss';
import Button from '../../../components/button';

/** Where a visitor's token for an anonymous survey is kept, so their draft is there when they come back. */
export const visitorTokenKey = (id: number) => `openhall.survey.visitor.${id}`;

const ratingOptions = [1, 2, 3, 4, 5].map((n) => ({ value: n, label: `${n}分` }));

/** The answers by question, as the page edits them. */
type Draft = Record<number, SurveyAnswer>;

function draftOf(view: SubscriberSurveyView): Draft {
  return Object.fromEntries(view.myAnswers.map((a) => [a.questionId, a]));
}

/** What is sent: the answers given, in the questions' order; an answer left empty is not sent. */
function answersOf(questions: SurveyQuestion[], draft: Draft): SurveyAnswer[] {
  return questions.flatMap((q) => {
    const a = draft[q.id];
    if (!a) return [];
    if (a.optionIds !== undefined && a.optionIds.length === 0) return [];
    if (a.text !== undefined && a.text.trim() === '') return [];
    return [a];
  });
}

function hintOf(q: SurveyQuestion): string {
  if (q.kind === 'multiple') {
    if (q.minChoices && q.maxChoices) return `（选${q.minChoices}–${q.maxChoices}项）`;
    if (q.minChoices) return `（至少选${q.minChoices}项）`;
    if (q.maxChoices) return `（最多选${q.maxChoices}项）`;
    return '（可多选）';
  }
  if (q.kind === 'rating') return '（1分最不满意，5分最满意）';
  if (q.kind === 'text') return `（${q.maxLength}字以内）`;
  return '';
}

/**
 * Answering one survey (`?id=`; `&anonymous=1` for an anonymous public survey). The questions with
 * the required ones marked, the draft as saved (保存草稿 keeps it; it is not counted), 同意回访 as
 * an explicit checkbox, and 提交 once: a refused answer is shown under its question, in the
 * server's words, which name it. Anonymous surveys go by a visitor token kept on the device.
 */
export default function SurveyAnswerPage() {
  const params = useRouter()?.params ?? {};
  const id = Number(params.id);
  const anonymous = params.anonymous === '1';
  const session = useSession();
  const needsSignIn = !anonymous && session.state !== 'signedIn';
  const survey = useAsync<SubscriberSurveyView | null>(async () => {
    if (!Number.isInteger(id) || id <= 0 || needsSignIn) return null;
    if (!anonymous) return getMySurvey(id);
    const token = Taro.getStorageSync(visitorTokenKey(id)) as string | undefined;
    return getPublicSurvey(id, token || undefined);
  }, [id, anonymous, needsSignIn]);
  const view = survey.data ?? null;

  const [draft, setDraft] = useState<Draft>({});
  const [contactAgreed, setContactAgreed] = useState(false);
  const [busy, setBusy] = useState<'draft' | 'submit' | null>(null);
  const [problem, setProblem] = useState<{ questionId: number | null; message: string } | null>(null);
  const [notice, setNotice] = useState<string | null>(null);

  useEffect(() => {
    if (!view) return;
    setDraft(draftOf(view));
    setContactAgreed(view.contactAgreed);
  }, [view]);

  const set = (questionId: number, a: Omit<SurveyAnswer, 'questionId'>) => {
    setDraft((d) => ({ ...d, [questionId]: { questionId, ...a } }));
    setNotice(null);
    if (problem?.questionId === questionId) setProblem(null);
  };

  /** The visitor's token for this survey: the one kept, or a new one. */
  const visitorToken = async (): Promise<string> => {
    const kept = Taro.getStorageSync(visitorTokenKey(id)) as string | undefined;
    if (kept) return kept;
    const { visitorToken: fresh } = await takeVisitorToken(id);
    Taro.setStorageSync(visitorTokenKey(id), fresh);
    return fresh;
  };

  const send = async (kind: 'draft' | 'submit') => {
    if (!view || busy) return;
    setBusy(kind);
    setProblem(null);
    setNotice(null);
    const answers = answersOf(view.questions, draft);
    try {
      if (anonymous) {
        const token = await visitorToken();
        await (kind === 'draft' ? saveVisitorDraft(id, token, answers) : submitVisitorAnswers(id, token, answers));
      } else {
        const input = { answers, contactAgreed };
        await (kind === 'draft' ? saveSurveyDraft(id, input) : submitSurvey(id, input));
      }
      if (kind === 'draft') setNotice('草稿已保存，可以稍后回来继续填写');
      await survey.reload();
    } catch (err) {
      const questionId = err instanceof ApiError ? ((err.details as { questionId?: number } | undefined)?.questionId ?? null) : null;
      // The server's words name the question (第3题「…」：评分须为1到5分); other refusals read from the table.
      const named = err instanceof ApiError && (err.code === 'SURVEY_ANSWER_INVALID' || err.code === 'SURVEY_ANSWER_MISSING');
      setProblem({ questionId, message: named ? err.message : errorMessageOf(err) });
      if (err instanceof ApiError && (err.code === 'SURVEY_ALREADY_ANSWERED' || err.code === 'SURVEY_CLOSED')) await survey.reload();
    } finally {
      setBusy(null);
    }
  };

  if (needsSignIn) {
    return (
      <PageShell id="page-survey">
        <Section title="在线调查">
          <View className="muted">登录后即可参与调查</View>
          <Button id="survey-signin" className="btn-primary" disabled={session.state === 'checking'} onClick={() => void session.signIn()}>
            登录后填写
          </Button>
        </Section>
      </PageShell>
    );
  }

  const editable = view !== null && view.phase === 'open' && view.myStatus !== 'submitted';
  return (
    <PageShell id="page-survey">
      <StateView loading={survey.loading} error={survey.error} onRetry={() => void survey.reload()} empty={!survey.loading && !view} emptyText="没有找到该调查">
        {view && (
          <>
            <Section title={view.title}>
              {view.introduction ? <View className="survey-intro">{view.introduction}</View> : null}
              <View className="muted" id="survey-dates">
                {view.opensOn} 至 {view.closesOn}
                {view.phase !== 'open' ? `（${surveyPhaseNames[view.phase]}）` : ''}
              </View>
            </Section>

            {view.myStatus === 'submitted' ? (
              <View className="state" id="survey-thanks">
                <View className="state__text">您已提交本次调查，感谢您的参与！</View>
              </View>
            ) : view.phase !== 'open' ? (
              <View className="state" id="survey-not-open">
                <View className="state__text">{view.phase === 'scheduled' ? `本调查将于 ${view.opensOn} 开始` : '本调查已结束，感谢您的关注'}</View>
              </View>
            ) : null}

            {editable && (
              <Section title="问卷">
                {view.questions.map((q, i) => (
                  <View key={q.id} id={`survey-q-${q.id}`} className={`survey-question${problem?.questionId === q.id ? ' survey-question--error' : ''}`}>
                    <View className="survey-question__title">
                      {q.required ? <Text className="survey-question__required">*</Text> : null}
                      {i + 1}. {q.title}
                      <Text className="survey-question__hint">{hintOf(q)}</Text>
                    </View>
                    {q.kind === 'single' && (
                      <ChoiceChips
                        idPrefix={`survey-q-${q.id}-o`}
                        options={q.options.map((o) => ({ value: o.id, label: o.label }))}
                        value={draft[q.id]?.optionIds?.[0]}
                        onChange={(v) => set(q.id, { optionIds: [v] })}
                      />
                    )}
                    {q.kind === 'multiple' && (
                      <ChoiceChips
                        idPrefix={`survey-q-${q.id}-o`}
                        options={q.options.map((o) => ({ value: o.id, label: o.label }))}
                        value={undefined}
                        selected={draft[q.id]?.optionIds ?? []}
                        onChange={(v) => {
                          const now = draft[q.id]?.optionIds ?? [];
                          set(q.id, { optionIds: now.includes(v) ? now.filter((x) => x !== v) : [...now, v].sort((a, b) => a - b) });
                        }}
                      />
                    )}
                    {q.kind === 'rating' && <ChoiceChips idPrefix={`survey-q-${q.id}-r`} options={ratingOptions} value={draft[q.id]?.rating} onChange={(v) => set(q.id, { rating: v })} />}
                    {q.kind === 'text' && (
                      <Textarea
                        id={`survey-q-${q.id}-text`}
                        className="survey-textarea"
                        maxlength={q.maxLength}
                        placeholder="请填写"
                        value={draft[q.id]?.text ?? ''}
                        onInput={(e) => set(q.id, { text: e.detail.value })}
                      />
                    )}
                    {problem && problem.questionId === q.id && (
                      <View className="field__error" id={`survey-q-${q.id}-error`}>
                        {problem.message}
                      </View>
                    )}
                  </View>
                ))}

                {!view.anonymous && (
                  <View className="survey-contact" id="survey-contact" onClick={() => setContactAgreed((v) => !v)}>
                    <View className={`survey-contact__box${contactAgreed ? ' survey-contact__box--on' : ''}`} id="survey-contact-box" data-checked={contactAgreed ? 'true' : 'false'}>
                      {contactAgreed ? '✓' : ''}
                    </View>
                    <View>同意客服就本次调查电话联系我（不勾选则您的回答不会与姓名、电话一同显示）</View>
                  </View>
                )}
                {view.anonymous && <View className="survey-note">本调查为匿名调查，不记录您的身份。</View>}

                {problem && (problem.questionId === null || !view.questions.some((q) => q.id === problem.questionId)) && (
                  <View className="field__error" id="survey-error">
                    {problem.message}
                  </View>
                )}
                {notice && (
                  <View className="survey-note" id="survey-notice">
                    {notice}
                  </View>
                )}
                <View className="survey-actions">
                  <Button id="survey-save" className="btn-plain" loading={busy === 'draft'} disabled={busy !== null} onClick={() => void send('draft')}>
                    保存草稿
                  </Button>
                  <Button id="survey-submit" className="btn-primary" loading={busy === 'submit'} disabled={busy !== null} onClick={() => void send('submit')}>
                    提交
                  </Button>
                </View>
              </Section>
            )}
          </>
        )}
      </StateView>
    </PageShell>
  );
}
