#!/usr/bin/env node
/**
 * Client bundle sizes, for CI and for people. Prints the mini-program main package size, the whole
 * mini-program build, and the H5 first-load JavaScript (gzipped). Exits 1 when the main package
 * passes 1.5 MB (WeChat refuses 2 MB; we keep headroom) or the whole build passes 8 MB.
 *
 * Usage: node scripts/client-size.mjs   (after `npm run build:weapp:local -w client` (or `build:weapp` with TARO_APP_API_BASE) and `build:h5`)
 */
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';

const repo = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const weappDir = join(repo, 'client/dist/weapp');
const h5Dir = join(repo, 'client/dist/h5');
const MB = 1024 * 1024;
const LIMITS = { weappMain: 1.5 * MB, weappTotal: 8 * MB };

function filesUnder(dir) {
  const out = [];
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, entry.name);
    if (entry.isDirectory()) out.push(...filesUnder(p));
    // WeChat does not ship source maps or license notes inside the package size.
    else if (!/\.(map|LICENSE\.txt)$/.test(entry.name)) out.push(p);
  }
  return out;
}

const fmt = (bytes) => (bytes >= MB ? `${(bytes / MB).toFixed(2)} MB` : `${(bytes / 1024).toFixed(1)} KB`);

let failed = false;
const missing = [];

if (existsSync(join(weappDir, 'app.json'))) {
  const app = JSON.parse(readFileSync(join(weappDir, 'app.json'), 'utf8'));
  const subRoots = [...(app.subPackages ?? []), ...(app.subpackages ?? [])].map((p) => p.root.replace(/\/+$/, '') + '/');
  let total = 0;
  let main = 0;
  const perSub = new Map(subRoots.map((r) => [r, 0]));
  for (const file of filesUnder(weappDir)) {
    const size = statSync(file).size;
    total += size;
    const rel = relative(weappDir, file).split(sep).join('/');
    const sub = subRoots.find((r) => rel.startsWith(r));
    if (sub) perSub.set(sub, perSub.get(sub) + size);
    else main += size;
  }
  const mainOk = main <= LIMITS.weappMain;
  const totalOk = total <= LIMITS.weappTotal;
  failed ||= !mainOk || !totalOk;
  console.log(`weapp main package   ${fmt(main).padStart(10)}   limit ${fmt(LIMITS.weappMain)}  ${mainOk ? 'ok' : 'TOO BIG'}`);
  for (const [root, size] of perSub) console.log(`  subpackage ${root.padEnd(16)} ${fmt(size).padStart(10)}`);
  console.log(`weapp whole build    ${fmt(total).padStart(10)}   limit ${fmt(LIMITS.weappTotal)}    ${totalOk ? 'ok' : 'TOO BIG'}`);
} else {
  missing.push('client/dist/weapp (npm run build:weapp:local -w client)');
}

if (existsSync(join(h5Dir, 'index.html'))) {
  const html = readFileSync(join(h5Dir, 'index.html'), 'utf8');
  const scripts = [...html.matchAll(/<script[^>]*\ssrc="([^"]+)"/g)].map((m) => m[1]);
  let raw = 0;
  let gz = 0;
  for (const src of scripts) {
    if (/^https?:/.test(src)) continue;
    const buf = readFileSync(join(h5Dir, src.replace(/^\//, '')));
    raw += buf.length;
    gz += gzipSync(buf, { level: 9 }).length;
  }
  console.log(`h5 first-load JS     ${fmt(gz).padStart(10)}   gzipped (${fmt(raw)} raw, ${scripts.length} files)`);
} else {
  missing.push('client/dist/h5 (npm run build:h5 -w client)');
}

if (missing.length) {
  console.error(`not built: ${missing.join('; ')}`);
  process.exit(1);
}
process.exit(failed ? 1 : 0);
