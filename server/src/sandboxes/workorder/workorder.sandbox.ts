import { randomUUID } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Middleware } from 'koa';
import { workOrderStatuses, type WorkOrderStatus } from '@openhall/shared';
import { IDEMPOTENCY_HEADER, SIGNATURE_HEADER, TIMESTAMP_HEADER, signedHeaders, verifyWorkOrderSignature } from '../../integrations/workorder/workorder.protocol';
import { headerOf, parseJsonOrNull, sendReply, type SandboxReply } from '../sandbox-http';

/** An order as the sandbox work-order system holds it. */
export interface SandboxOrder {
  orderNo: string;
  ticketId: number;
  status: WorkOrderStatus | 'cancelled';
  /** The `create` message as received. */
  payload: Record<string, unknown>;
  receivedAt: string;
  /** Every status event sent back to OpenHall, with OpenHall's answer. */
  events: { eventId: string; status: WorkOrderStatus; occurredAt: string; answer: number }[];
  /** The commitment deadline OpenHall last told (null while the ticket waits for the subscriber), and as of when. */
  deadline?: string | null;
  deadlineAsOf?: string | null;
  /** Who was sent: named again in the `on_site` event. */
  technician?: { technicianName: string; technicianJobNo: string };
}

export interface WorkOrderSandboxOptions {
  secret: string;
  /** OpenHall's `POST /api/v1/integrations/work-orders/events`, read at each send. */
  eventsUrl: () => string;
  /** The clock signatures and events are stamped with (tests pass the app's clock). */
  now?: () => Date;
  /** Answer every new order with an `accepted` event straight away. */
  autoAccept?: boolean;
}

/** Counters a test (or a person) checks: each delivery is counted once, however often it was sent. */
export interface SandboxStats {
  /** Requests that reached POST /orders. */
  requests: number;
  /** Distinct messages taken (first delivery of each Idempotency-Key). */
  accepted: number;
  /** Repeats of a message already taken, answered as the first time. */
  duplicates: number;
  /** Refused for a bad or missing signature or a stale timestamp. */
  rejected: number;
  /** Answered 500 because the sandbox was told to fail. */
  failedOnPurpose: number;
}

type Reply = SandboxReply;

/** Who the sandbox sends when nobody was named. */
const SANDBOX_TECHNICIAN = { technicianName: '沙箱维修员', technicianJobNo: 'SB0001' };

/**
 * A stand-in for the operator's work-order system, for development and tests. It receives orders
 * exactly as the real one would (signature and timestamp checked, `Idempotency-Key` honoured),
 * lets a person or a test move them through statuses — each move is a signed event POSTed back to
 * OpenHall — and can be told to fail (500) or slow down, to prove the dispatcher's retries.
 *
 *   POST /orders                       signed order messages from OpenHall (create, cancel, reopen)
 *   GET  /orders, GET /orders/:no      what it holds
 *   POST /orders/:no/status            { status, technicianName?, technicianJobNo?, note?, occurredAt? }
 *   GET  /control, POST /control       { fail?: boolean, delayMs?: number } and the counters
 *
 * State is in memory: it is a sandbox. scripts/workorder-sandbox.ts runs it as its own process.
 */
export class WorkOrderSandbox {
  readonly orders = new Map<string, SandboxOrder>();
  readonly stats: SandboxStats = { requests: 0, accepted: 0, duplicates: 0, rejected: 0, failedOnPurpose: 0 };
  /** Deliveries taken per ticket and action, e.g. `12:create` → 1. */
  readonly deliveries = new Map<string, number>();
  fail = false;
  delayMs = 0;
  private readonly answered = new Map<string, Reply>();
  private readonly byTicket = new Map<number, string>();
  private seq = 0;
  private readonly now: () => Date;

  constructor(private readonly opts: WorkOrderSandboxOptions) {
    this.now = opts.now ?? (() => new Date());
  }

