import { Input, Textarea, View } from '@tarojs/components';
import type { ContentKind, FieldIssue, StaffContentInputs, StaffContentViews } from '@openhall/shared';
import { useState } from 'react';
import { createContent, getStaffProfile, listContent, updateContent, withdrawContent } from '../../../api/staff';
import ChoiceChips from '../../../components/choice-chips';
import Section from '../../../components/section';
import StateView from '../../../components/state-view';
import { formatDateTime } from '../../../lib/labels';
import { useAsync } from '../../../lib/use-async';
import StaffFormErrors from '../staff-form-errors';
import StaffPager from '../staff-pager';
import { fieldIssuesOf, issueText, staffErrorText } from '../staff-forms';
import { hasRole, useStaffProfile } from '../staff-session';
import StaffShell from '../staff-shell';
import { contentKindDefs, formOf, labelsOf, readForm, type FieldDef, type KindDef } from './content-kinds';
import Button from '../../../components/button';

const PAGE_SIZE = 20;
type ContentView = StaffContentViews[ContentKind] & { id: number; updatedAt: string };
const kindOptions = contentKindDefs.map((d) => ({ value: d.kind, label: d.label }));

/** Editing what the operator publishes (资费、营业厅、公告、办事指南、服务承诺、服务电话): admin only. */
export default function StaffContentPage() {
  const [kind, setKind] = useState<ContentKind>(contentKindDefs[0].kind);
  const [page, setPage] = useState(1);
  // `null`: a new record; undefined: no form open.
  const [editing, setEditing] = useState<ContentView | null | undefined>(undefined);
  const [saved, setSaved] = useState('');
  // The answer keeps its kind: right after a tab change the last kind's records are not read with the new kind's fields.
  // Only an admin may read or edit it: anyone else is told so, and offered nothing to click.
  const admin = hasRole(getStaffProfile(), 'admin');
  const list = useAsync(
    async () => (admin ? { kind, ...(await listContent(kind, { page, pageSize: PAGE_SIZE })) } : { kind, items: [], page: 1, pageSize: PAGE_SIZE, total: 0 }),
    [kind, page, admin],
    { refreshOnShow: true },
  );
  const profile = useStaffProfile(list.error);
  const def = contentKindDefs.find((d) => d.kind === kind)!;
  const current = list.data?.kind === kind ? list.data : undefined;
  const items = (current?.items ?? []) as ContentView[];
  const pages = Math.max(1, Math.ceil((current?.total ?? 0) / PAGE_SIZE));

  const pickKind = (k: ContentKind) => {
    setKind(k);
    setPage(1);
    setEditing(undefined);
    setSaved('');
  };

  if (!admin) {
    return (
      <StaffShell id="page-staff-content" profile={profile} title="公示内容" section="content">
        <Section title="公示内容">
          <View className="muted" id="content-not-admin">
            编辑公示内容需要管理员权限。如需更改资费、营业厅、公告等公示内容，请联系管理员。
          </View>
        </Section>
      </StaffShell>
    );
  }

  return (
    <StaffShell id="page-staff-content" profile={profile} title="公示内容" section="content">
      <Section title="内容类别">
        <ChoiceChips idPrefix="content-kind" options={kindOptions} value={kind} onChange={pickKind} />
      </Section>
      {saved && (
        <View className="banner" id="content-saved">
          {saved}
        </View>
      )}
      <View className="staff-content">
        <Section
          title={`${def.label}（${current?.total ?? 0}）`}
          extra={
            <Button
              id="content-new"
              className="btn-plain"
              size="mini"
              onClick={() => {
                setSaved('');
                setEditing(null);
              }}
            >
              新建
            </Button>
          }
        >
          <StateView loading={list.loading || (!current && !list.error)} error={list.error} empty={items.length === 0} emptyText={`还没有${def.label}`} onRetry={() => void list.reload()}>
            {items.map((v) => (
              <ContentRow
                key={v.id}
                def={def}
                view={v}
                onEdit={() => {
                  setSaved('');
                  setEditing(v);
                }}
                onWithdrawn={() => {
                  setSaved(`已撤下 ${def.title(v as unknown as Record<string, unknown>)}`);
                  if (editing && editing.id === v.id) setEditing(undefined);
                  void list.reload();
                }}
              />
            ))}
            <StaffPager id="content" page={page} pages={pages} onPage={setPage} />
          </StateView>
        </Section>

        {editing !== undefined && (
          <ContentEditor
            // A new form for each record: its texts start from that record.
            key={`${kind}-${editing?.id ?? 'new'}`}
            def={def}
            view={editing}
            onCancel={() => setEditing(undefined)}
            onSaved={(v) => {
              setEditing(undefined);
              setSaved(`已${editing ? '保存' : '发布'} ${def.title(v as unknown as Record<string, unknown>)}`);
              void list.reload();
            }}
          />
        )}
      </View>
    </StaffShell>
  );
}

