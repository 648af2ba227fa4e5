/**
 * A fresh idempotency key for one submit (32 hex digits, 128 random bits): sent with it, and sent
 * again unchanged when the same submit is repeated, so the server acts on it once. `getRandomValues`
 * rather than `randomUUID`, which browsers give only to secure (https) pages.
 */
export function newIdempotencyKey(): string {
  const bytes = new Uint8Array(16);
  const c = (globalThis as { crypto?: { getRandomValues?: (a: Uint8Array) => Uint8Array } }).crypto;
  if (c?.getRandomValues) c.getRandomValues(bytes);
  else for (let i = 0; i < bytes.length; i++) bytes[i] = Math.floor(Math.random() * 256);
  return Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join('');
}
