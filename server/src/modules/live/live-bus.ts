import { Redis } from 'ioredis';
import type { Logger } from 'pino';
import { staffLiveTicketEventSchema, type StaffLiveTicketEvent } from '@openhall/shared';

/** Gets every ticket change that committed on any instance. */
export type LiveListener = (event: StaffLiveTicketEvent) => void;

/**
 * Ticket changes for the staff console's live stream. One instance: delivered in process. Several
 * instances sharing Redis (RATE_LIMIT_STORE=redis): published on a channel that every instance
 * subscribes to, so an agent connected to instance B sees a ticket filed through instance A.
 */
export interface LiveBus {
  /** Tells every instance's listeners (this one's included). Never throws: live updates are best effort. */
  publish(event: StaffLiveTicketEvent): Promise<void>;
  /** Adds a listener; the returned function removes it (call it when the stream closes). */
  subscribe(listener: LiveListener): () => void;
  /** Listeners on this instance (open streams): tests check that a closed stream left none behind. */
  listenerCount(): number;
  /** Whether anyone may hear an event: false spares one instance without open consoles the read behind it. */
  hasAudience(): boolean;
  close(): Promise<void>;
}

/** Listeners of one instance; a throwing listener does not keep the others from hearing. */
class Listeners {
  private readonly set = new Set<LiveListener>();
  constructor(private readonly logger: Logger) {}
  add(listener: LiveListener): () => void {
    this.set.add(listener);
    return () => void this.set.delete(listener);
  }
  emit(event: StaffLiveTicketEvent): void {
    for (const l of [...this.set]) {
      try {
        l(event);
      } catch (err) {
        this.logger.warn({ err }, 'live listener failed');
      }
    }
  }
  get size(): number {
    return this.set.size;
  }
}

/** One instance: the event goes straight to this process's open streams. */
export class LocalLiveBus implements LiveBus {
  private readonly listeners: Listeners;
  constructor(logger: Logger) {
    this.listeners = new Listeners(logger);
  }
  async publish(event: StaffLiveTicketEvent): Promise<void> {
    this.listeners.emit(event);
  }
  subscribe(listener: LiveListener): () => void {
    return this.listeners.add(listener);
  }
  listenerCount(): number {
    return this.listeners.size;
  }
  hasAudience(): boolean {
    return this.listeners.size > 0;
  }
  async close(): Promise<void> {}
}

/** The deployment's live channel: under its Redis namespace, so another deployment on the same Redis is not heard. */
export function liveChannel(redisNamespace: string): string {
  return `${redisNamespace}:staff-live`;
}

/**
 * Several instances: every event is published on the deployment's live channel and each instance delivers what its
 * subscription receives, its own events included (one path, so the order is the channel's). Redis
 * pub/sub keeps nothing: an instance that was disconnected misses what was said meanwhile, which
 * the stream's Last-Event-ID replay (from the database) makes up for when the browser reconnects.
 */
export class RedisLiveBus implements LiveBus {
  private readonly listeners: Listeners;
  private readonly pub: Redis;
  private readonly sub: Redis;
  private readonly subscribed: Promise<unknown>;

  constructor(
    url: string,
    private readonly logger: Logger,
    /** {@link liveChannel} of the deployment's namespace. */
    readonly channel: string,
  ) {
    this.listeners = new Listeners(logger);
    this.pub = new Redis(url, { maxRetriesPerRequest: 2, enableOfflineQueue: true });
    // A subscribed connection can do nothing else, so it is a second one. ioredis subscribes again after a reconnect.
    this.sub = new Redis(url, { maxRetriesPerRequest: 2, enableOfflineQueue: true });
    this.pub.on('error', (err) => logger.warn({ err }, 'live bus: redis publisher'));
    this.sub.on('error', (err) => logger.warn({ err }, 'live bus: redis subscriber'));
    this.subscribed = this.sub.subscribe(channel).catch((err) => logger.warn({ err }, 'live bus: subscribe failed'));
    this.sub.on('message', (_channel: string, message: string) => {
      let parsed;
      try {
        parsed = staffLiveTicketEventSchema.safeParse(JSON.parse(message));
      } catch {
        parsed = null;
      }
      if (parsed?.success) this.listeners.emit(parsed.data);
      else this.logger.warn('live bus: an unreadable message on the channel was dropped');
    });
  }

  async publish(event: StaffLiveTicketEvent): Promise<void> {
    try {
      await this.pub.publish(this.channel, JSON.stringify(event));
    } catch (err) {
      this.logger.warn({ err, ticketId: event.ticketId }, 'live bus: publish failed');
    }
  }

  subscribe(listener: LiveListener): () => void {
    return this.listeners.add(listener);
  }

  listenerCount(): number {
    return this.listeners.size;
  }

  /** Other instances may have consoles open. */
  hasAudience(): boolean {
    return true;
  }

  /** Resolves once the subscription is live (tests wait for it before publishing elsewhere). */
  async ready(): Promise<void> {
    await this.subscribed;
  }

  async close(): Promise<void> {
    this.pub.disconnect();
    this.sub.disconnect();
  }
}
