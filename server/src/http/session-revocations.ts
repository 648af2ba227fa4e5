import { Redis } from 'ioredis';

/** Tells every instance that a session ended, so none keeps serving it from its cache. */
export interface SessionRevocations {
  publish(sessionId: number): Promise<void>;
  /** Calls `handler` for sessions revoked on other instances. */
  subscribe(handler: (sessionId: number) => void): void;
  close(): Promise<void>;
}

/** One instance: nothing to tell anyone. */
export class LocalSessionRevocations implements SessionRevocations {
  async publish(): Promise<void> {}
  subscribe(): void {}
  async close(): Promise<void> {}
}

/** Several instances sharing Redis: a revocation is published (on the deployment's channel) and every subscriber drops it. */
export class RedisSessionRevocations implements SessionRevocations {
  private readonly pub: Redis;
  private sub: Redis | null = null;
  private subscribed: Promise<unknown> = Promise.resolve();

  private readonly channel: string;

  constructor(
    private readonly url: string,
    /** The deployment's Redis namespace (config.redisNamespace). */
    namespace: string,
  ) {
    this.channel = `${namespace}:session-revoked`;
    this.pub = new Redis(url, { maxRetriesPerRequest: 2, enableOfflineQueue: true });
  }

  async publish(sessionId: number): Promise<void> {
    await this.pub.publish(this.channel, String(sessionId));
  }

  subscribe(handler: (sessionId: number) => void): void {
    // A subscribed connection can do nothing else, so it is a second one.
    this.sub ??= new Redis(this.url, { maxRetriesPerRequest: 2, enableOfflineQueue: true });
    // ioredis subscribes again by itself after a reconnect.
    this.subscribed = this.sub.subscribe(this.channel).catch(() => undefined);
    this.sub.on('message', (_channel: string, message: string) => {
      const id = Number(message);
      if (Number.isSafeInteger(id)) handler(id);
    });
  }

  /** Resolves once the subscription is live (tests wait for it before revoking elsewhere). */
  async ready(): Promise<void> {
    await this.subscribed;
  }

  async close(): Promise<void> {
    this.pub.disconnect();
    this.sub?.disconnect();
  }
}
