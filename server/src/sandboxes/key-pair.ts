import { generateKeyPairSync } from 'node:crypto';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';

/** A key pair as PEM text. */
export interface PemKeyPair {
  privateKeyPem: string;
  publicKeyPem: string;
}

/**
 * Reads `{name}-private.pem` / `{name}-public.pem` from `dir`, creating them on first use (the
 * sandbox's own keys and OpenHall's app keys in sandbox mode), so they survive restarts.
 */
export function loadOrCreateKeyPair(dir: string, name: string): PemKeyPair {
  const privFile = path.join(dir, `${name}-private.pem`);
  const pubFile = path.join(dir, `${name}-public.pem`);
  try {
    return { privateKeyPem: readFileSync(privFile, 'utf8'), publicKeyPem: readFileSync(pubFile, 'utf8') };
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
  }
  mkdirSync(dir, { recursive: true });
  const { privateKey, publicKey } = generateKeyPairSync('rsa', {
    modulusLength: 2048,
    privateKeyEncoding: { type: 'pkcs8', format: 'pem' },
    publicKeyEncoding: { type: 'spki', format: 'pem' },
  });
  try {
    writeFileSync(privFile, privateKey, { mode: 0o600, flag: 'wx' });
    writeFileSync(pubFile, publicKey, { flag: 'wx' });
    return { privateKeyPem: privateKey, publicKeyPem: publicKey };
  } catch (err) {
    // Another process (a second instance, a test worker) created them first: use theirs.
    if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
    return { privateKeyPem: readFileSync(privFile, 'utf8'), publicKeyPem: readFileSync(pubFile, 'utf8') };
  }
}
