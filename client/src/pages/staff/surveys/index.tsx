import { Input, Textarea, View } from '@tarojs/components';
import {
  serviceTypes,
  surveyInputSchema,
  surveyPhaseNames,
  surveyQuestionKindNames,
  surveyQuestionKinds,
  type FieldIssue,
  type ServiceType,
  type SurveyAudienceKind,
  type SurveyQuestionKind,
  type SurveyQuestionResult,
  type SurveyResults,
  type SurveyView,
} from '@openhall/shared';
import { useState } from 'react';
import { listOperatorAreas } from '../../../api/staff';
import { closeSurvey, createSurvey, downloadSurveyCsv, getSurveyResults, listStaffSurveys, newSurveyVersion, publishSurvey, updateSurvey } from '../../../api/staff-surveys';
import ChoiceChips from '../../../components/choice-chips';
import Section from '../../../components/section';
import StateView from '../../../components/state-view';
import { formatDateTime, serviceTypeLabels } from '../../../lib/labels';
import { useAsync } from '../../../lib/use-async';
import StaffFormErrors from '../staff-form-errors';
import { fieldIssuesOf, formatRate, issueText, staffErrorText } from '../staff-forms';
import StaffPager from '../staff-pager';
import StaffShell from '../staff-shell';
import { hasRole, useStaffProfile } from '../staff-session';
import './index.scss';
import Button from '../../../components/button';

const PAGE_SIZE = 20;

interface QuestionForm {
  kind: SurveyQuestionKind;
  title: string;
  required: boolean;
  /** One option a line. */
  options: string;
  minChoices: string;
  maxChoices: string;
  maxLength: string;
}

interface SurveyForm {
  title: string;
  introduction: string;
  opensOn: string;
  closesOn: string;
  audience: SurveyAudienceKind;
  anonymous: boolean;
  area: string;
  serviceType: ServiceType;
  from: string;
  to: string;
  questions: QuestionForm[];
}

const blankQuestion = (kind: SurveyQuestionKind = 'rating'): QuestionForm => ({ kind, title: '', required: true, options: '', minChoices: '', maxChoices: '', maxLength: '200' });

function blankForm(): SurveyForm {
  const today = new Date(Date.now() + 8 * 3600_000).toISOString().slice(0, 10);
  return { title: '', introduction: '', opensOn: today, closesOn: '', audience: 'everyone', anonymous: false, area: '', serviceType: 'water', from: '', to: '', questions: [blankQuestion()] };
}

/** A survey's definition back in the form, to edit a draft. */
function formOf(s: SurveyView): SurveyForm {
  const a = s.audience;
  return {
    title: s.title,
    introduction: s.introduction,
    opensOn: s.opensOn,
    closesOn: s.closesOn,
    audience: a.kind,
    anonymous: a.kind === 'everyone' && a.anonymous,
    area: a.kind === 'area' ? a.area : '',
    serviceType: a.kind === 'service_type' ? a.serviceType : 'water',
    from: a.kind === 'resolved_ticket' ? a.from : '',
    to: a.kind === 'resolved_ticket' ? a.to : '',
    questions: s.questions.map((q) => ({
      ...blankQuestion(q.kind),
      title: q.title,
      required: q.required,
      options: q.kind === 'single' || q.kind === 'multiple' ? q.options.map((o) => o.label).join('\n') : '',
      minChoices: q.kind === 'multiple' && q.minChoices !== null ? String(q.minChoices) : '',
      maxChoices: q.kind === 'multiple' && q.maxChoices !== null ? String(q.maxChoices) : '',
      maxLength: q.kind === 'text' ? String(q.maxLength) : '200',
    })),
  };
}

const count = (text: string) => (text.trim() === '' ? null : Number(text.trim()));

/** The form as the API takes it (checked by the shared schema before it is sent). */
function inputOf(f: SurveyForm): unknown {
  const audience =
    f.audience === 'everyone'
      ? { kind: 'everyone', anonymous: f.anonymous }
      : f.audience === 'area'
        ? { kind: 'area', area: f.area }
        : f.audience === 'service_type'
          ? { kind: 'service_type', serviceType: f.serviceType }
          : { kind: 'resolved_ticket', from: f.from.trim(), to: f.to.trim() };
  return {
    title: f.title,
    introduction: f.introduction,
    opensOn: f.opensOn.trim(),
    closesOn: f.closesOn.trim(),
    audience,
    questions: f.questions.map((q) => {
      const options = q.options
        .split('\n')
        .map((o) => o.trim())
        .filter((o) => o !== '');
      if (q.kind === 'single') return { kind: q.kind, title: q.title, required: q.required, options };
      if (q.kind === 'multiple') return { kind: q.kind, title: q.title, required: q.required, options, minChoices: count(q.minChoices), maxChoices: count(q.maxChoices) };
      if (q.kind === 'text') return { kind: q.kind, title: q.title, required: q.required, maxLength: count(q.maxLength) ?? 200 };
      return { kind: q.kind, title: q.title, required: q.required };
    }),
  };
}

