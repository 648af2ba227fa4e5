import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { sniffImageType } from '@openhall/shared';
import type { Response } from 'supertest';
import { createTestApp, type TestApp } from '../../../test/harness';
import { Ticket } from '../tickets/ticket.entity';
import { bj, createStaff, createSubscriber, fileTicket, type StaffFixture, type SubscriberFixture } from '../tickets/tickets.fixtures';
import { Upload } from './upload.entity';

const MAX_KB = 16;

/** Bytes that start like a real file of each kind, padded to `size`. */
function image(kind: 'jpeg' | 'png' | 'webp' | 'heic' | 'gif' | 'text', size = 2048): Buffer {
  const heads: Record<typeof kind, Buffer> = {
    jpeg: Buffer.from([0xff, 0xd8, 0xff, 0xe0, 0x00, 0x10, 0x4a, 0x46, 0x49, 0x46]),
    png: Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0x00, 0x00, 0x00, 0x0d]),
    webp: Buffer.concat([Buffer.from('RIFF'), Buffer.from([0x24, 0x08, 0x00, 0x00]), Buffer.from('WEBPVP8 ')]),
    heic: Buffer.concat([Buffer.from([0x00, 0x00, 0x00, 0x18]), Buffer.from('ftypheic'), Buffer.from([0, 0, 0, 0]), Buffer.from('mif1heic')]),
    gif: Buffer.from('GIF89a'),
    text: Buffer.from('MZ this is not a picture at all'),
  };
  const head = heads[kind];
  const body = Buffer.alloc(Math.max(size, head.length), 0x5a);
  head.copy(body);
  // a recognisable tail, so a truncated or padded store shows
  body.writeUInt32BE(size, body.length - 4);
  return body;
}

const binary = (res: Response, cb: (err: Error | null, body: Buffer) => void) => {
  const chunks: Buffer[] = [];
  res.on('data', (c: Buffer) => chunks.push(c));
  res.on('end', () => cb(null, Buffer.concat(chunks)));
};

let t: TestApp;
let agent: StaffFixture;

beforeAll(async () => {
  t = await createTestApp({ seed: false, now: bj('2026-12-01T10:00'), env: { UPLOAD_MAX_KB: String(MAX_KB) } });
  agent = await createStaff(t, 'up_agent', 'agent', '王芳', 'KF4001');
});
afterAll(() => t.close());

const upload = (u: SubscriberFixture, bytes: Buffer, filename = 'photo.jpg', contentType = 'image/jpeg') =>
  t.request.post('/api/v1/uploads').set(u.auth).attach('file', bytes, { filename, contentType });

test.each([
  ['jpeg', 'image/jpeg'],
  ['png', 'image/png'],
  ['webp', 'image/webp'],
  ['heic', 'image/heic'],
  ['gif', null],
  ['text', null],
] as const)('%s bytes are sniffed as %s', (kind, expected) => {
  expect(sniffImageType(image(kind))).toBe(expected);
});

