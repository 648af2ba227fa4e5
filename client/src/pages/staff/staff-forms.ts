import type { FieldIssue } from '@openhall/shared';
import { ApiError, errorMessageWithServerWords } from '../../api/errors';

// What the console's forms share: the words for a failed write, zod issues put in Chinese, and
// business-time (Asia/Shanghai) date-times typed as "YYYY-MM-DD HH:mm".

const CJK = /[\u4e00-\u9fff]/;

/**
 * The message for a failed console action: the table's words, followed by the server's own when it
 * says more in Chinese (a 403 names the role needed, a rule names what was wrong). Zod's generic
 * "请求参数有误：body.x" is left out: the field issues are shown beside the form instead.
 */
export function staffErrorText(err: unknown): string {
  return errorMessageWithServerWords(err, ['FORBIDDEN', 'CONFLICT', 'VALIDATION_FAILED', 'NOT_FOUND', 'PAYLOAD_TOO_LARGE', 'NOTICE_TOO_LATE', 'RECONCILIATION_DIFF_ALREADY_RESOLVED', 'INVOICE_NOT_REISSUABLE']);
}

/**
 * The field issues of a failed write, paths without `body.`: a 400 VALIDATION_FAILED's
 * `details.issues` (zod) or list (a business rule), or a rule's answer naming one `details.field`
 * (a duplicate code, a maintenance notice published too late) with its message.
 */
export function fieldIssuesOf(err: unknown): FieldIssue[] {
  if (!(err instanceof ApiError)) return [];
  const details = err.details as { issues?: unknown; field?: unknown } | unknown[] | undefined;
  if (details && !Array.isArray(details) && typeof details.field === 'string' && err.code !== 'VALIDATION_FAILED') return [{ path: details.field, message: err.message }];
  if (err.code !== 'VALIDATION_FAILED') return [];
  const list = Array.isArray(details) ? details : Array.isArray(details?.issues) ? details.issues : [];
  return list
    .filter((i): i is FieldIssue => typeof i === 'object' && i !== null && typeof (i as FieldIssue).path === 'string' && typeof (i as FieldIssue).message === 'string')
    .map((i) => ({ path: i.path.replace(/^body\.?/, ''), message: i.message }));
}

/** The English messages of the shared schemas' own rules, in Chinese. */
const knownMessages: Record<string, string> = {
  'open must be before close': '开门时间须早于关门时间',
  'effectiveTo must not be before effectiveFrom': '失效日期不能早于生效日期',
  'tiers must be in increasing order, only the last may be unbounded': '阶梯上限须逐档递增，只有最后一档可以不设上限',
  'each material is listed once': '同一种材料只能列一次',
  'endsAt must be after startsAt': '结束时间须晚于开始时间',
  'expected YYYY-MM-DD': '日期格式应为 YYYY-MM-DD',
  'expected HH:mm': '时间格式应为 HH:mm',
  'expected YYYY-MM': '月份格式应为 YYYY-MM',
};

/** A minimal view of a zod issue: what the client-side check and the server's details both carry. */
export interface IssueLike {
  path: readonly PropertyKey[] | string;
  message: string;
  code?: string;
  origin?: string;
  minimum?: number | bigint;
  maximum?: number | bigint;
  expected?: string;
}

