import {
  fenToYuan,
  yuanToFen,
  type EmergencySuspensionInput,
  type ServiceRequestKind,
  type ServiceRequestStatus,
  type TopUpRules,
} from '@openhall/shared';

// What the prepaid subpackage's pages check and name before anything goes to the server.

/** +5000 → "+¥50.00", −5000 → "-¥50.00": a ledger line's signed amount. */
export function formatSignedYuan(fen: number): string {
  return `${fen < 0 ? '-' : '+'}¥${fenToYuan(Math.abs(fen))}`;
}

/**
 * Yuan as typed (full-width digits from a Chinese keyboard too) → whole fen, or what is wrong with
 * it. At most two decimals: an amount that cannot be read exactly is refused, never rounded.
 */
export function parseYuanInput(text: string): { fen: number } | { problem: string } {
  const typed = text.normalize('NFKC').replace(/\s+/g, '');
  if (typed === '') return { problem: '请输入金额' };
  if (!/^\d+(\.\d{1,2})?$/.test(typed)) return { problem: '请输入正确的金额（元，最多两位小数）' };
  try {
    return { fen: yuanToFen(typed) };
  } catch {
    return { problem: '请输入正确的金额（元，最多两位小数）' };
  }
}

/** The server's rule, checked first so a wrong amount never becomes an order: a preset, or within the range. */
export function topUpAmountProblem(fen: number, rules: TopUpRules): string | null {
  if (rules.presetsFen.includes(fen)) return null;
  if (fen < rules.minFen || fen > rules.maxFen) return `充值金额须在 ${fenToYuan(rules.minFen)} 元至 ${fenToYuan(rules.maxFen)} 元之间`;
  return null;
}

/** What a request about the service is called. */
export const serviceRequestKindLabels: Record<ServiceRequestKind, string> = {
  suspend: '紧急停机',
  reopen: '复机',
  restore: '欠费复机',
};

export const serviceRequestStatusLabels: Record<ServiceRequestStatus, string> = {
  pending: '办理中',
  done: '已生效',
  refused: '未能办理',
};

/** Why a subscriber stops the service in a hurry. */
export const emergencyReasonLabels: Record<EmergencySuspensionInput['reason'], string> = {
  lost_device: '设备丢失或被盗',
  moving: '搬家或长期不用',
  other: '其他原因',
};
