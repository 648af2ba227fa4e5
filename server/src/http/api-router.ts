import Router, { type RouterMiddleware } from '@koa/router';
import compose from 'koa-compose';
import type { Middleware } from 'koa';
import type { AppState } from './context';

type Method = 'get' | 'post' | 'put' | 'patch' | 'delete';

/**
 * The API's routes, kept in one koa-router per first path segment under the prefix (`/bills…`,
 * `/staff…`). koa-router tests a request against every route's pattern in turn, and with more than
 * a hundred routes that cost a signed-in request more CPU than all the other middleware together;
 * here a request is matched only against the routes of its own segment. Paths match as koa-router
 * matches them (case-insensitive, trailing slash optional), and a known path with a method it does
 * not have still answers 405 with `Allow` (koa-router's allowedMethods, per segment).
 */
export class ApiRouter {
  private readonly bySegment = new Map<string, Router<AppState>>();

  constructor(readonly prefix: string) {}

  get(path: string, ...middleware: RouterMiddleware<AppState>[]): void {
    this.add('get', path, middleware);
  }

  post(path: string, ...middleware: RouterMiddleware<AppState>[]): void {
    this.add('post', path, middleware);
  }

  put(path: string, ...middleware: RouterMiddleware<AppState>[]): void {
    this.add('put', path, middleware);
  }

  patch(path: string, ...middleware: RouterMiddleware<AppState>[]): void {
    this.add('patch', path, middleware);
  }

  delete(path: string, ...middleware: RouterMiddleware<AppState>[]): void {
    this.add('delete', path, middleware);
  }

  /** The Koa middleware: hands a request under the prefix to its segment's routes, or passes it on. */
  routes(): Middleware<AppState> {
    const dispatch = new Map<string, Middleware<AppState>>();
    for (const [segment, router] of this.bySegment) {
      dispatch.set(segment, compose([router.routes(), router.allowedMethods()]) as Middleware<AppState>);
    }
    const prefix = `${this.prefix.toLowerCase()}/`;
    return (ctx, next) => {
      const path = ctx.path;
      if (path.length <= prefix.length || path.slice(0, prefix.length).toLowerCase() !== prefix) return next();
      const end = path.indexOf('/', prefix.length);
      const routes = dispatch.get(path.slice(prefix.length, end < 0 ? undefined : end).toLowerCase());
      return routes ? routes(ctx, next) : next();
    };
  }

  private add(method: Method, path: string, middleware: RouterMiddleware<AppState>[]): void {
    const segment = /^\/([^/:(){}*?]+)(?:\/|$)/.exec(path)?.[1];
    if (!segment) throw new Error(`An API route's path must start with a fixed segment: ${path}`);
    let router = this.bySegment.get(segment.toLowerCase());
    if (!router) this.bySegment.set(segment.toLowerCase(), (router = new Router<AppState>({ prefix: this.prefix })));
    router[method](path, ...middleware);
  }
}
