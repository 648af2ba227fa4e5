import { z } from 'zod';

/** Mainland mobile number, 11 digits starting with 1[3-9]. */
export const phoneSchema = z.string().regex(/^1[3-9]\d{9}$/, '请输入11位手机号');

/** Integer fen, never negative. */
export const fenSchema = z.number().int().nonnegative();

/** Calendar date in business time, YYYY-MM-DD. */
export const dateSchema = z.string().regex(/^\d{4}-\d{2}-\d{2}$/, 'expected YYYY-MM-DD');

/**
 * True when `value` holds a C0 control character (U+0000–U+001F) other than those allowed. Nobody
 * types one, and U+0000 breaks the embedded database (it answered 500 instead of refusing it).
 */
function hasControlCharacter(value: string, allowLineBreaks: boolean): boolean {
  for (let i = 0; i < value.length; i++) {
    const c = value.charCodeAt(i);
    if (c > 0x1f) continue;
    if (allowLineBreaks && (c === 0x09 || c === 0x0a || c === 0x0d)) continue;
    return true;
  }
  return false;
}

/**
 * Any free string a subscriber, staff member or another system sends: a name, a filter, a note.
 * Control characters are refused, naming the field; a multi-line text box (`multiline`) may also
 * send tab, line feed and carriage return. `trim` trims before the check, so a trailing line break
 * pasted into a one-line field is dropped rather than refused. Chain lengths as usual.
 *
 * @example textSchema().min(1).max(32)                                   // an area code in a query
 * @example textSchema({ multiline: true, trim: true }).min(5).max(1000)  // a ticket description
 */
export function textSchema(options: { multiline?: boolean; trim?: boolean } = {}): z.ZodString {
  const multiline = options.multiline ?? false;
  const base = options.trim ? z.string().trim() : z.string();
  return base.refine((v) => !hasControlCharacter(v, multiline), multiline ? '不能包含控制字符' : '不能包含换行符或控制字符');
}

/**
 * A positive id as a path or query string carries it: decimal digits only. `Number()` also reads
 * `0x10`, `1e3`, ` 7` and `7 ` as numbers, so one record would answer to many spellings of its id.
 */
export const urlIdSchema = z
  .string()
  .regex(/^\d{1,15}$/, '编号须为十进制数字')
  .transform(Number)
  .pipe(z.number().int().positive('编号须大于0'));

/** Numeric id in a path (`/bills/:id`). */
export const idParamSchema = z.object({ id: urlIdSchema });

/** Page request: `page` from 1, `pageSize` up to 100. */
export const pageQuerySchema = z.object({
  page: z.coerce.number().int().min(1).default(1),
  pageSize: z.coerce.number().int().min(1).max(100).default(20),
});
export type PageQuery = z.infer<typeof pageQuerySchema>;

/** A page of results. */
export interface Page<T> {
  items: T[];
  page: number;
  pageSize: number;
  total: number;
  /**
   * Present (true) when the total was not counted past `total`: there are at least that many. The
   * staff queue counts a filter on the clock (overdue, due soon) only up to a cap, so that a page
   * of a large backlog costs the same as one of a small one.
   */
  totalCapped?: true;
}

/** Service types an account can have. `tv_broadband` is a bundled cable-TV + broadband line. */
export const serviceTypes = ['water', 'tv', 'broadband', 'tv_broadband'] as const;
export type ServiceType = (typeof serviceTypes)[number];
export const serviceTypeSchema = z.enum(serviceTypes);
