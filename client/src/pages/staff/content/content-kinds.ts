import {
  commitmentUnits,
  contentInputSchemas,
  fenToYuan,
  formatYuan,
  hotlineKinds,
  noticeKinds,
  yuanToFen,
  type ContentKind,
  type NoticeKind,
  type StaffContentViews,
} from '@openhall/shared';
import { commitmentUnitLabels, formatDateTime, hotlineKindLabels, serviceTypeLabels } from '../../../lib/labels';
import { businessDateTimeToIso, isoToBusinessDateTime } from '../staff-forms';

// How the content editor shows and edits each kind served at /api/v1/staff/content/:kind. The
// fields follow the shared input schemas; the same schemas check the form before it is sent.

/**
 * How a form field is typed and turned into the schema's value: plain text, numbers, an amount in
 * yuan (sent as integer fen), a choice, yes/no, one item per line, a list separated by commas, or
 * JSON for nested structures (fee tiers, guide materials, opening hours).
 */
export type FieldKind = 'text' | 'textarea' | 'optional' | 'int' | 'number' | 'yuan' | 'enum' | 'bool' | 'lines' | 'list' | 'json' | 'date' | 'optionalDate' | 'datetime';

/** Reports a problem found while reading a field, at a schema path. */
export type ReportIssue = (path: (string | number)[], message: string) => void;

export interface FieldDef {
  key: string;
  label: string;
  kind: FieldKind;
  options?: readonly { value: string; label: string }[];
  hint?: string;
  /** JSON fields: the edited value (as the admin types it) → the schema's value. */
  toInput?: (edited: unknown, report: ReportIssue) => unknown;
  /** JSON fields: the schema's value → what the admin edits. */
  toEditor?: (value: unknown) => unknown;
  /** The text a new record starts with, when not empty (a template of the JSON expected). */
  initial?: string;
}

export interface KindDef {
  kind: ContentKind;
  /** What a person calls it (tab and messages). */
  label: string;
  fields: FieldDef[];
  /** A listed record's title and one line about it. */
  title: (view: Record<string, unknown>) => string;
  summary: (view: Record<string, unknown>) => string;
  /** A listed record as the input schema's fields (the views mostly repeat them). */
  toFields?: (view: Record<string, unknown>) => Record<string, unknown>;
}

const codeHint = '小写字母、数字、_ 或 -，2–32 位，发布后作为唯一标识';
const noticeKindLabels: Record<NoticeKind, string> = { maintenance: '计划检修', announcement: '公告' };
const yuanHint = '金额按元填写（如 3.45），提交时换算为分';

/** An amount typed in yuan → integer fen, or a reported issue. */
function yuanField(value: unknown, path: (string | number)[], report: ReportIssue): number | undefined {
  if (typeof value === 'number' || typeof value === 'string') {
    try {
      return yuanToFen(String(value));
    } catch {
      // fall through to the report
    }
  }
  report(path, '请按元填写金额，最多两位小数（如 3.45）');
  return undefined;
}

/** Fee tiers edited with `priceYuan` instead of `priceFen`. */
const tiersField: FieldDef = {
  key: 'tiers',
  label: '收费阶梯',
  kind: 'json',
  hint: '每档：upTo（本档上限，最后一档可为 null）、priceYuan（单价，元）、label（名称）。',
  initial: JSON.stringify([{ upTo: null, priceYuan: '', label: '' }], null, 2),
  toEditor: (value) => (Array.isArray(value) ? value.map((t: { upTo: number | null; priceFen: number; label: string }) => ({ upTo: t.upTo, priceYuan: fenToYuan(t.priceFen), label: t.label })) : value),
  toInput: (edited, report) =>
    Array.isArray(edited)
      ? edited.map((t: Record<string, unknown>, i) => {
          const { priceYuan, ...rest } = t ?? {};
          return { ...rest, priceFen: yuanField(priceYuan, ['tiers', i, 'priceFen'], report) };
        })
      : edited,
};

