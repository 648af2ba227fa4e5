import { EntitySchema } from '@mikro-orm/core';
import type { NotificationKind } from '@openhall/shared';

/**
 * A subscriber's choice about one notification kind. Only choices made are stored: a kind without a
 * row is on (the default), and mandatory kinds never get a row. Unique per (user, kind), so a save
 * is one upsert.
 */
export class NotificationPreference {
  id!: number;
  userId!: number;
  kind!: NotificationKind;
  enabled!: boolean;
  updatedAt: Date = new Date();
}

export const NotificationPreferenceSchema = new EntitySchema<NotificationPreference>({
  class: NotificationPreference,
  tableName: 'notification_preference',
  uniques: [{ name: 'notification_preference_user_kind_unique', properties: ['userId', 'kind'] }],
  properties: {
    id: { type: 'integer', primary: true, autoincrement: true },
    userId: { type: 'integer' },
    kind: { type: 'string', length: 32 },
    enabled: { type: 'boolean' },
    updatedAt: { type: 'datetime' },
  },
});
