import { EntitySchema } from '@mikro-orm/core';
import type { UploadContentType } from '@openhall/shared';

/**
 * A photo a subscriber uploaded. Its bytes live in the upload storage under `storageKey`; it
 * belongs to its uploader until a ticket takes it (`ticketId`), after which it is that ticket's.
 */
export class Upload {
  id!: number;
  userId!: number;
  /** Sniffed from the bytes, never taken from the client. */
  contentType!: UploadContentType;
  sizeBytes!: number;
  sha256!: string;
  storageKey!: string;
  ticketId: number | null = null;
  createdAt: Date = new Date();
}

export const UploadSchema = new EntitySchema<Upload>({
  class: Upload,
  tableName: 'upload',
  indexes: [
    { name: 'upload_ticket_idx', properties: ['ticketId'] },
    { name: 'upload_user_created_idx', properties: ['userId', 'createdAt'] },
  ],
  properties: {
    id: { type: 'integer', primary: true, autoincrement: true },
    userId: { type: 'integer' },
    contentType: { type: 'string', length: 32 },
    sizeBytes: { type: 'integer' },
    sha256: { type: 'string', length: 64 },
    storageKey: { type: 'string', length: 128, unique: 'upload_storage_key_unique' },
    ticketId: { type: 'integer', nullable: true },
    createdAt: { type: 'datetime' },
  },
});
