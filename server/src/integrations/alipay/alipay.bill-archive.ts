import { crc32, deflateRawSync, inflateRawSync } from 'node:zlib';

/**
 * Alipay delivers a trade bill as a zip archive holding two GBK-encoded CSV files,
 * `<account>_<yyyyMMdd>_业务明细.csv` (the detail lines) and `…_业务明细(汇总).csv` (the totals), with
 * GBK file names (no UTF-8 flag). This reads and writes exactly that: zip with stored or deflated
 * entries, and GBK through the platform's own decoder (its inverse built once for writing).
 */

const gbkDecoder = new TextDecoder('gbk');
let gbkTable: Map<string, Buffer> | null = null;

/** GBK bytes → text. */
export function decodeGbk(bytes: Uint8Array): string {
  return gbkDecoder.decode(bytes);
}

/** Text → GBK bytes; a character GBK cannot hold becomes `?`. */
export function encodeGbk(text: string): Buffer {
  if (!gbkTable) {
    gbkTable = new Map();
    for (let lead = 0x81; lead <= 0xfe; lead++) {
      for (let trail = 0x40; trail <= 0xfe; trail++) {
        if (trail === 0x7f) continue;
        const ch = gbkDecoder.decode(Uint8Array.of(lead, trail));
        if (ch.length === 1 && ch !== '\uFFFD' && !gbkTable.has(ch)) gbkTable.set(ch, Buffer.from([lead, trail]));
      }
    }
  }
  const out: Buffer[] = [];
  for (const ch of text) {
    const code = ch.codePointAt(0)!;
    out.push(code < 0x80 ? Buffer.from([code]) : (gbkTable.get(ch) ?? Buffer.from('?')));
  }
  return Buffer.concat(out);
}

export interface ArchiveEntry {
  name: string;
  data: Buffer;
}

/** A zip archive of deflated entries with GBK names, as Alipay's bill archives are. */
export function writeZip(entries: readonly ArchiveEntry[], at: Date = new Date()): Buffer {
  const { time, date } = dosDateTime(at);
  const locals: Buffer[] = [];
  const centrals: Buffer[] = [];
  let offset = 0;
  for (const e of entries) {
    const name = encodeGbk(e.name);
    const packed = deflateRawSync(e.data);
    const crc = crc32(e.data);
    const local = Buffer.alloc(30);
    local.writeUInt32LE(0x04034b50, 0);
    local.writeUInt16LE(20, 4); // version needed
    local.writeUInt16LE(0, 6); // flags: names are not UTF-8
    local.writeUInt16LE(8, 8); // deflate
    local.writeUInt16LE(time, 10);
    local.writeUInt16LE(date, 12);
    local.writeUInt32LE(crc, 14);
    local.writeUInt32LE(packed.length, 18);
    local.writeUInt32LE(e.data.length, 22);
    local.writeUInt16LE(name.length, 26);
    local.writeUInt16LE(0, 28);
    const central = Buffer.alloc(46);
    central.writeUInt32LE(0x02014b50, 0);
    central.writeUInt16LE(20, 4);
    central.writeUInt16LE(20, 6);
    central.writeUInt16LE(0, 8);
    central.writeUInt16LE(8, 10);
    central.writeUInt16LE(time, 12);
    central.writeUInt16LE(date, 14);
    central.writeUInt32LE(crc, 16);
    central.writeUInt32LE(packed.length, 20);
    central.writeUInt32LE(e.data.length, 24);
    central.writeUInt16LE(name.length, 28);
    central.writeUInt32LE(offset, 42);
    locals.push(local, name, packed);
    centrals.push(central, name);
    offset += local.length + name.length + packed.length;
  }
  const directory = Buffer.concat(centrals);
  const end = Buffer.alloc(22);
  end.writeUInt32LE(0x06054b50, 0);
  end.writeUInt16LE(entries.length, 8);
  end.writeUInt16LE(entries.length, 10);
  end.writeUInt32LE(directory.length, 12);
  end.writeUInt32LE(offset, 16);
  return Buffer.concat([...locals, directory, end]);
}

/** True when the bytes start like a zip archive. */
export function isZip(bytes: Uint8Array): boolean {
  return bytes.length >= 4 && bytes[0] === 0x50 && bytes[1] === 0x4b && bytes[2] === 0x03 && bytes[3] === 0x04;
}

/**
 * Reads a zip archive through its central directory. Stored and deflated entries only; every
 * entry's CRC is checked, so a damaged download fails instead of reconciling fewer lines.
 */
export function readZip(bytes: Buffer): ArchiveEntry[] {
  const endAt = bytes.lastIndexOf(Buffer.from([0x50, 0x4b, 0x05, 0x06]));
  if (endAt < 0 || endAt + 22 > bytes.length) throw new Error('zip: no end of central directory');
  const count = bytes.readUInt16LE(endAt + 10);
  let at = bytes.readUInt32LE(endAt + 16);
  const entries: ArchiveEntry[] = [];
  for (let i = 0; i < count; i++) {
    if (bytes.readUInt32LE(at) !== 0x02014b50) throw new Error('zip: damaged central directory');
    const flags = bytes.readUInt16LE(at + 8);
    const method = bytes.readUInt16LE(at + 10);
    const crc = bytes.readUInt32LE(at + 16);
    const packedSize = bytes.readUInt32LE(at + 20);
    const size = bytes.readUInt32LE(at + 24);
    const nameLength = bytes.readUInt16LE(at + 28);
    const extraLength = bytes.readUInt16LE(at + 30);
    const commentLength = bytes.readUInt16LE(at + 32);
    const localAt = bytes.readUInt32LE(at + 42);
    const rawName = bytes.subarray(at + 46, at + 46 + nameLength);
    const name = flags & 0x800 ? rawName.toString('utf8') : decodeGbk(rawName);
    if (bytes.readUInt32LE(localAt) !== 0x04034b50) throw new Error(`zip: damaged entry ${name}`);
    const dataAt = localAt + 30 + bytes.readUInt16LE(localAt + 26) + bytes.readUInt16LE(localAt + 28);
    const packed = bytes.subarray(dataAt, dataAt + packedSize);
    let data: Buffer;
    if (method === 0) data = Buffer.from(packed);
    else if (method === 8) {
      try {
        data = inflateRawSync(packed);
      } catch (err) {
        throw new Error(`zip: entry ${name} does not inflate (${(err as Error).message})`);
      }
    }
    else throw new Error(`zip: entry ${name} uses unsupported compression ${method}`);
    if (data.length !== size || crc32(data) !== crc) throw new Error(`zip: entry ${name} fails its CRC check`);
    entries.push({ name, data });
    at += 46 + nameLength + extraLength + commentLength;
  }
  return entries;
}

function dosDateTime(at: Date): { time: number; date: number } {
  // DOS times are local wall-clock times; Alipay's are Beijing time.
  const cst = new Date(at.getTime() + 8 * 3600_000);
  return {
    time: (cst.getUTCHours() << 11) | (cst.getUTCMinutes() << 5) | Math.floor(cst.getUTCSeconds() / 2),
    date: ((cst.getUTCFullYear() - 1980) << 9) | ((cst.getUTCMonth() + 1) << 5) | cst.getUTCDate(),
  };
}
