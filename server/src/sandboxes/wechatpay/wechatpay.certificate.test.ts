import { execFileSync } from 'node:child_process';
import { X509Certificate } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { generateSelfSignedCertificate } from './wechatpay.certificate';

const hasOpenssl = (() => {
  try {
    execFileSync('openssl', ['version'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
})();

describe('generateSelfSignedCertificate', () => {
  const notBefore = new Date('2024-01-01T00:00:00Z');
  const notAfter = new Date('2054-01-01T00:00:00Z'); // past 2049: GeneralizedTime
  const cert = generateSelfSignedCertificate({ commonName: '1900000109', organization: '沙箱商户', organizationalUnit: 'Tenpay.com', notBefore, notAfter });

  it('is a self-signed certificate with a 40-hex-digit serial and the requested validity', () => {
    const x = new X509Certificate(cert.certificatePem);
    expect(cert.serialNo).toMatch(/^[0-9A-F]{40}$/);
    expect(x.serialNumber.toUpperCase()).toBe(cert.serialNo);
    expect(x.verify(x.publicKey)).toBe(true);
    expect(x.subject).toContain('CN=1900000109');
    expect(x.subject).toContain('O=沙箱商户');
    expect(new Date(x.validFrom).getTime()).toBe(notBefore.getTime());
    expect(new Date(x.validTo).getTime()).toBe(notAfter.getTime());
  });

  (hasOpenssl ? it : it.skip)('is read the same way by the openssl CLI', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'openhall-cert-'));
    try {
      const file = path.join(dir, 'cert.pem');
      fs.writeFileSync(file, cert.certificatePem);
      const out = execFileSync('openssl', ['x509', '-in', file, '-noout', '-serial', '-enddate'], { encoding: 'utf8' });
      expect(out).toContain(`serial=${cert.serialNo}`);
      expect(out).toContain('notAfter=Jan  1 00:00:00 2054 GMT');
      execFileSync('openssl', ['verify', '-CAfile', file, file], { stdio: 'ignore' }); // throws if the signature is wrong
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