/** Concessions: a `fixed_off` amount is edited in yuan; percents and free quantities as they are. */
const concessionsField: FieldDef = {
  key: 'concessions',
  label: '优惠政策',
  kind: 'json',
  hint: '每项：code、name、description、kind（percent_off 百分比 / fixed_off 减免金额，元 / free_quantity 免费量）、value。',
  toEditor: (value) =>
    Array.isArray(value) ? value.map((c: { kind: string; value: number }) => (c.kind === 'fixed_off' ? { ...c, value: fenToYuan(c.value) } : c)) : value,
  toInput: (edited, report) =>
    Array.isArray(edited)
      ? edited.map((c: Record<string, unknown>, i) => (c?.kind === 'fixed_off' ? { ...c, value: yuanField(c.value, ['concessions', i, 'value'], report) } : c))
      : edited,
};

const sortOrder: FieldDef = { key: 'sortOrder', label: '排序', kind: 'int', hint: '小的在前' };

/** Every kind the console edits, in the order of its tabs. */
export const contentKindDefs: readonly KindDef[] = [
  {
    kind: 'fee-schedules',
    label: '资费标准',
    fields: [
      { key: 'code', label: '编码', kind: 'text', hint: codeHint },
      { key: 'name', label: '名称', kind: 'text' },
      { key: 'serviceType', label: '业务', kind: 'enum', options: (['water', 'tv', 'broadband'] as const).map((t) => ({ value: t, label: serviceTypeLabels[t] })) },
      { key: 'unit', label: '计价单位', kind: 'text', hint: '如 立方米、月' },
      { key: 'effectiveFrom', label: '生效日期', kind: 'date', hint: 'YYYY-MM-DD' },
      { key: 'effectiveTo', label: '失效日期', kind: 'optionalDate', hint: 'YYYY-MM-DD，留空为长期有效' },
      tiersField,
      concessionsField,
      { key: 'prepayDiscounts', label: '预付优惠', kind: 'json', hint: '每项：months（预付月数）、percentOff（优惠百分比）。' },
      { key: 'notes', label: '说明', kind: 'textarea' },
    ],
    title: (v) => String(v.name),
    summary: (v) => {
      const tiers = (v.tiers as { priceFen: number }[]) ?? [];
      const type = v.serviceType as 'water' | 'tv' | 'broadband';
      return `${serviceTypeLabels[type] ?? type} · ${v.effectiveFrom} 起${v.effectiveTo ? ` 至 ${v.effectiveTo}` : ''} · ${v.status === 'upcoming' ? '待生效' : '执行中'}${tiers[0] ? ` · 首档 ${formatYuan(tiers[0].priceFen)}/${v.unit}` : ''}`;
    },
  },
  {
    kind: 'materials',
    label: '材料价格',
    fields: [
      { key: 'code', label: '编码', kind: 'text', hint: codeHint },
      { key: 'name', label: '名称', kind: 'text' },
      { key: 'spec', label: '规格', kind: 'text' },
      { key: 'unit', label: '单位', kind: 'text' },
      { key: 'priceFen', label: '单价（元）', kind: 'yuan', hint: yuanHint },
      { key: 'category', label: '类别', kind: 'text' },
    ],
    title: (v) => `${v.name}${v.spec ? `（${v.spec}）` : ''}`,
    summary: (v) => `${v.category} · ${formatYuan(Number(v.priceFen))}/${v.unit}`,
  },
  {
    kind: 'halls',
    label: '营业厅',
    fields: [
      { key: 'code', label: '编码', kind: 'text', hint: codeHint },
      { key: 'name', label: '名称', kind: 'text' },
      { key: 'area', label: '片区编码', kind: 'text', hint: '本公司服务的片区，如 binjiang' },
      { key: 'address', label: '地址', kind: 'text' },
      { key: 'lat', label: '纬度', kind: 'number', hint: 'GCJ-02 坐标（高德/腾讯地图拾取的坐标），不要用 GPS 原始坐标' },
      { key: 'lng', label: '经度', kind: 'number', hint: 'GCJ-02 坐标（高德/腾讯地图拾取的坐标）' },
      { key: 'phone', label: '电话', kind: 'text' },
      { key: 'openingHours', label: '营业时间', kind: 'json', hint: '每项：weekdays（1=周一…7=周日）、open、close（HH:mm）。' },
      { key: 'openOnHolidays', label: '节假日营业', kind: 'bool' },
      { key: 'services', label: '可办业务', kind: 'list', hint: '用逗号或顿号分隔' },
    ],
    title: (v) => String(v.name),
    summary: (v) => `${v.areaName ?? v.area} · ${v.address} · ${v.phone}`,
  },
  {
    kind: 'guides',
    label: '办事指南',
    fields: [
      { key: 'code', label: '编码', kind: 'text', hint: codeHint },
      { key: 'title', label: '标题', kind: 'text' },
      { key: 'category', label: '类别', kind: 'text' },
      { key: 'summary', label: '简介', kind: 'textarea' },
      { key: 'steps', label: '办理步骤', kind: 'lines', hint: '每行一步' },
      {
        key: 'materials',
        label: '所需材料',
        kind: 'json',
        hint: '每项：name、copies（份数）、original（是否原件 true/false）、note。每种材料只列一次。',
        initial: JSON.stringify([{ name: '', copies: 1, original: true, note: '' }], null, 2),
      },
      { key: 'timeLimit', label: '办理时限', kind: 'text' },
      { key: 'fee', label: '收费', kind: 'text' },
      { key: 'channels', label: '办理渠道', kind: 'list', hint: '用逗号或顿号分隔' },
    ],
    title: (v) => String(v.title),
    summary: (v) => `${v.category} · ${v.timeLimit} · 材料 ${((v.materials as unknown[]) ?? []).length} 项`,
  },
  {
    kind: 'notices',
    label: '公告',
    fields: [
      { key: 'kind', label: '类型', kind: 'enum', options: noticeKinds.map((k) => ({ value: k, label: noticeKindLabels[k] })) },
      { key: 'title', label: '标题', kind: 'text' },
      { key: 'body', label: '正文', kind: 'textarea' },
      { key: 'area', label: '片区编码', kind: 'optional', hint: '留空为全部区域' },
      { key: 'startsAt', label: '开始时间', kind: 'datetime', hint: 'YYYY-MM-DD HH:mm（北京时间）；计划检修须至少提前24小时发布' },
      { key: 'endsAt', label: '结束时间', kind: 'datetime', hint: 'YYYY-MM-DD HH:mm（北京时间）' },
    ],
    title: (v) => String(v.title),
    summary: (v) =>
      `${noticeKindLabels[v.kind as NoticeKind] ?? v.kind} · ${v.areaName ?? '全部区域'} · ${formatDateTime(String(v.startsAt))} 至 ${formatDateTime(String(v.endsAt))}`,
  },
  {
    kind: 'commitments',
    label: '服务承诺',
    fields: [
      { key: 'code', label: '编码', kind: 'text', hint: codeHint },
      { key: 'title', label: '标题', kind: 'text' },
      { key: 'description', label: '承诺内容', kind: 'textarea' },
      { key: 'targetAmount', label: '时限', kind: 'int' },
      { key: 'targetUnit', label: '时限单位', kind: 'enum', options: commitmentUnits.map((u) => ({ value: u, label: commitmentUnitLabels[u] })) },
      { key: 'ticketType', label: '考核的工单类型', kind: 'optional', hint: '如 fault、complaint；留空为不按工单考核' },
      sortOrder,
    ],
    title: (v) => String(v.title),
    summary: (v) => {
      const target = v.target as { amount: number; unit: keyof typeof commitmentUnitLabels };
      return `${target.amount} ${commitmentUnitLabels[target.unit]}${v.ticketType ? ` · 工单类型 ${v.ticketType}` : ''}`;
    },
    toFields: (v) => {
      const target = v.target as { amount: number; unit: string };
      return { ...v, targetAmount: target.amount, targetUnit: target.unit };
    },
  },
  {
    kind: 'hotlines',
    label: '服务电话',
    fields: [
      { key: 'kind', label: '类型', kind: 'enum', options: hotlineKinds.map((k) => ({ value: k, label: hotlineKindLabels[k] })) },
      { key: 'name', label: '名称', kind: 'text' },
      { key: 'number', label: '号码', kind: 'text' },
      { key: 'hours', label: '服务时间', kind: 'text' },
      sortOrder,
    ],
    title: (v) => String(v.name),
    summary: (v) => `${hotlineKindLabels[v.kind as keyof typeof hotlineKindLabels] ?? v.kind} · ${v.number} · ${v.hours}`,
  },
];