describe('POST /api/v1/uploads', () => {
  test('the type comes from the bytes: a JPEG named .exe is a JPEG, a text file named .jpg is refused', async () => {
    const u = await createSubscriber(t);
    const jpeg = await upload(u, image('jpeg'), 'virus.exe', 'application/octet-stream').expect(201);
    expect(jpeg.body.data).toMatchObject({ id: expect.any(Number), contentType: 'image/jpeg', sizeBytes: 2048 });
    const heic = await upload(u, image('heic'), 'IMG_0001.HEIC', 'image/jpeg').expect(201);
    expect(heic.body.data.contentType).toBe('image/heic');

    const fake = await upload(u, image('text'), 'photo.jpg', 'image/jpeg').expect(415);
    expect(fake.body.error).toMatchObject({ code: 'UNSUPPORTED_MEDIA_TYPE', message: expect.stringContaining('JPG、PNG、WebP 或 HEIC') });
    await upload(u, image('gif'), 'anim.gif', 'image/gif').expect(415);
    expect(await t.orm.em.fork().count(Upload, { userId: u.userId })).toBe(2);

    // stored through the storage, byte for byte, under DATA_DIR/uploads
    const row = await t.orm.em.fork().findOneOrFail(Upload, jpeg.body.data.id);
    const file = path.join(t.config.dataDir, 'uploads', row.storageKey);
    expect(existsSync(file)).toBe(true);
    expect(readFileSync(file).equals(image('jpeg'))).toBe(true);
  });

  test('the size limit: exactly the limit is taken, one byte more is refused with 413 and nothing stored', async () => {
    const u = await createSubscriber(t);
    await upload(u, image('png', MAX_KB * 1024), 'a.png', 'image/png').expect(201);
    const big = await upload(u, image('png', MAX_KB * 1024 + 1), 'b.png', 'image/png').expect(413);
    expect(big.body.error).toMatchObject({ code: 'PAYLOAD_TOO_LARGE', details: { maxBytes: MAX_KB * 1024 } });
    // far over: refused from Content-Length before the body is read
    await upload(u, image('png', 200 * 1024), 'c.png', 'image/png').expect(413);
    expect(await t.orm.em.fork().count(Upload, { userId: u.userId })).toBe(1);
  });

  test('the daily limit holds when uploads arrive in parallel: 65 at once, 60 stored, 5 refused with when to retry', async () => {
    const u = await createSubscriber(t);
    const answers = await Promise.all(Array.from({ length: 65 }, (_, i) => upload(u, image('jpeg', 1024 + i))));
    const statuses = answers.map((r) => r.status);
    expect({ stored: statuses.filter((s) => s === 201).length, refused: statuses.filter((s) => s === 429).length }).toEqual({ stored: 60, refused: 5 });
    const refused = answers.filter((r) => r.status === 429);
    expect(refused[0].headers['retry-after']).toBe('3600');
    expect(await t.orm.em.fork().count(Upload, { userId: u.userId })).toBe(60);
  });

  test('only multipart with a `file` field, only for signed-in subscribers', async () => {
    const u = await createSubscriber(t);
    expect((await t.request.post('/api/v1/uploads').set(u.auth).send({ file: 'aGVsbG8=' }).expect(415)).body.error.code).toBe('UNSUPPORTED_MEDIA_TYPE');
    expect((await t.request.post('/api/v1/uploads').set(u.auth).attach('photo', image('jpeg'), 'x.jpg').expect(400)).body.error.code).toBe('VALIDATION_FAILED');
    await t.request.post('/api/v1/uploads').attach('file', image('jpeg'), 'x.jpg').expect(401);
    await t.request.post('/api/v1/uploads').set(agent.auth).attach('file', image('jpeg'), 'x.jpg').expect(401);
  });
});