const labels: Record<string, string> = {
  title: '标题',
  introduction: '说明',
  opensOn: '开始日期',
  closesOn: '结束日期',
  audience: '调查对象',
  questions: '题目',
  area: '区域',
  from: '办结起始日期',
  to: '办结截止日期',
  options: '选项',
  minChoices: '最少选择数',
  maxChoices: '最多选择数',
  maxLength: '字数上限',
};

const audienceOptions: { value: SurveyAudienceKind; label: string }[] = [
  { value: 'everyone', label: '全体用户' },
  { value: 'area', label: '某个区域' },
  { value: 'service_type', label: '某项业务' },
  { value: 'resolved_ticket', label: '期间内工单办结的用户' },
];

/**
 * 在线调查 in the console. Everyone may see the list; supervisors build a survey (dates, audience,
 * questions with the required ones marked) as a draft, publish it (its questions are then fixed:
 * 新版本 copies it into a new draft that replaces it when published), close it early, and read the
 * results: response rate against the audience, each question's distribution and mean rating,
 * free text with its area (and name and phone only where the subscriber agreed), and the CSV.
 */
export default function StaffSurveysPage() {
  const [page, setPage] = useState(1);
  const list = useAsync(() => listStaffSurveys({ page, pageSize: PAGE_SIZE }), [page], { refreshOnShow: true });
  const profile = useStaffProfile(list.error);
  const canBuild = hasRole(profile, 'supervisor');
  const areas = useAsync(() => (canBuild ? listOperatorAreas() : Promise.resolve([])), [canBuild]);
  const [editing, setEditing] = useState<{ id: number | null; form: SurveyForm } | null>(null);
  const [shownResults, setShownResults] = useState<number | null>(null);
  const [actionError, setActionError] = useState('');
  const items = list.data?.items ?? [];
  const pages = Math.max(1, Math.ceil((list.data?.total ?? 0) / PAGE_SIZE));

  const act = async (what: () => Promise<SurveyView>, then?: (s: SurveyView) => void) => {
    setActionError('');
    try {
      const s = await what();
      await list.reload();
      then?.(s);
    } catch (err) {
      setActionError(staffErrorText(err));
    }
  };

  return (
    <StaffShell id="page-staff-surveys" profile={profile} title="在线调查" section="surveys">
      <Section
        title={`调查（${list.data?.total ?? 0}）`}
        extra={
          canBuild ? (
            <Button id="staff-survey-new" size="mini" className="btn-primary staff-survey-new" onClick={() => setEditing({ id: null, form: blankForm() })}>
              新建调查
            </Button>
          ) : undefined
        }
      >
        {actionError && (
          <View className="field__error" id="staff-survey-action-error">
            {actionError}
          </View>
        )}
        <StateView loading={list.loading} error={list.error} empty={items.length === 0} emptyText="还没有调查" onRetry={() => void list.reload()}>
          {items.map((s) => (
            <View key={s.id} id={`staff-survey-${s.id}`} className="queue-row staff-survey">
              <View className="staff-survey__title">
                {s.title}
                <View className="muted staff-survey__meta">
                  第{s.version}版 · {surveyPhaseNames[s.phase]} · {s.audienceText} · {s.opensOn} 至 {s.closesOn} · 已提交 {s.responses} 份{s.nextId ? ' · 已有新版本' : ''}
                </View>
              </View>
              <View className="staff-survey__actions">
                {s.phase !== 'draft' && canBuild && (
                  <Button id={`staff-survey-${s.id}-results`} size="mini" className="btn-plain" onClick={() => setShownResults(shownResults === s.id ? null : s.id)}>
                    {shownResults === s.id ? '收起结果' : '查看结果'}
                  </Button>
                )}
                {s.phase === 'draft' && canBuild && (
                  <>
                    <Button id={`staff-survey-${s.id}-edit`} size="mini" className="btn-plain" onClick={() => setEditing({ id: s.id, form: formOf(s) })}>
                      编辑
                    </Button>
                    <Button id={`staff-survey-${s.id}-publish`} size="mini" className="btn-primary" onClick={() => void act(() => publishSurvey(s.id))}>
                      发布
                    </Button>
                  </>
                )}
                {(s.phase === 'open' || s.phase === 'scheduled') && canBuild && (
                  <Button id={`staff-survey-${s.id}-close`} size="mini" className="btn-plain" onClick={() => void act(() => closeSurvey(s.id))}>
                    提前结束
                  </Button>
                )}
                {s.phase !== 'draft' && !s.nextId && canBuild && (
                  <Button
                    id={`staff-survey-${s.id}-version`}
                    size="mini"
                    className="btn-plain"
                    onClick={() => void act(() => newSurveyVersion(s.id), (v) => setEditing({ id: v.id, form: formOf(v) }))}
                  >
                    新版本
                  </Button>
                )}
              </View>
              {shownResults === s.id && <ResultsPanel survey={s} />}
            </View>
          ))}
          <StaffPager id="staff-surveys" page={page} pages={pages} onPage={setPage} />
        </StateView>
      </Section>

      {editing && (
        <SurveyBuilder
          key={editing.id ?? 'new'}
          id={editing.id}
          initial={editing.form}
          areas={areas.data ?? []}
          onCancel={() => setEditing(null)}
          onSaved={() => {
            setEditing(null);
            void list.reload();
          }}
        />
      )}
    </StaffShell>
  );
}