/** The form's text for a value of the schema (empty for a new record). */
export function toFormText(field: FieldDef, value: unknown): string {
  if (value === undefined) return field.initial ?? (field.kind === 'json' ? '[]' : field.kind === 'bool' ? 'false' : '');
  if (value === null) return field.kind === 'json' ? '[]' : field.kind === 'bool' ? 'false' : '';
  switch (field.kind) {
    case 'yuan':
      return fenToYuan(Number(value));
    case 'bool':
      return value ? 'true' : 'false';
    case 'lines':
      return (value as string[]).join('\n');
    case 'list':
      return (value as string[]).join('、');
    case 'json':
      return JSON.stringify(field.toEditor ? field.toEditor(value) : value, null, 2);
    case 'datetime':
      return isoToBusinessDateTime(String(value));
    default:
      return String(value);
  }
}

/** A listed record as the form's texts. */
export function formOf(def: KindDef, view: Partial<StaffContentViews[ContentKind]> | null): Record<string, string> {
  const fields = view ? (def.toFields ? def.toFields(view as Record<string, unknown>) : (view as Record<string, unknown>)) : {};
  return Object.fromEntries(def.fields.map((f) => [f.key, toFormText(f, fields[f.key])]));
}

/** Reads one field's text as the schema's value; problems it cannot even read are reported. */
function fromFormText(field: FieldDef, text: string, report: ReportIssue): unknown {
  const t = text.trim();
  switch (field.kind) {
    case 'text':
    case 'date':
      return t;
    case 'textarea':
      return text;
    case 'optional':
    case 'optionalDate':
      return t === '' ? null : t;
    case 'int':
    case 'number':
      return t === '' ? undefined : Number(t);
    case 'yuan':
      return t === '' ? undefined : yuanField(t, [field.key], report);
    case 'enum':
      return t === '' ? undefined : t;
    case 'bool':
      return t === 'true';
    case 'lines':
      return text
        .split('\n')
        .map((l) => l.trim())
        .filter(Boolean);
    case 'list':
      return t
        .split(/[,，、]/)
        .map((l) => l.trim())
        .filter(Boolean);
    case 'datetime':
      return businessDateTimeToIso(t);
    case 'json': {
      let parsed: unknown;
      try {
        parsed = JSON.parse(t === '' ? '[]' : t);
      } catch {
        report([field.key], 'JSON 格式有误，请检查括号、引号和逗号');
        return undefined;
      }
      return field.toInput ? field.toInput(parsed, report) : parsed;
    }
  }
}