describe('photos on tickets', () => {
  test('a ticket takes up to 6 of the user’s own photos, each once; the owner and staff can fetch them, nobody else', async () => {
    const owner = await createSubscriber(t);
    const other = await createSubscriber(t);
    const ids: number[] = [];
    for (const kind of ['jpeg', 'png', 'webp', 'heic', 'jpeg', 'png', 'jpeg'] as const) ids.push((await upload(owner, image(kind, 1000 + ids.length)).expect(201)).body.data.id);
    const strangers = (await upload(other, image('jpeg')).expect(201)).body.data.id as number;
    const base = { type: 'fault', accountId: owner.accountId, description: '光猫红灯闪烁，无法上网', contactPhone: '13812345678' };
    const before = await t.orm.em.fork().count(Ticket, { userId: owner.userId });

    await t.request.post('/api/v1/tickets').set(owner.auth).send({ ...base, photoIds: ids }).expect(400); // 7
    const foreign = await t.request.post('/api/v1/tickets').set(owner.auth).send({ ...base, photoIds: [ids[0], strangers] }).expect(400);
    expect(foreign.body.error.message).toContain('照片不存在或已用于其他工单');
    // the refused filing left nothing behind: no ticket, and the owner's photo is still free
    expect(await t.orm.em.fork().count(Ticket, { userId: owner.userId })).toBe(before);
    expect((await t.orm.em.fork().findOneOrFail(Upload, ids[0])).ticketId).toBeNull();

    const ticketId = await fileTicket(t, owner, { photoIds: ids.slice(0, 6) });
    await t.request.post('/api/v1/tickets').set(owner.auth).send({ ...base, photoIds: [ids[0]] }).expect(400); // already used
    await fileTicket(t, owner, { photoIds: [ids[6]] });

    const list = await t.request.get(`/api/v1/tickets/${ticketId}/photos`).set(owner.auth).expect(200);
    expect(list.body.data.map((p: { id: number }) => p.id)).toEqual(ids.slice(0, 6));
    expect(list.body.data.map((p: { contentType: string }) => p.contentType)).toEqual(['image/jpeg', 'image/png', 'image/webp', 'image/heic', 'image/jpeg', 'image/png']);

    const mine = await t.request.get(`/api/v1/tickets/${ticketId}/photos/${ids[1]}`).set(owner.auth).buffer(true).parse(binary).expect(200);
    expect(mine.headers['content-type']).toBe('image/png');
    expect(mine.headers['x-content-type-options']).toBe('nosniff');
    expect((mine.body as Buffer).equals(image('png', 1001))).toBe(true);
    const staff = await t.request.get(`/api/v1/staff/tickets/${ticketId}/photos/${ids[2]}`).set(agent.auth).buffer(true).parse(binary).expect(200);
    expect((staff.body as Buffer).equals(image('webp', 1002))).toBe(true);
    expect((await t.request.get(`/api/v1/staff/tickets/${ticketId}/photos`).set(agent.auth).expect(200)).body.data).toHaveLength(6);

    // someone else: 404 for the list and for the bytes, exactly like a ticket that does not exist
    await t.request.get(`/api/v1/tickets/${ticketId}/photos`).set(other.auth).expect(404);
    await t.request.get(`/api/v1/tickets/${ticketId}/photos/${ids[1]}`).set(other.auth).expect(404);
    // a subscriber cannot use the staff path, and a photo is only reachable through its own ticket
    await t.request.get(`/api/v1/staff/tickets/${ticketId}/photos/${ids[1]}`).set(owner.auth).expect(401);
    await t.request.get(`/api/v1/tickets/${ticketId}/photos/${ids[6]}`).set(owner.auth).expect(404);
    await t.request.get(`/api/v1/tickets/${ticketId}/photos/${strangers}`).set(owner.auth).expect(404);
    await t.request.get(`/api/v1/tickets/${ticketId}/photos/${ids[1]}`).expect(401);
  });
});

describe('photos no ticket took', () => {
  test('are forgotten after a day, rows and bytes; attached and recent ones stay', async () => {
    const u = await createSubscriber(t);
    const up = async () => (await upload(u, image('jpeg', 3000)).expect(201)).body.data.id as number;
    const [abandoned, used] = [await up(), await up()];
    await fileTicket(t, u, { photoIds: [used] });
    t.clock.advance(25 * 3_600_000);
    const recent = await up();
    const keyOf = async (id: number) => (await t.orm.em.fork().findOneOrFail(Upload, id)).storageKey;
    const abandonedKey = await keyOf(abandoned);
    expect(await t.deps.uploadStorage.get(abandonedKey)).not.toBeNull();

    expect(await t.app.services.uploads.purgeUnattached()).toBeGreaterThanOrEqual(1);
    expect(await t.orm.em.fork().findOne(Upload, abandoned)).toBeNull();
    expect(await t.deps.uploadStorage.get(abandonedKey)).toBeNull();
    for (const id of [used, recent]) expect(await t.deps.uploadStorage.get(await keyOf(id))).not.toBeNull();
    // Nothing left to do: a second run removes nothing.
    expect(await t.app.services.uploads.purgeUnattached()).toBe(0);
  });
});