/** The builder of a new survey or a draft: every field, questions added and removed, checked before it is sent. */
function SurveyBuilder({ id, initial, areas, onCancel, onSaved }: { id: number | null; initial: SurveyForm; areas: { code: string; name: string }[]; onCancel: () => void; onSaved: () => void }) {
  const [form, setForm] = useState<SurveyForm>(initial);
  const [issues, setIssues] = useState<FieldIssue[]>([]);
  const [error, setError] = useState('');
  const [busy, setBusy] = useState(false);
  const set = (patch: Partial<SurveyForm>) => setForm((f) => ({ ...f, ...patch }));
  const setQuestion = (i: number, patch: Partial<QuestionForm>) => setForm((f) => ({ ...f, questions: f.questions.map((q, n) => (n === i ? { ...q, ...patch } : q)) }));

  const save = async () => {
    setError('');
    const parsed = surveyInputSchema.safeParse(inputOf(form));
    if (!parsed.success) {
      setIssues(parsed.error.issues.map((i) => ({ path: i.path.join('.'), message: issueText(i, labels) })));
      return;
    }
    setIssues([]);
    setBusy(true);
    try {
      await (id === null ? createSurvey(parsed.data) : updateSurvey(id, parsed.data));
      onSaved();
    } catch (err) {
      setError(staffErrorText(err));
      setIssues(fieldIssuesOf(err).map((i) => ({ path: i.path, message: issueText(i, labels) })));
    } finally {
      setBusy(false);
    }
  };

  const input = (key: 'title' | 'opensOn' | 'closesOn' | 'from' | 'to', label: string, placeholder: string) => (
    <View className="staff-filters__row">
      <View className="staff-filters__label">{label}</View>
      <Input id={`staff-survey-form-${key}`} className="field__input" placeholder={placeholder} value={form[key]} onInput={(e) => set({ [key]: e.detail.value })} />
    </View>
  );

  return (
    <Section title={id === null ? '新建调查' : '编辑草稿'} className="staff-survey-builder">
      {input('title', '标题', '如：2026年度供水服务满意度调查')}
      <View className="staff-filters__row">
        <View className="staff-filters__label">说明</View>
        <Textarea id="staff-survey-form-introduction" className="tickets-textarea" aria-label="调查说明" maxlength={2000} value={form.introduction} onInput={(e) => set({ introduction: e.detail.value })} />
      </View>
      {input('opensOn', '开始日期', 'YYYY-MM-DD')}
      {input('closesOn', '结束日期', 'YYYY-MM-DD（当天24点结束）')}
      <View className="staff-filters__row">
        <View className="staff-filters__label">调查对象</View>
        <ChoiceChips idPrefix="staff-survey-form-audience" options={audienceOptions} value={form.audience} onChange={(audience) => set({ audience })} />
      </View>
      {form.audience === 'everyone' && (
        <View className="staff-filters__row">
          <View className="staff-filters__label">匿名</View>
          <ChoiceChips
            idPrefix="staff-survey-form-anonymous"
            options={[
              { value: 'no', label: '登录并绑定户号的用户' },
              { value: 'yes', label: '匿名（任何访客，每台设备一次）' },
            ]}
            value={form.anonymous ? 'yes' : 'no'}
            onChange={(v) => set({ anonymous: v === 'yes' })}
          />
        </View>
      )}
      {form.audience === 'area' && (
        <View className="staff-filters__row">
          <View className="staff-filters__label">区域</View>
          <ChoiceChips idPrefix="staff-survey-form-area" options={areas.map((a) => ({ value: a.code, label: a.name }))} value={form.area || undefined} onChange={(area) => set({ area })} />
        </View>
      )}
      {form.audience === 'service_type' && (
        <View className="staff-filters__row">
          <View className="staff-filters__label">业务</View>
          <ChoiceChips idPrefix="staff-survey-form-service" options={serviceTypes.map((t) => ({ value: t, label: serviceTypeLabels[t] }))} value={form.serviceType} onChange={(serviceType) => set({ serviceType })} />
        </View>
      )}
      {form.audience === 'resolved_ticket' && (
        <>
          {input('from', '办结起始', 'YYYY-MM-DD')}
          {input('to', '办结截止', 'YYYY-MM-DD')}
        </>
      )}

      {form.questions.map((q, i) => (
        <View key={i} id={`staff-survey-form-q-${i}`} className="staff-survey-builder__question">
          <View className="staff-filters__row">
            <View className="staff-filters__label">第{i + 1}题</View>
            <ChoiceChips idPrefix={`staff-survey-form-q-${i}-kind`} options={surveyQuestionKinds.map((k) => ({ value: k, label: surveyQuestionKindNames[k] }))} value={q.kind} onChange={(kind) => setQuestion(i, { kind })} />
          </View>
          <View className="staff-filters__row">
            <View className="staff-filters__label">题目</View>
            <Input id={`staff-survey-form-q-${i}-title`} className="field__input" value={q.title} onInput={(e) => setQuestion(i, { title: e.detail.value })} />
          </View>
          {(q.kind === 'single' || q.kind === 'multiple') && (
            <View className="staff-filters__row">
              <View className="staff-filters__label">选项</View>
              <Textarea id={`staff-survey-form-q-${i}-options`} className="tickets-textarea" aria-label={`第${i + 1}题的选项，每行一个`} placeholder="每行一个选项" value={q.options} onInput={(e) => setQuestion(i, { options: e.detail.value })} />
            </View>
          )}
          {q.kind === 'multiple' && (
            <View className="staff-filters__row">
              <View className="staff-filters__label">选择数</View>
              <Input id={`staff-survey-form-q-${i}-min`} className="field__input staff-survey-builder__count" type="number" placeholder="最少（可不填）" value={q.minChoices} onInput={(e) => setQuestion(i, { minChoices: e.detail.value })} />
              <Input id={`staff-survey-form-q-${i}-max`} className="field__input staff-survey-builder__count" type="number" placeholder="最多（可不填）" value={q.maxChoices} onInput={(e) => setQuestion(i, { maxChoices: e.detail.value })} />
            </View>
          )}
          {q.kind === 'text' && (
            <View className="staff-filters__row">
              <View className="staff-filters__label">字数上限</View>
              <Input id={`staff-survey-form-q-${i}-maxlength`} className="field__input staff-survey-builder__count" type="number" value={q.maxLength} onInput={(e) => setQuestion(i, { maxLength: e.detail.value })} />
            </View>
          )}
          <View className="staff-filters__row">
            <ChoiceChips
              idPrefix={`staff-survey-form-q-${i}-required`}
              options={[
                { value: 'yes', label: '必答' },
                { value: 'no', label: '选答' },
              ]}
              value={q.required ? 'yes' : 'no'}
              onChange={(v) => setQuestion(i, { required: v === 'yes' })}
            />
            {form.questions.length > 1 && (
              <Button id={`staff-survey-form-q-${i}-remove`} size="mini" className="btn-plain" onClick={() => set({ questions: form.questions.filter((_, n) => n !== i) })}>
                删除此题
              </Button>
            )}
          </View>
        </View>
      ))}
      <Button id="staff-survey-form-add" size="mini" className="btn-plain" onClick={() => set({ questions: [...form.questions, blankQuestion('single')] })}>
        添加题目
      </Button>

      <StaffFormErrors id="staff-survey-form-errors" error={error} issues={issues} />
      <View className="staff-survey__actions">
        <Button id="staff-survey-form-save" size="mini" className="btn-primary" loading={busy} disabled={busy} onClick={() => void save()}>
          保存草稿
        </Button>
        <Button id="staff-survey-form-cancel" size="mini" className="btn-plain" onClick={onCancel}>
          取消
        </Button>
      </View>
    </Section>
  );
}