/** One problem with the form, at a schema path, before or after the shared schema's check. */
export interface FormIssue {
  path: (string | number)[];
  message: string;
  code?: string;
  origin?: string;
  minimum?: number | bigint;
  maximum?: number | bigint;
  expected?: string;
}

/**
 * The form checked with the kind's shared input schema: the body to send, or the issues (the
 * fields it could not read — JSON, yuan — first, then the schema's).
 */
export function readForm(def: KindDef, form: Record<string, string>): { ok: true; input: Record<string, unknown> } | { ok: false; issues: FormIssue[] } {
  const issues: FormIssue[] = [];
  const report: ReportIssue = (path, message) => issues.push({ path, message });
  const raw: Record<string, unknown> = {};
  for (const f of def.fields) {
    const value = fromFormText(f, form[f.key] ?? '', report);
    if (value !== undefined) raw[f.key] = value;
  }
  const parsed = contentInputSchemas[def.kind].safeParse(raw);
  if (!parsed.success) {
    // A field already reported as unreadable is missing from what was checked: one message is enough.
    const reported = new Set(issues.map((i) => i.path.join('.')));
    issues.push(...(parsed.error.issues as unknown as FormIssue[]).filter((i) => !reported.has(i.path.join('.'))));
  }
  if (issues.length > 0) return { ok: false, issues };
  return { ok: true, input: parsed.data as Record<string, unknown> };
}

/** The form's field labels by key, for issue paths. */
export function labelsOf(def: KindDef): Record<string, string> {
  return Object.fromEntries(def.fields.map((f) => [f.key, f.label]));
}
