import type { EntityManager } from '@mikro-orm/knex';
import type { AppDeps } from '../../deps';

/**
 * What every part of the tickets module that changes tickets works with: the request's entity
 * manager, a fresh one for reads after a change, a transaction of its own, and the clock.
 */
export abstract class TicketWork {
  constructor(protected readonly deps: AppDeps) {}

  protected get em(): EntityManager {
    return this.deps.orm.em;
  }

  /**
   * The request's entity manager with nothing cached. State changes here are conditional UPDATEs
   * that bypass the identity map, and a refresh does not reset a column that became NULL, so
   * every read that follows a change starts from an empty map.
   */
  protected get freshEm(): EntityManager {
    this.deps.orm.em.clear();
    return this.deps.orm.em;
  }

  /**
   * A transaction on a fresh entity manager: only what it loads is managed in it, so entities read
   * earlier in the request (and made stale by the conditional UPDATEs) are never flushed back.
   */
  protected transaction<T>(fn: (tx: EntityManager) => Promise<T>): Promise<T> {
    return this.deps.orm.em.fork().transactional(fn);
  }

  protected now(): Date {
    return this.deps.clock.now();
  }
}