/** A zod issue's message in Chinese: the schema's own Chinese words when it has them, else by kind of problem. */
export function issueMessage(issue: IssueLike): string {
  const m = issue.message;
  if (CJK.test(m)) return m;
  if (knownMessages[m]) return knownMessages[m];
  const min = issue.minimum === undefined ? undefined : Number(issue.minimum);
  const max = issue.maximum === undefined ? undefined : Number(issue.maximum);
  switch (issue.code) {
    case 'invalid_type':
      if (/received undefined/.test(m)) return '必填';
      if (issue.expected === 'number' || /expected number/.test(m)) return '请填写数字';
      if (issue.expected === 'boolean') return '请选择是或否';
      if (issue.expected === 'array') return '应为列表（JSON 数组）';
      return '格式不正确';
    case 'too_small':
      if (issue.origin === 'string') return min !== undefined && min <= 1 ? '不能为空' : `至少 ${min} 个字`;
      if (issue.origin === 'array' || issue.origin === 'set') return `至少 ${min} 项`;
      return `不能小于 ${min}`;
    case 'too_big':
      if (issue.origin === 'string') return `不能超过 ${max} 个字`;
      if (issue.origin === 'array' || issue.origin === 'set') return `最多 ${max} 项`;
      return `不能大于 ${max}`;
    case 'invalid_format':
      return /datetime/.test(m) ? '时间格式应为 YYYY-MM-DD HH:mm' : '格式不正确';
    case 'invalid_value':
      return '请选择有效的选项';
    case 'unrecognized_keys':
      return '包含无法识别的字段';
  }
  // The server's details carry the message only: read its own wordings and the common zod ones.
  const area = /^unknown area (\S+); expected one of (.*)$/.exec(m);
  if (area) return `没有片区 ${area[1]}，可填：${area[2]}`;
  if (/received undefined/.test(m)) return '必填';
  if (/expected number/.test(m)) return '请填写数字';
  if (/expected int/.test(m)) return '应为整数';
  if (/Too small/i.test(m)) return `太小或太短${/(\d+)/.exec(m) ? `（至少 ${/(\d+)/.exec(m)![1]}）` : ''}`;
  if (/Too big/i.test(m)) return `太大或太长${/(\d+)/.exec(m) ? `（最多 ${/(\d+)/.exec(m)![1]}）` : ''}`;
  if (/Invalid ISO datetime/i.test(m)) return '时间格式应为 YYYY-MM-DD HH:mm';
  if (/Invalid string: must match pattern/i.test(m)) return '格式不正确';
  if (/Invalid option/i.test(m)) return '请选择有效的选项';
  return '填写有误';
}

/** Names of the nested fields (fee tiers, concessions, guide materials, opening hours) for issue paths. */
const nestedLabels: Record<string, string> = {
  upTo: '上限',
  priceFen: '单价',
  priceYuan: '单价（元）',
  label: '名称',
  code: '编码',
  name: '名称',
  description: '说明',
  kind: '方式',
  value: '数值',
  months: '月数',
  percentOff: '优惠百分比',
  copies: '份数',
  original: '是否原件',
  note: '备注',
  weekdays: '星期',
  open: '开门时间',
  close: '关门时间',
};

/**
 * A dotted or array issue path in words: `tiers.1.priceFen` → "收费阶梯 第2项 单价", using the
 * form's own labels for the top-level field.
 */
export function issuePathText(path: IssueLike['path'], labels: Record<string, string> = {}): string {
  const parts = typeof path === 'string' ? (path === '' ? [] : path.split('.')) : path.map(String);
  return parts
    .map((p, i) => (/^\d+$/.test(p) ? `第${Number(p) + 1}项` : i === 0 ? (labels[p] ?? nestedLabels[p] ?? p) : (nestedLabels[p] ?? labels[p] ?? p)))
    .join(' ');
}

/** One issue as a line under a form: "收费阶梯 第2项 单价：不能小于 0". */
export function issueText(issue: IssueLike, labels: Record<string, string> = {}): string {
  const where = issuePathText(issue.path, labels);
  return where ? `${where}：${issueMessage(issue)}` : issueMessage(issue);
}

const BUSINESS_DATE_TIME = /^(\d{4}-\d{2}-\d{2})[ T](\d{2}):(\d{2})$/;

/**
 * "2026-11-26 18:00" typed in business time → "2026-11-26T18:00:00+08:00". Anything else comes back
 * as typed, so the shared schema reports it as a bad date-time.
 */
export function businessDateTimeToIso(text: string): string {
  const m = BUSINESS_DATE_TIME.exec(text.trim());
  return m ? `${m[1]}T${m[2]}:${m[3]}:00+08:00` : text.trim();
}

/** An ISO instant as "YYYY-MM-DD HH:mm" in business time, for editing. */
export function isoToBusinessDateTime(iso: string): string {
  const shifted = new Date(Date.parse(iso) + 8 * 3600_000).toISOString();
  return `${shifted.slice(0, 10)} ${shifted.slice(11, 16)}`;
}

/** A rate 0–1 as "93.5%"; "—" when there was nothing to count. */
export function formatRate(rate: number | null): string {
  if (rate === null) return '—';
  return `${Math.round(rate * 1000) / 10}%`;
}