/** A bar as wide as its share of the answers. */
function Bar({ id, label, n, of }: { id: string; label: string; n: number; of: number }) {
  const pct = of === 0 ? 0 : Math.round((n / of) * 100);
  return (
    <View className="staff-survey-bar" id={id}>
      <View className="staff-survey-bar__label">{label}</View>
      <View className="staff-survey-bar__track">
        <View className="staff-survey-bar__fill" style={{ width: `${pct}%` }} />
      </View>
      <View className="staff-survey-bar__count">
        {n}（{pct}%）
      </View>
    </View>
  );
}

function QuestionResult({ q, index }: { q: SurveyQuestionResult; index: number }) {
  return (
    <View className="staff-survey-result" id={`staff-survey-result-q-${q.questionId}`}>
      <View className="staff-survey__title">
        {index + 1}. {q.title}
        <View className="muted staff-survey__meta">
          {surveyQuestionKindNames[q.kind]} · {q.answered} 人作答{q.meanRating !== undefined && q.meanRating !== null ? ` · 平均 ${q.meanRating.toFixed(2)} 分` : ''}
        </View>
      </View>
      {q.options?.map((o) => <Bar key={o.id} id={`staff-survey-result-q-${q.questionId}-o-${o.id}`} label={o.label} n={o.count} of={q.answered} />)}
      {q.ratings?.map((r) => <Bar key={r.score} id={`staff-survey-result-q-${q.questionId}-r-${r.score}`} label={`${r.score}分`} n={r.count} of={q.answered} />)}
      {q.texts && (
        <View className="staff-survey-texts">
          {q.texts.length === 0 && <View className="muted">暂无回答</View>}
          {q.texts.map((t, n) => (
            <View key={n} className="staff-survey-text">
              <View>{t.text}</View>
              <View className="muted">
                {t.areaName ?? '（匿名）'} · {formatDateTime(t.submittedAt)}
                {t.contact ? ` · 同意回访：${t.contact.nameMasked ?? ''} ${t.contact.phone ?? ''}` : ''}
              </View>
            </View>
          ))}
          {q.textTotal !== undefined && q.textTotal > q.texts.length && <View className="muted">共 {q.textTotal} 条，此处显示最新的 {q.texts.length} 条，全部回答请导出 CSV</View>}
        </View>
      )}
    </View>
  );
}

