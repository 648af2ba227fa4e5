import { formatReportTime, parseReportTime, parseSmsReports, SMS_REPORT_MAX_BATCH, signSmsReport, verifySmsReport } from './sms-report.protocol';

describe('SMS status report protocol', () => {
  test.each([
    ['2026-12-01 10:00:05', '2026-12-01T02:00:05.000Z'],
    ['2026-12-01T10:00:05', '2026-12-01T02:00:05.000Z'],
    ['2026-12-01T02:00:05Z', '2026-12-01T02:00:05.000Z'],
    ['2026-12-01T10:00:05.250+08:00', '2026-12-01T02:00:05.250Z'],
    ['2026-12-01', null],
    ['yesterday', null],
    ['2026-13-45 99:00:00', null],
  ])('report time %s is %s', (text, iso) => {
    expect(parseReportTime(text)?.toISOString() ?? null).toBe(iso);
  });

  test('report times are written in business time and read back', () => {
    const at = new Date('2026-12-01T16:30:00Z');
    expect(formatReportTime(at)).toBe('2026-12-02 00:30:00');
    expect(parseReportTime(formatReportTime(at))).toEqual(at);
  });

  test('a batch: reports without an id, an outcome or a time are counted and left out; one object alone is a batch of one', () => {
    const body = JSON.stringify([
      { biz_id: 'A1', success: true, err_code: 'DELIVRD', report_time: '2026-12-01 10:00:05' },
      { biz_id: 42, success: 'false', err_code: 'MN:0001', err_msg: '空号', report_time: '2026-12-01 10:00:06' },
      { success: true, report_time: '2026-12-01 10:00:05' },
      { biz_id: 'A3', err_code: 'DELIVRD', report_time: '2026-12-01 10:00:05' },
      { biz_id: 'A4', success: true, report_time: 'soon' },
    ]);
    expect(parseSmsReports(body)).toEqual({
      receipts: [
        { providerId: 'A1', delivered: true, code: 'DELIVRD', reportedAt: new Date('2026-12-01T02:00:05Z') },
        { providerId: '42', delivered: false, code: 'MN:0001 空号', reportedAt: new Date('2026-12-01T02:00:06Z') },
      ],
      unreadable: 3,
    });
    expect(parseSmsReports(JSON.stringify({ biz_id: 'B1', success: true, report_time: '2026-12-01 10:00:05' }))?.receipts).toHaveLength(1);
    expect(parseSmsReports('not json')).toBeNull();
    expect(parseSmsReports('"text"')).toBeNull();
    expect(parseSmsReports(JSON.stringify(Array.from({ length: SMS_REPORT_MAX_BATCH + 1 }, () => ({}))))).toBeNull();
  });

  test('the signature covers the timestamp and the body; the window is five minutes either way', () => {
    const now = new Date('2026-12-01T02:00:00Z');
    const ts = String(now.getTime() / 1000);
    const sig = signSmsReport('tok', ts, '[]');
    expect(sig).toMatch(/^sha256=[0-9a-f]{64}$/);
    expect(verifySmsReport('tok', { timestamp: ts, signature: sig }, '[]', now)).toEqual({ ok: true });
    expect(verifySmsReport('tok', { timestamp: ts, signature: sig }, '[ ]', now)).toEqual({ ok: false, reason: 'bad_signature' });
    expect(verifySmsReport('tok', { timestamp: String(Number(ts) + 1), signature: sig }, '[]', now)).toEqual({ ok: false, reason: 'bad_signature' });
    expect(verifySmsReport('tok', { timestamp: ts, signature: sig }, '[]', new Date(now.getTime() + 301_000))).toEqual({ ok: false, reason: 'stale' });
    expect(verifySmsReport('tok', { timestamp: ts, signature: sig }, '[]', new Date(now.getTime() - 301_000))).toEqual({ ok: false, reason: 'stale' });
    expect(verifySmsReport('tok', { timestamp: ts }, '[]', now)).toEqual({ ok: false, reason: 'missing' });
  });
});