function ContentRow({ def, view, onEdit, onWithdrawn }: { def: KindDef; view: ContentView; onEdit: () => void; onWithdrawn: () => void }) {
  const [confirming, setConfirming] = useState(false);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState('');
  const record = view as unknown as Record<string, unknown>;

  const withdraw = async () => {
    setError('');
    setBusy(true);
    try {
      await withdrawContent(def.kind, view.id);
      onWithdrawn();
    } catch (err) {
      setError(staffErrorText(err));
    } finally {
      setBusy(false);
    }
  };

  return (
    <View className="content-row" id={`content-${view.id}`}>
      <View className="content-row__main">
        <View className="queue-row__id">{def.title(record)}</View>
        <View className="muted">{def.summary(record)}</View>
        <View className="muted">更新于 {formatDateTime(view.updatedAt)}</View>
        {error && <View className="field__error content-row__error">{error}</View>}
      </View>
      <View className="ticket-actions">
        {!confirming ? (
          <>
            <Button className="btn-plain content-edit" size="mini" onClick={onEdit}>
              编辑
            </Button>
            <Button className="btn-danger content-withdraw" size="mini" onClick={() => setConfirming(true)}>
              撤下
            </Button>
          </>
        ) : (
          <>
            <Button className="btn-danger content-withdraw-confirm" size="mini" loading={busy} disabled={busy} onClick={() => void withdraw()}>
              确认撤下
            </Button>
            <Button className="btn-plain" size="mini" onClick={() => setConfirming(false)}>
              取消
            </Button>
          </>
        )}
      </View>
    </View>
  );
}

/** Field issues grouped by the form field they are about (the first step of their path); the rest under ''. */
function byField(issues: FieldIssue[], fields: FieldDef[]): Record<string, string[]> {
  const keys = new Set(fields.map((f) => f.key));
  const out: Record<string, string[]> = {};
  for (const i of issues) {
    const first = i.path.split('.')[0];
    const key = keys.has(first) ? first : '';
    (out[key] ??= []).push(i.message);
  }
  return out;
}

function ContentEditor({ def, view, onCancel, onSaved }: { def: KindDef; view: ContentView | null; onCancel: () => void; onSaved: (view: ContentView) => void }) {
  const [form, setForm] = useState<Record<string, string>>(() => formOf(def, view));
  const [issues, setIssues] = useState<FieldIssue[]>([]);
  const [error, setError] = useState('');
  const [busy, setBusy] = useState(false);
  const labels = labelsOf(def);
  const set = (key: string, value: string) => setForm((f) => ({ ...f, [key]: value }));

  const submit = async () => {
    setError('');
    setIssues([]);
    const read = readForm(def, form);
    if (!read.ok) {
      setError('请按提示修改后再提交');
      setIssues(read.issues.map((i) => ({ path: i.path.join('.'), message: issueText(i, labels) })));
      return;
    }
    setBusy(true);
    try {
      const input = read.input as unknown as StaffContentInputs[typeof def.kind];
      const saved = view ? await updateContent(def.kind, view.id, input) : await createContent(def.kind, input);
      onSaved(saved as ContentView);
    } catch (err) {
      setError(staffErrorText(err));
      setIssues(fieldIssuesOf(err).map((i) => ({ path: i.path, message: issueText(i, labels) })));
    } finally {
      setBusy(false);
    }
  };

  const grouped = byField(issues, def.fields);
  return (
    <Section title={view ? `编辑${def.label}：${def.title(view as unknown as Record<string, unknown>)}` : `新建${def.label}`} className="content-editor">
      <View id="content-form">
        {def.fields.map((f) => (
          <View key={f.key} className="field" id={`content-field-${f.key}`}>
            <View className="field__label">{f.label}</View>
            <FieldInput field={f} value={form[f.key] ?? ''} onChange={(v) => set(f.key, v)} />
            {f.hint && <View className="muted">{f.hint}</View>}
            {(grouped[f.key] ?? []).map((m, n) => (
              <View key={n} className="field__error content-field-error">
                {m}
              </View>
            ))}
          </View>
        ))}
        <StaffFormErrors id="content-form-errors" error={error} issues={(grouped[''] ?? []).map((message) => ({ path: '', message }))} />
        <View className="ticket-actions tickets-gap">
          <Button id="content-submit" className="btn-primary" size="mini" loading={busy} disabled={busy} onClick={() => void submit()}>
            {view ? '保存' : '发布'}
          </Button>
          <Button className="btn-plain" size="mini" onClick={onCancel}>
            取消
          </Button>
        </View>
      </View>
    </Section>
  );
}

function FieldInput({ field, value, onChange }: { field: FieldDef; value: string; onChange: (value: string) => void }) {
  const id = `content-input-${field.key}`;
  switch (field.kind) {
    case 'enum':
      return <ChoiceChips idPrefix={id} options={field.options ?? []} value={value || undefined} onChange={onChange} />;
    case 'bool':
      return (
        <ChoiceChips
          idPrefix={id}
          options={[
            { value: 'true', label: '是' },
            { value: 'false', label: '否' },
          ]}
          value={value}
          onChange={onChange}
        />
      );
    case 'textarea':
    case 'lines':
      return <Textarea id={id} className="tickets-textarea" maxlength={-1} value={value} onInput={(e) => onChange(e.detail.value)} />;
    case 'json':
      return <Textarea id={id} className="tickets-textarea content-json" maxlength={-1} value={value} onInput={(e) => onChange(e.detail.value)} />;
    default:
      return (
        <Input
          id={id}
          className="field__input"
          type={field.kind === 'int' ? 'number' : 'text'}
          placeholder={field.kind === 'datetime' ? 'YYYY-MM-DD HH:mm' : field.kind === 'date' || field.kind === 'optionalDate' ? 'YYYY-MM-DD' : ''}
          value={value}
          onInput={(e) => onChange(e.detail.value)}
        />
      );
  }
}
