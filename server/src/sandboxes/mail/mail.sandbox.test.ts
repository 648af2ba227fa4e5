import { SandboxMailer } from './mail.sandbox';

const pdf = Buffer.from('%PDF-1.7\n% test\n');

test('the sandbox mailbox keeps each message once, as SMTP would carry it', async () => {
  const box = new SandboxMailer('杭城服务 <invoice@openhall.invalid>');
  const message = { to: 'a@example.com', subject: '电子发票', text: '见附件', attachments: [{ filename: 'x.pdf', contentType: 'application/pdf', content: pdf }], idempotencyKey: 'invoice-1-blue' };
  await box.send(message);
  await box.send(message);
  expect(box.list('a@example.com')).toHaveLength(1);
  expect(box.list('b@example.com')).toHaveLength(0);
  const kept = box.get(box.list()[0].id)!;
  expect(kept.attachments).toEqual([{ filename: 'x.pdf', contentType: 'application/pdf', size: pdf.length }]);
  expect(kept.raw).toContain('Subject: =?UTF-8?');
});