/** One survey's results and its CSV export. */
function ResultsPanel({ survey }: { survey: SurveyView }) {
  const results = useAsync<SurveyResults>(() => getSurveyResults(survey.id), [survey.id]);
  const [exportError, setExportError] = useState('');
  const r = results.data;
  return (
    <View className="staff-survey-results" id={`staff-survey-${survey.id}-panel`}>
      <StateView loading={results.loading} error={results.error} onRetry={() => void results.reload()}>
        {r && (
          <>
            <View className="staff-survey-results__head" id={`staff-survey-${survey.id}-summary`}>
              已提交 {r.responses} 份 · 调查对象 {r.audienceSize === null ? '不限（匿名）' : `${r.audienceSize} 人`} · 回收率 {formatRate(r.responseRate)} · 草稿 {r.drafts} 份 · 同意回访 {r.contactAgreed} 人
            </View>
            {r.questions.map((q, i) => (
              <QuestionResult key={q.questionId} q={q} index={i} />
            ))}
            <Button
              id={`staff-survey-${survey.id}-export`}
              size="mini"
              className="btn-plain"
              onClick={() => {
                setExportError('');
                downloadSurveyCsv(survey).catch((err: unknown) => setExportError(staffErrorText(err)));
              }}
            >
              导出 CSV
            </Button>
            {exportError && <View className="field__error">{exportError}</View>}
          </>
        )}
      </StateView>
    </View>
  );
}
