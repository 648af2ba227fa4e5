import type { Middleware } from 'koa';
import type { AppState } from '../../http/context';
import type { SessionsService } from './sessions.service';

/** `Bearer <token>`; the scheme is case-insensitive (RFC 7235 §2.1), so `bearer` and `BEARER` count too. */
const BEARER = /^bearer\s+([A-Za-z0-9_-]{20,128})$/i;

/**
 * Resolves `Authorization: Bearer <token>` into `ctx.state.principal`. An expired or unknown token
 * leaves the request anonymous: public pages keep working, and routes that need a sign-in answer
 * 401 so the client signs in again.
 */
export function authenticate(sessions: SessionsService): Middleware<AppState> {
  return (ctx, next) => {
    const m = BEARER.exec(ctx.get('Authorization'));
    if (!m) return next();
    // Most requests carry a token used moments ago: no promise of their own for them.
    const kept = sessions.kept(m[1]);
    if (kept) {
      ctx.state.principal = kept;
      return next();
    }
    return sessions.resolve(m[1]).then((principal) => {
      ctx.state.principal = principal;
      return next();
    });
  };
}
