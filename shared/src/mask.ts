/**
 * Masking for subscriber data shown on screens and written to logs. The rules follow what Chinese
 * operators print on bills: phone 138****0000, names keep the first character (张*, 欧阳**).
 */

/** 13800000001 → 138****0001. Anything that is not 11 digits keeps only its last 4 characters. */
export function maskPhone(phone: string): string {
  if (/^1\d{10}$/.test(phone)) return `${phone.slice(0, 3)}****${phone.slice(7)}`;
  if (phone.length <= 4) return '*'.repeat(phone.length);
  return `${'*'.repeat(phone.length - 4)}${phone.slice(-4)}`;
}

/** 张三 → 张*, 欧阳修 → 欧**. A single character is shown as *. */
export function maskName(name: string): string {
  const chars = Array.from(name.trim());
  if (chars.length <= 1) return '*';
  return chars[0] + '*'.repeat(chars.length - 1);
}

/** Mainland mobile numbers, used to find them in free text (logs). */
export const phonePattern = /(?<!\d)(1[3-9]\d)(\d{4})(\d{4})(?!\d)/g;
/** 18-character resident ID numbers in free text. */
export const idNumberPattern = /(?<![\dXx])(\d{6})(\d{8})(\d{3}[\dXx])(?![\dXx])/g;

/** Replaces every phone and ID number inside `text` by its masked form. */
export function maskSensitiveText(text: string): string {
  return text
    .replace(idNumberPattern, (_m, a: string, _b: string, c: string) => `${a}********${c}`)
    .replace(phonePattern, (_m, a: string, _b: string, c: string) => `${a}****${c}`);
}
