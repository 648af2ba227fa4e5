import compose from 'koa-compose';
import type { Middleware, ParameterizedContext } from 'koa';
import type { AppState } from './context';

type Method = 'get' | 'post' | 'put' | 'patch' | 'delete';
type RouteMiddleware = (ctx: ParameterizedContext<AppState>, next: () => Promise<unknown>) => unknown;

/** One API route: its method, its path as a pattern, its parameters' names, and what answers it. */
interface ApiRoute {
  method: string;
  path: string;
  pattern: RegExp;
  paramNames: string[];
  handle: RouteMiddleware;
}

/** The methods koa-router implements; any other on a known path answers 501. */
const IMPLEMENTED = new Set(['HEAD', 'OPTIONS', 'GET', 'PUT', 'PATCH', 'POST', 'DELETE']);

/**
 * The API's routes, kept per first path segment under the prefix (`/bills…`, `/staff…`): a request
 * is matched only against the routes of its own segment, in the order they were defined, and the
 * first with its path and method answers it. The paths are fixed text and `:name` parameters (all
 * the API has); they match as koa-router would match them (any case, one optional trailing
 * slash, parameters URL-decoded into `ctx.params`, a HEAD answered by the GET route), and a known
 * path asked with a method it does not have answers as koa-router's `allowedMethods` answers it:
 * 405 with `Allow`, 200 with `Allow` to OPTIONS, 501 to a method no router implements. With more
 * than a hundred routes, koa-router's own matching and its chain of middleware built for each
 * request cost a signed-in read more CPU than the rest of the request's middleware together.
 */
export class ApiRouter {
  private readonly bySegment = new Map<string, ApiRoute[]>();

  constructor(readonly prefix: string) {}

  get(path: string, ...middleware: RouteMiddleware[]): void {
    this.add('get', path, middleware);
  }

  post(path: string, ...middleware: RouteMiddleware[]): void {
    this.add('post', path, middleware);
  }

  put(path: string, ...middleware: RouteMiddleware[]): void {
    this.add('put', path, middleware);
  }

  patch(path: string, ...middleware: RouteMiddleware[]): void {
    this.add('patch', path, middleware);
  }

  delete(path: string, ...middleware: RouteMiddleware[]): void {
    this.add('delete', path, middleware);
  }

  /** The Koa middleware: answers a request under the prefix by its route, or passes it on. */
  routes(): Middleware<AppState> {
    const prefix = `${this.prefix.toLowerCase()}/`;
    return (ctx, next) => {
      const path = ctx.path;
      if (path.length <= prefix.length || path.slice(0, prefix.length).toLowerCase() !== prefix) return next();
      const end = path.indexOf('/', prefix.length);
      const routes = this.bySegment.get(path.slice(prefix.length, end < 0 ? undefined : end).toLowerCase());
      if (!routes) return next();
      const method = ctx.method === 'HEAD' ? 'GET' : ctx.method;
      let allowed: Set<string> | undefined;
      for (const route of routes) {
        const match = route.pattern.exec(path);
        if (!match) continue;
        if (route.method === method) {
          const params: Record<string, string> = {};
          for (let i = 0; i < route.paramNames.length; i++) params[route.paramNames[i]] = decodeParam(match[i + 1]);
          ctx.params = params;
          (ctx.request as unknown as { params: Record<string, string> }).params = params;
          (ctx as unknown as { _matchedRoute: string })._matchedRoute = route.path;
          return route.handle(ctx, next);
        }
        allowed ??= new Set();
        if (route.method === 'GET') allowed.add('HEAD');
        allowed.add(route.method);
      }
      if (!allowed) return next();
      const methods = allowed;
      // The path is known but not with this method: whatever comes after may still answer it.
      return next().then(() => {
        if (ctx.status && ctx.status !== 404) return;
        const allow = [...methods].join(', ');
        if (!IMPLEMENTED.has(ctx.method)) ctx.status = 501;
        else if (ctx.method === 'OPTIONS') {
          ctx.status = 200;
          ctx.body = '';
        } else ctx.status = 405;
        ctx.set('Allow', allow);
      });
    };
  }

  private add(method: Method, path: string, middleware: RouteMiddleware[]): void {
    const segment = /^\/([^/:(){}*?]+)(?:\/|$)/.exec(path)?.[1];
    if (!segment) throw new Error(`An API route's path must start with a fixed segment: ${path}`);
    const paramNames: string[] = [];
    let pattern = '';
    for (const part of path.split('/').slice(1)) {
      if (part.replace(/:[A-Za-z_][A-Za-z0-9_]*/g, '').includes(':')) throw new Error(`An API route's parameter must be a plain name: ${path}`);
      pattern += '/';
      // A segment is fixed text and :name parameters (`/invoice-files/:id/:kind.pdf`).
      for (const [, name, text] of part.matchAll(/:([A-Za-z_][A-Za-z0-9_]*)|([^:]+)/g)) {
        if (name !== undefined) {
          paramNames.push(name);
          pattern += '([^/]+?)';
        } else if (/[(){}*?+]/.test(text)) {
          throw new Error(`An API route's path holds only fixed text and :name parameters: ${path}`);
        } else pattern += escapeRegExp(text);
      }
    }
    const route: ApiRoute = {
      method: method.toUpperCase(),
      path: this.prefix + path,
      pattern: new RegExp(`^${escapeRegExp(this.prefix)}${pattern}/?$`, 'i'),
      paramNames,
      handle: middleware.length === 1 ? middleware[0] : (compose(middleware as Middleware<AppState>[]) as RouteMiddleware),
    };
    const routes = this.bySegment.get(segment.toLowerCase()) ?? [];
    routes.push(route);
    this.bySegment.set(segment.toLowerCase(), routes);
  }
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/** A path parameter as koa-router gives it: URL-decoded, or as sent when it is not valid percent-encoding. */
function decodeParam(text: string): string {
  try {
    return decodeURIComponent(text);
  } catch {
    return text;
  }
}
