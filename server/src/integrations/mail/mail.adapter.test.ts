import type { AddressInfo } from 'node:net';
import { SMTPServer } from 'smtp-server';
import { SmtpMailer } from './mail.adapter';

/** The SMTP adapter against a real SMTP server (smtp-server, on loopback): authenticated, the PDF attached. */

const pdf = Buffer.from('%PDF-1.7\n% test\n');

test('SmtpMailer sends through SMTP with AUTH, the PDF attached and a stable Message-ID', async () => {
  const received: { from: string; to: string[]; raw: string; user?: string }[] = [];
  const server = new SMTPServer({
    authOptional: false,
    allowInsecureAuth: true,
    disabledCommands: ['STARTTLS'],
    onAuth(auth, _session, cb) {
      if (auth.username === 'invoice' && auth.password === 's3cret') cb(null, { user: auth.username });
      else cb(new Error('bad credentials'));
    },
    onData(stream, session, cb) {
      const chunks: Buffer[] = [];
      stream.on('data', (c: Buffer) => chunks.push(c));
      stream.on('end', () => {
        received.push({ from: String(session.envelope.mailFrom && session.envelope.mailFrom.address), to: session.envelope.rcptTo.map((r) => r.address), raw: Buffer.concat(chunks).toString('utf8'), user: String(session.user) });
        cb();
      });
    },
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.server.address() as AddressInfo).port;
  try {
    const mailer = new SmtpMailer(`smtp://invoice:s3cret@127.0.0.1:${port}?ignoreTLS=true`, '杭城服务 <invoice@example.com>', 5000);
    const sent = await mailer.send({ to: 'finance@example.com', subject: '【杭城服务】电子发票 26332000000000000001', text: '发票见附件', attachments: [{ filename: '电子发票_1.pdf', contentType: 'application/pdf', content: pdf }], idempotencyKey: 'invoice-7-blue' });
    mailer.close();
    expect(sent.messageId).toBe('<invoice-7-blue@example.com>');
    expect(received).toHaveLength(1);
    expect(received[0]).toMatchObject({ from: 'invoice@example.com', to: ['finance@example.com'], user: 'invoice' });
    expect(received[0].raw).toContain('Message-ID: <invoice-7-blue@example.com>');
    expect(received[0].raw).toMatch(/Content-Type: application\/pdf; name=/);
    expect(received[0].raw).toContain(pdf.toString('base64').trim());

    const refused = new SmtpMailer(`smtp://invoice:wrong@127.0.0.1:${port}?ignoreTLS=true`, 'invoice@example.com', 5000);
    await expect(refused.send({ to: 'a@example.com', subject: 's', text: 't', attachments: [], idempotencyKey: 'k' })).rejects.toThrow();
    refused.close();
  } finally {
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }
});