  /** The Node request handler. */
  handler(): http.RequestListener {
    return (req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        const body = Buffer.concat(chunks).toString('utf8');
        this.handle(req.method ?? 'GET', new URL(req.url ?? '/', 'http://sandbox').pathname, req.headers, body)
          .then((reply) => sendReply(res, reply))
          .catch((err: Error) => sendReply(res, { status: 500, body: { error: err.message } }));
      });
    };
  }

  /** Listens on `port` (0: any free port) and resolves with the server and its base URL. */
  async listen(port = 0, host = '127.0.0.1'): Promise<{ server: http.Server; baseUrl: string }> {
    const server = http.createServer(this.handler());
    await new Promise<void>((resolve) => server.listen(port, host, resolve));
    return { server, baseUrl: `http://${host}:${(server.address() as AddressInfo).port}` };
  }

  /** The order of a ticket, if the sandbox has it. */
  orderOf(ticketId: number): SandboxOrder | undefined {
    const no = this.byTicket.get(ticketId);
    return no ? this.orders.get(no) : undefined;
  }

  /**
   * Moves an order to a status and tells OpenHall with a signed event. Returns OpenHall's answer.
   * `occurredAt` lets a test send an event that happened earlier (a late delivery).
   */
  async moveOrder(
    orderNo: string,
    status: WorkOrderStatus,
    extra: { technicianName?: string; technicianJobNo?: string; note?: string; occurredAt?: string; eventId?: string } = {},
  ): Promise<{ status: number; body: unknown; event: Record<string, unknown> }> {
    const order = this.orders.get(orderNo);
    if (!order) throw new Error(`no order ${orderNo}`);
    const { occurredAt, eventId, ...rest } = extra;
    // Dispatch and arrival name the visiting staff member and their job number: as given, else the
    // one dispatched before, else the sandbox's own.
    if (status === 'dispatched' || status === 'on_site') {
      const who = rest.technicianName && rest.technicianJobNo ? { technicianName: rest.technicianName, technicianJobNo: rest.technicianJobNo } : (order.technician ?? SANDBOX_TECHNICIAN);
      order.technician = who;
      Object.assign(rest, who);
    }
    const event = { eventId: eventId ?? randomUUID(), ticketId: order.ticketId, orderNo, status, occurredAt: occurredAt ?? this.now().toISOString(), ...rest };
    const answer = await this.sendEvent(event);
    if (answer.status < 300) order.status = status;
    order.events.push({ eventId: event.eventId, status, occurredAt: event.occurredAt, answer: answer.status });
    return { ...answer, event };
  }

  /** POSTs a signed event body to OpenHall as it stands (tests use it to replay one). */
  async sendEvent(event: Record<string, unknown>, opts: { secret?: string; at?: Date } = {}): Promise<{ status: number; body: unknown; headers: Record<string, string>; raw: string }> {
    const raw = JSON.stringify(event);
    const headers = signedHeaders(opts.secret ?? this.opts.secret, raw, opts.at ?? this.now(), String(event.eventId));
    return this.post(raw, headers);
  }

  /** POSTs a body with exactly the given headers (a replay of a captured request). */
  async post(raw: string, headers: Record<string, string>): Promise<{ status: number; body: unknown; headers: Record<string, string>; raw: string }> {
    const res = await fetch(this.opts.eventsUrl(), { method: 'POST', headers, body: raw });
    const text = await res.text();
    let body: unknown = text;
    try {
      body = JSON.parse(text);
    } catch {
      // not JSON: keep the text
    }
    return { status: res.status, body, headers, raw };
  }

  /**
   * Koa middleware serving the sandbox under `prefix` inside OpenHall itself (sandbox mode without
   * WORKORDER_URL), so `npm start` works end to end without a second process.
   */
  koaMiddleware(prefix: string): Middleware {
    return async (ctx, next) => {
      if (!ctx.path.startsWith(`${prefix}/`)) return next();
      const raw = (ctx.request as unknown as { rawBody?: string }).rawBody ?? '';
      const reply = await this.handle(ctx.method, ctx.path.slice(prefix.length), ctx.headers, raw);
      ctx.status = reply.status;
      ctx.body = reply.body;
    };
  }

  /** Answers one request: method, path below the sandbox root, headers and the raw body. */
  async handle(method: string, path: string, headers: http.IncomingHttpHeaders, body: string): Promise<Reply> {
    if (method === 'POST' && path === '/orders') return this.receive(headers, body);
    if (method === 'GET' && path === '/orders') return { status: 200, body: { data: [...this.orders.values()] } };
    if (method === 'GET' && path === '/control') return { status: 200, body: { data: this.control() } };
    if (method === 'POST' && path === '/control') {
      const input = parseJsonOrNull(body) as { fail?: unknown; delayMs?: unknown } | null;
      if (typeof input?.fail === 'boolean') this.fail = input.fail;
      if (typeof input?.delayMs === 'number' && input.delayMs >= 0) this.delayMs = input.delayMs;
      return { status: 200, body: { data: this.control() } };
    }
    const m = /^\/orders\/([^/]+)(\/status)?$/.exec(path);
    if (m && method === 'GET' && !m[2]) {
      const order = this.orders.get(decodeURIComponent(m[1]));
      return order ? { status: 200, body: { data: order } } : { status: 404, body: { error: 'no such order' } };
    }
    if (m && method === 'POST' && m[2]) {
      const input = parseJsonOrNull(body) as { status?: unknown; technicianName?: string; technicianJobNo?: string; note?: string; occurredAt?: string } | null;
      const status = input?.status;
      if (typeof status !== 'string' || !(workOrderStatuses as readonly string[]).includes(status)) {
        return { status: 400, body: { error: `status must be one of ${workOrderStatuses.join(', ')}` } };
      }
      const orderNo = decodeURIComponent(m[1]);
      if (!this.orders.has(orderNo)) return { status: 404, body: { error: 'no such order' } };
      const { status: _s, ...extra } = input!;
      const result = await this.moveOrder(orderNo, status as WorkOrderStatus, extra);
      return { status: 200, body: { data: { openhall: { status: result.status, body: result.body }, event: result.event } } };
    }
    return { status: 404, body: { error: 'not found' } };
  }

  private control() {
    return { fail: this.fail, delayMs: this.delayMs, stats: this.stats, orders: this.orders.size };
  }

  /** An order message from OpenHall: checked like the real system checks it, then taken once. */
  private async receive(headers: http.IncomingHttpHeaders, body: string): Promise<Reply> {
    this.stats.requests++;
    if (this.delayMs > 0) await new Promise((r) => setTimeout(r, this.delayMs));
    if (this.fail) {
      this.stats.failedOnPurpose++;
      return { status: 500, body: { error: 'sandbox told to fail' } };
    }
    const verified = verifyWorkOrderSignature(
      this.opts.secret,
      { timestamp: headerOf(headers, TIMESTAMP_HEADER), signature: headerOf(headers, SIGNATURE_HEADER) },
      body,
      this.now(),
    );
    if (!verified.ok) {
      this.stats.rejected++;
      return { status: 401, body: { error: `signature ${verified.reason}` } };
    }
    const key = headerOf(headers, IDEMPOTENCY_HEADER);
    if (!key) return { status: 400, body: { error: 'Idempotency-Key is required' } };
    const earlier = this.answered.get(key);
    if (earlier) {
      this.stats.duplicates++;
      return earlier;
    }
    const msg = parseJsonOrNull(body) as { action?: string; ticketId?: number } | null;
    if (!msg || typeof msg.ticketId !== 'number') return { status: 400, body: { error: 'ticketId is required' } };
    let reply: Reply;
    const existing = this.orderOf(msg.ticketId);
    if (msg.action === 'create') {
      const orderNo = existing?.orderNo ?? `WO${String(++this.seq).padStart(6, '0')}`;
      if (!existing) {
        this.orders.set(orderNo, { orderNo, ticketId: msg.ticketId, status: 'accepted', payload: msg as Record<string, unknown>, receivedAt: this.now().toISOString(), events: [] });
        this.byTicket.set(msg.ticketId, orderNo);
      }
      reply = { status: 200, body: { orderNo } };
    } else if (msg.action === 'cancel' || msg.action === 'reopen') {
      if (!existing) return { status: 404, body: { error: 'no order for this ticket' } };
      existing.status = msg.action === 'cancel' ? 'cancelled' : 'accepted';
      reply = { status: 200, body: { orderNo: existing.orderNo } };
    } else if (msg.action === 'deadline') {
      if (!existing) return { status: 404, body: { error: 'no order for this ticket' } };
      const m = msg as { deadline?: string | null; asOf?: string };
      // A change older than the one held (a late delivery) is taken but does not undo it.
      if (!existing.deadlineAsOf || (m.asOf ?? '') >= existing.deadlineAsOf) Object.assign(existing, { deadline: m.deadline ?? null, deadlineAsOf: m.asOf ?? null });
      reply = { status: 200, body: { orderNo: existing.orderNo } };
    } else {
      return { status: 400, body: { error: 'unknown action' } };
    }
    this.answered.set(key, reply);
    this.stats.accepted++;
    const dk = `${msg.ticketId}:${msg.action}`;
    this.deliveries.set(dk, (this.deliveries.get(dk) ?? 0) + 1);
    if (this.opts.autoAccept && msg.action === 'create') {
      const orderNo = (reply.body as { orderNo: string }).orderNo;
      // After answering, as a real system would call back separately.
      setTimeout(() => void this.moveOrder(orderNo, 'accepted').catch(() => undefined), 50);
    }
    return reply;
  }
}

