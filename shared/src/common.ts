import { z } from 'zod';

/** Mainland mobile number, 11 digits starting with 1[3-9]. */
export const phoneSchema = z.string().regex(/^1[3-9]\d{9}$/, '请输入11位手机号');

/** Integer fen, never negative. */
export const fenSchema = z.number().int().nonnegative();

/** Calendar date in business time, YYYY-MM-DD. */
export const dateSchema = z.string().regex(/^\d{4}-\d{2}-\d{2}$/, 'expected YYYY-MM-DD');

/** Numeric id in a path or query string. */
export const idParamSchema = z.object({ id: z.coerce.number().int().positive() });

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
}

/** Service types an account can have. `tv_broadband` is a bundled cable-TV + broadband line. */
export const serviceTypes = ['water', 'tv', 'broadband', 'tv_broadband'] as const;
export type ServiceType = (typeof serviceTypes)[number];
export const serviceTypeSchema = z.enum(serviceTypes);
