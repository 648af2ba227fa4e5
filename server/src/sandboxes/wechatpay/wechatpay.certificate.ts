import { X509Certificate, createPrivateKey, createPublicKey, generateKeyPairSync, randomBytes, sign, type KeyObject } from 'node:crypto';

/**
 * Self-signed X.509 certificates for the sandbox (platform certificate, generated merchant API
 * certificate). Built directly in DER with node:crypto so a fresh DATA_DIR works on machines
 * without the `openssl` CLI (slim containers); the tests cross-check the result with openssl.
 */

export interface GeneratedCertificate {
  /** Upper-case hex, 40 digits, as WeChat prints certificate serials. */
  serialNo: string;
  certificatePem: string;
  privateKeyPem: string;
}

export function generateSelfSignedCertificate(opts: {
  commonName: string;
  organization: string;
  organizationalUnit?: string;
  notBefore: Date;
  notAfter: Date;
  privateKey?: KeyObject;
}): GeneratedCertificate {
  const privateKey = opts.privateKey ?? generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey;
  const publicKey = createPublicKey(privateKey);
  // 20 bytes, first byte 0x10–0x7f: positive, no leading zero, always 40 hex digits.
  const serial = randomBytes(20);
  serial[0] = 0x10 + (serial[0] % 0x70);

  const sha256WithRsa = seq(oid('1.2.840.113549.1.1.11'), Buffer.from([0x05, 0x00]));
  const rdn: Array<[string, string]> = [
    ['2.5.4.6', 'CN'],
    ['2.5.4.10', opts.organization],
    ...(opts.organizationalUnit ? ([['2.5.4.11', opts.organizationalUnit]] as Array<[string, string]>) : []),
    ['2.5.4.3', opts.commonName],
  ];
  const name = seq(
    ...rdn.map(([type, value]) =>
      tlv(0x31, seq(oid(type), type === '2.5.4.6' ? tlv(0x13, Buffer.from(value, 'ascii')) : tlv(0x0c, Buffer.from(value, 'utf8')))),
    ),
  );
  const tbs = seq(
    tlv(0xa0, integer(Buffer.from([2]))), // v3
    integer(serial),
    sha256WithRsa,
    name,
    seq(time(opts.notBefore), time(opts.notAfter)),
    name,
    publicKey.export({ type: 'spki', format: 'der' }),
    // basicConstraints (CA:FALSE is the default, so an empty SEQUENCE) keeps strict parsers content.
    tlv(0xa3, seq(seq(oid('2.5.29.19'), tlv(0x04, seq())))),
  );
  const signature = sign('sha256', tbs, privateKey);
  const der = seq(tbs, sha256WithRsa, tlv(0x03, Buffer.concat([Buffer.from([0]), signature])));
  const certificatePem = `-----BEGIN CERTIFICATE-----\n${der.toString('base64').replace(/(.{64})/g, '$1\n').replace(/\n$/, '')}\n-----END CERTIFICATE-----\n`;
  const serialNo = new X509Certificate(certificatePem).serialNumber.toUpperCase();
  return { serialNo, certificatePem, privateKeyPem: privateKey.export({ type: 'pkcs8', format: 'pem' }).toString() };
}

/** Reads a PEM private key (PKCS#1 or PKCS#8). */
export function loadPrivateKey(pem: string | Buffer): KeyObject {
  return createPrivateKey(pem);
}

function tlv(tag: number, content: Buffer): Buffer {
  const len = content.length;
  let header: Buffer;
  if (len < 0x80) header = Buffer.from([tag, len]);
  else {
    const bytes: number[] = [];
    for (let n = len; n > 0; n = Math.floor(n / 256)) bytes.unshift(n & 0xff);
    header = Buffer.from([tag, 0x80 | bytes.length, ...bytes]);
  }
  return Buffer.concat([header, content]);
}

function seq(...parts: Buffer[]): Buffer {
  return tlv(0x30, Buffer.concat(parts));
}

function integer(unsigned: Buffer): Buffer {
  return tlv(0x02, unsigned[0] & 0x80 ? Buffer.concat([Buffer.from([0]), unsigned]) : unsigned);
}

function oid(dotted: string): Buffer {
  const parts = dotted.split('.').map(Number);
  const bytes = [parts[0] * 40 + parts[1]];
  for (const p of parts.slice(2)) {
    const base128 = [p & 0x7f];
    for (let n = Math.floor(p / 128); n > 0; n = Math.floor(n / 128)) base128.unshift((n & 0x7f) | 0x80);
    bytes.push(...base128);
  }
  return tlv(0x06, Buffer.from(bytes));
}

/** UTCTime until 2049, GeneralizedTime after, as RFC 5280 requires. */
function time(d: Date): Buffer {
  const iso = d.toISOString(); // YYYY-MM-DDTHH:mm:ss.sssZ
  const digits = iso.slice(0, 19).replace(/[-T:]/g, '') + 'Z';
  return d.getUTCFullYear() < 2050 ? tlv(0x17, Buffer.from(digits.slice(2), 'ascii')) : tlv(0x18, Buffer.from(digits, 'ascii'));
}
