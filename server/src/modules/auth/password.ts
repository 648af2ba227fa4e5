import { spawn } from 'node:child_process';
import { randomBytes, scrypt as scryptCb, timingSafeEqual, type ScryptOptions } from 'node:crypto';

const scrypt = (password: string, salt: Buffer, keylen: number, opts: ScryptOptions) =>
  new Promise<Buffer>((resolve, reject) => scryptCb(password, salt, keylen, opts, (err, key) => (err ? reject(err) : resolve(key))));

const N = 16384;
const r = 8;
const p = 1;
const KEYLEN = 32;

const MAXMEM = 64 * 1024 * 1024;

/** The stored form: `scrypt$N$r$p$salt$hash` (base64url parts). */
function storedHash(salt: Buffer, key: Buffer): string {
  return ['scrypt', N, r, p, salt.toString('base64url'), key.toString('base64url')].join('$');
}

/** Hashes a staff password with scrypt: `scrypt$N$r$p$salt$hash` (base64url parts). */
export async function hashPassword(password: string): Promise<string> {
  const salt = randomBytes(16);
  return storedHash(salt, await scrypt(password, salt, KEYLEN, { N, r, p, maxmem: MAXMEM }));
}

/**
 * The scrypt keys of some passwords and salts, computed by a short-lived node process: reads
 * `{ params, items: [[password, salt]] }` (salts in base64url) as JSON on stdin, writes the keys.
 */
const KEYS_PROGRAM = `
const { scrypt } = require('node:crypto');
let input = '';
process.stdin.setEncoding('utf8').on('data', (c) => (input += c)).on('end', async () => {
  const { params, keylen, items } = JSON.parse(input);
  const one = ([password, salt]) => new Promise((resolve, reject) => scrypt(password, Buffer.from(salt, 'base64url'), keylen, params, (err, key) => (err ? reject(err) : resolve(key.toString('base64url')))));
  process.stdout.write(JSON.stringify(await Promise.all(items.map(one))));
});`;

/**
 * Hashes several passwords at once (the demo staff at first start) as `hashPassword` does, in a
 * child process that exits afterwards. Each scrypt takes 16 MB (N·r·128 bytes) from the C heap of
 * the thread that runs it, and glibc keeps that memory in each thread's arena once freed: four
 * hashes side by side on libuv's pool left the server 64 MB larger for good. Hashed here, in this
 * process, when the child cannot be run.
 */
export async function hashPasswordsApart(passwords: readonly string[]): Promise<string[]> {
  if (passwords.length === 0) return [];
  const salts = passwords.map(() => randomBytes(16));
  try {
    const keys = await runKeysProgram({ params: { N, r, p, maxmem: MAXMEM }, keylen: KEYLEN, items: passwords.map((pw, i) => [pw, salts[i].toString('base64url')]) });
    if (keys.length !== passwords.length) throw new Error(`expected ${passwords.length} keys, got ${keys.length}`);
    return keys.map((k, i) => storedHash(salts[i], Buffer.from(k, 'base64url')));
  } catch {
    return Promise.all(passwords.map(hashPassword));
  }
}

function runKeysProgram(input: unknown): Promise<string[]> {
  return new Promise((resolve, reject) => {
    // A plain node: NODE_OPTIONS may load a TypeScript loader or a heap profile, which this needs neither of.
    const child = spawn(process.execPath, ['-e', KEYS_PROGRAM], { stdio: ['pipe', 'pipe', 'pipe'], env: { ...process.env, NODE_OPTIONS: '' } });
    let out = '';
    let err = '';
    child.stdout.setEncoding('utf8').on('data', (c: string) => (out += c));
    child.stderr.setEncoding('utf8').on('data', (c: string) => (err += c));
    child.on('error', reject);
    child.on('close', (code) => {
      if (code !== 0) return reject(new Error(`password hashing process exited ${code}: ${err.slice(0, 500)}`));
      try {
        resolve(JSON.parse(out) as string[]);
      } catch (e) {
        reject(e as Error);
      }
    });
    child.stdin.end(JSON.stringify(input));
  });
}

/** Verifies a password against a stored hash in constant time. Malformed hashes never verify. */
export async function verifyPassword(password: string, stored: string): Promise<boolean> {
  const parts = stored.split('$');
  if (parts.length !== 6 || parts[0] !== 'scrypt') return false;
  const [n, rr, pp] = parts.slice(1, 4).map(Number);
  const salt = Buffer.from(parts[4], 'base64url');
  const expected = Buffer.from(parts[5], 'base64url');
  const key = await scrypt(password, salt, expected.length, { N: n, r: rr, p: pp, maxmem: MAXMEM });
  return key.length === expected.length && timingSafeEqual(key, expected);
}

/** A hash of a random password, verified against when the username is unknown so timing reveals nothing. */
export const dummyPasswordHash = hashPassword(randomBytes(16).toString('hex'));
