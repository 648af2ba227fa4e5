import { createCipheriv } from 'node:crypto';
import {
  decryptWechatPush,
  encryptWechatPush,
  openWechatPush,
  parseWechatPush,
  sealWechatPush,
  subscribeSentEventJson,
  verifyWechatEncryptedPush,
  verifyWechatPush,
  wechatPushAesKey,
  wechatPushMsgSignature,
  wechatPushSignature,
} from './wechat-push.protocol';
import { msgidOf } from './wechat-subscribe.adapter';

describe('WeChat message push protocol', () => {
  test('the signature is sha1 of token, timestamp and nonce sorted and joined (a value computed outside JavaScript)', () => {
    expect(wechatPushSignature('AAAAtoken', '1714000000', 'n0nce')).toBe('4719d6035e413f96f74d760c01909b619041331b');
    const now = new Date(1714000000 * 1000);
    expect(verifyWechatPush('AAAAtoken', { signature: '4719D6035E413F96F74D760C01909B619041331B', timestamp: '1714000000', nonce: 'n0nce' }, now)).toEqual({ ok: true });
    expect(verifyWechatPush('AAAAtoken', { signature: '4719d6035e413f96f74d760c01909b619041331b', timestamp: '1714000000', nonce: 'n0nce' }, new Date(now.getTime() + 600_000))).toEqual({ ok: false, reason: 'stale' });
    expect(verifyWechatPush('other', { signature: '4719d6035e413f96f74d760c01909b619041331b', timestamp: '1714000000', nonce: 'n0nce' }, now)).toEqual({ ok: false, reason: 'bad_signature' });
  });

  test('subscribe_msg_sent_event in JSON (List an object or an array) and in XML', () => {
    const json = parseWechatPush(JSON.stringify({ ToUserName: 'gh_1', FromUserName: 'o1', CreateTime: '1620963428', MsgType: 'event', Event: 'subscribe_msg_sent_event', List: { TemplateId: 'T1', MsgID: '1864323726461255680', ErrorCode: '0', ErrorStatus: 'success' } }));
    expect(json).toEqual({ event: 'subscribe_msg_sent_event', createTime: new Date(1620963428000), results: [{ templateId: 'T1', msgId: '1864323726461255680', errorCode: 0, errorStatus: 'success' }] });
    const xml = parseWechatPush(
      '<xml><ToUserName><![CDATA[gh_1]]></ToUserName><CreateTime>1620963428</CreateTime><Event><![CDATA[subscribe_msg_sent_event]]></Event><SubscribeMsgSentEvent>' +
        '<List><TemplateId><![CDATA[T1]]></TemplateId><MsgID>11</MsgID><ErrorCode>0</ErrorCode><ErrorStatus><![CDATA[success]]></ErrorStatus></List>' +
        '<List><TemplateId><![CDATA[T2]]></TemplateId><MsgID>12</MsgID><ErrorCode>10004</ErrorCode><ErrorStatus><![CDATA[fail:user refuse to accept the msg]]></ErrorStatus></List>' +
        '</SubscribeMsgSentEvent></xml>',
    );
    expect(xml?.results).toEqual([
      { templateId: 'T1', msgId: '11', errorCode: 0, errorStatus: 'success' },
      { templateId: 'T2', msgId: '12', errorCode: 10004, errorStatus: 'fail:user refuse to accept the msg' },
    ]);
    expect(parseWechatPush('plain text')).toBeNull();
  });
});

describe('the 64-bit msgid, digit for digit', () => {
  test('subscribe/send answers it as a number past 2^53: read from the text, not the parsed number', () => {
    const text = '{"errcode":0,"errmsg":"ok","msgid":3248682510344192008}';
    expect(String(JSON.parse(text).msgid)).not.toBe('3248682510344192008');
    expect(msgidOf(text, JSON.parse(text).msgid)).toBe('3248682510344192008');
    expect(msgidOf('{"errcode":0,"msgid":"42"}', '42')).toBe('42');
    expect(msgidOf('{"errcode":0}', undefined)).toBeNull();
  });

  test('a pushed event with MsgID unquoted keeps every digit', () => {
    const push = parseWechatPush('{"Event":"subscribe_msg_sent_event","CreateTime":1620963428,"List":[{"TemplateId":"T1","MsgID":3248682510344192008,"ErrorCode":0,"ErrorStatus":"success"}]}');
    expect(push?.results[0].msgId).toBe('3248682510344192008');
  });
});

describe('safe and compatible modes (消息加解密)', () => {
  // A published vector of the same scheme (WeCom's, receiver id in the appid's place), produced by
  // another implementation: wechatpy's tests/test_crypto.py.
  const VECTOR = {
    token: '123456',
    encodingAesKey: 'kWxPEV2UEDyxWpmPdKC3F4dgPDmOvfKX1HGnEUDS1aR',
    appid: 'wx49f0ab532d5d035a',
    timestamp: '1411525903',
    nonce: '461056294',
    msgSignature: '74d92dfeb87ba7c714f89d98870ae5eb62dff26d',
    encrypt:
      'RgqEoJj5A4EMYlLvWO1F86ioRjZfaex/gePD0gOXTxpsq5Yj4GNglrBb8I2BAJVODGajiFnXBu7mCPatfjsu6IHCrsTyeDXzF6Bv283dGymzxh6ydJRvZsryDyZbLTE7rhnus50qGPMfp2wASFlzEgMW9z1ef/RD8XzaFYgm7iTdaXpXaG4+BiYyolBug/gYNx410cvkKR2/nPwBiT+P4hIiOAQqGp/TywZBtDh1yCF2KOd0gpiMZ5jSw3e29mTvmUHzkVQiMS6td7vXUaWOMZnYZlF3So2SjHnwh4jYFxdgpkHHqIrH/54SNdshoQgWYEvccTKe7FS709/5t6NMxuGhcUGAPOQipvWTT4dShyqio7mlsl5noTrb++x6En749zCpQVhDpbV6GDnTbcX2e8K9QaNWHp91eBdCRxthuL0=',
  };
  const vectorAt = new Date(Number(VECTOR.timestamp) * 1000);
  const key = wechatPushAesKey(VECTOR.encodingAesKey);

  test('a published message: its msg_signature checks, and it decrypts to its XML for its appid', () => {
    expect(key).toHaveLength(32);
    expect(wechatPushMsgSignature(VECTOR.token, VECTOR.timestamp, VECTOR.nonce, VECTOR.encrypt)).toBe(VECTOR.msgSignature);
    expect(verifyWechatEncryptedPush(VECTOR.token, { msg_signature: VECTOR.msgSignature.toUpperCase(), timestamp: VECTOR.timestamp, nonce: VECTOR.nonce }, VECTOR.encrypt, vectorAt)).toEqual({ ok: true });
    const opened = decryptWechatPush(key, VECTOR.appid, VECTOR.encrypt);
    expect(opened.ok).toBe(true);
    const msg = (opened as { msg: string }).msg;
    expect(msg.startsWith('<xml><ToUserName><![CDATA[wx49f0ab532d5d035a]]></ToUserName>\n<FromUserName><![CDATA[messense]]></FromUserName>')).toBe(true);
    expect(msg).toContain('<Content><![CDATA[test]]></Content>\n<MsgId>4363689963896700987</MsgId>');
    expect(decryptWechatPush(key, 'wx0000000000000000', VECTOR.encrypt)).toEqual({ ok: false, reason: 'wrong_appid' });
  });

  test('encrypting with a fixed random prefix gives the published ciphertext and msg_signature', () => {
    const reply = [
      '<xml>',
      '<MsgType><![CDATA[text]]></MsgType>',
      '<Content><![CDATA[test]]></Content>',
      '<FromUserName><![CDATA[wx49f0ab532d5d035a]]></FromUserName>',
      '<ToUserName><![CDATA[messense]]></ToUserName>',
      '<AgentID>1</AgentID>',
      '<CreateTime>1411525903</CreateTime>',
      '</xml>',
    ].join('\n');
    const encrypt = encryptWechatPush(key, VECTOR.appid, reply, Buffer.from('1234567890123456'));
    expect(encrypt).toBe(
      '9s4gMv99m88kKTh/H8IdkOiMg6bisoy3ypwy9H4hvSPe9nsGaqyw5hhSjdYbcrKk+j3nba4HMOTzHrluLBYqxgNcBqGsL8GqxlhZgURnAtObvesEl5nZ+uBE8bviY0LWke8Zy9V/QYKxNV2FqllNXcfmstttyIkMKCCmVbCFM2JTF5wY0nFhHZSjPUL2Q1qvSUCUld+/WIXrx0oyKQmpB6o8NRrrNrsDf03oxI1p9FxUgMnwKKZeOA/uu+2IEvEBtb7muXsVbwbgX05UPPJvFurDXafG0RQyPR+mf1nDnAtQmmNOuiR5MIkdQ39xn1vWwi1O5oazPoQJz0nTYjxxEE8kv3kFxtAGVRe3ypD3WeK2XeFYFMNMpatF9XiKzHo3',
    );
    expect(wechatPushMsgSignature(VECTOR.token, VECTOR.timestamp, VECTOR.nonce, encrypt)).toBe('407518b7649e86ef23978113f92d27afa9296533');
  });

  // Our own mini-program, and the plaintext laid out by hand (node:crypto, no helper of the protocol file).
  const ours = { token: 'Hall2026Push', aesKey: 'abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG', appid: 'wxhall00000000001', mode: 'safe' as const };
  const oursKey = Buffer.from(`${ours.aesKey}=`, 'base64');
  const now = new Date(1764900000 * 1000);
  const ts = String(1764900000);
  const event = subscribeSentEventJson({ toUserName: 'gh_hall', openid: 'o-中文-1', createTime: now, results: [{ templateId: 'T1', msgId: '3248682510344192008', errorCode: 0, errorStatus: 'success' }] });

  /** AES-256-CBC with our key over exactly these bytes (the caller pads). */
  function rawEncrypt(plain: Buffer, k = oursKey): string {
    const c = createCipheriv('aes-256-cbc', k, k.subarray(0, 16)).setAutoPadding(false);
    return Buffer.concat([c.update(plain), c.final()]).toString('base64');
  }
  function layout(msg: string, appid = ours.appid, lenDelta = 0): Buffer {
    const m = Buffer.from(msg);
    const len = Buffer.alloc(4);
    len.writeUInt32BE(m.length + lenDelta);
    return Buffer.concat([Buffer.from('0123456789abcdef'), len, m, Buffer.from(appid)]);
  }
  const padded = (b: Buffer, pad = 32 - (b.length % 32)) => Buffer.concat([b, Buffer.alloc(pad, pad)]);
  const signed = (encrypt: string, at = ts) => ({ timestamp: at, nonce: '1514711492', encrypt_type: 'aes', msg_signature: wechatPushMsgSignature(ours.token, at, '1514711492', encrypt) });

  test('a message laid out and encrypted by hand (pad to 32, Chinese in it) is what encryptWechatPush makes and what is read back', () => {
    const byHand = rawEncrypt(padded(layout(event)));
    expect(encryptWechatPush(oursKey, ours.appid, event, Buffer.from('0123456789abcdef'))).toBe(byHand);
    expect(Buffer.from(byHand, 'base64').length % 32).toBe(0);
    const opened = openWechatPush(ours, signed(byHand), JSON.stringify({ ToUserName: 'gh_hall', Encrypt: byHand }), now);
    expect(opened).toEqual({ ok: true, encrypted: true, body: event, key: 'current' });
    expect(parseWechatPush((opened as { body: string }).body)?.results[0].msgId).toBe('3248682510344192008');
    // A message whose plain length is a whole number of blocks is padded with a full block of 32s.
    const whole = 'x'.repeat(64 - 20 - ours.appid.length);
    expect(layout(whole).length % 32).toBe(0);
    expect(decryptWechatPush(oursKey, ours.appid, rawEncrypt(padded(layout(whole), 32)))).toEqual({ ok: true, msg: whole });
    expect(decryptWechatPush(oursKey, ours.appid, encryptWechatPush(oursKey, ours.appid, whole))).toEqual({ ok: true, msg: whole });
  });

  test('refused: tampered ciphertext, another appid, bad padding, a length past the end, another key, a bad or stale msg_signature', () => {
    const good = rawEncrypt(padded(layout(event)));
    const body = (e: string) => `<xml><ToUserName><![CDATA[gh_hall]]></ToUserName><Encrypt><![CDATA[${e}]]></Encrypt></xml>`;
    expect(openWechatPush(ours, signed(good), body(good), now)).toMatchObject({ ok: true });
    // One bit changed: the msg_signature no longer matches, so nothing is decrypted.
    const bytes = Buffer.from(good, 'base64');
    bytes[bytes.length - 33] ^= 0x80;
    const tampered = bytes.toString('base64');
    expect(openWechatPush(ours, { ...signed(good) }, body(tampered), now)).toEqual({ ok: false, reason: 'bad_signature' });
    // Signed anew (as by someone holding the token but not the key): that bit lands on the pad byte.
    expect(openWechatPush(ours, signed(tampered), body(tampered), now)).toEqual({ ok: false, reason: 'undecryptable' });
    expect(openWechatPush(ours, signed(good), body(good), new Date(now.getTime() + 6 * 60_000))).toEqual({ ok: false, reason: 'stale' });
    expect(openWechatPush(ours, { ...signed(good), msg_signature: wechatPushSignature(ours.token, ts, '1514711492') }, body(good), now)).toEqual({ ok: false, reason: 'bad_signature' });
    expect(openWechatPush(ours, { timestamp: ts, nonce: '1', encrypt_type: 'aes' }, body(good), now)).toEqual({ ok: false, reason: 'missing' });

    const refusedAs = (e: string) => openWechatPush(ours, signed(e), body(e), now);
    expect(refusedAs(rawEncrypt(padded(layout(event, 'wxsomeoneelse0001'))))).toEqual({ ok: false, reason: 'wrong_appid' });
    // Padding: a last byte of 0 or 33 (outside 1..32), or pad bytes that disagree.
    for (const [at, value] of [[1, 0], [1, 33], [2, 0]] as const) {
      const bad = padded(layout(event));
      bad[bad.length - at] = at === 2 ? bad[bad.length - 2] ^ 1 : value;
      expect(refusedAs(rawEncrypt(bad))).toEqual({ ok: false, reason: 'undecryptable' });
    }
    expect(decryptWechatPush(oursKey, ours.appid, rawEncrypt(padded(layout(event))))).toEqual({ ok: true, msg: event });
    expect(refusedAs(rawEncrypt(padded(layout(event, ours.appid, 1000))))).toEqual({ ok: false, reason: 'undecryptable' });
    expect(refusedAs(rawEncrypt(padded(layout(event)), Buffer.alloc(32, 7)))).toEqual({ ok: false, reason: 'undecryptable' });
    expect(refusedAs('bm90IGJsb2Nrcw==')).toEqual({ ok: false, reason: 'undecryptable' });
    expect(refusedAs('***')).toEqual({ ok: false, reason: 'undecryptable' });
  });

  test('modes: safe refuses plaintext; plain and compat take both; compatible bodies are read from Encrypt; no key, no Encrypt, an unknown encrypt_type', () => {
    const plainQuery = { signature: wechatPushSignature(ours.token, ts, 'n1'), timestamp: ts, nonce: 'n1' };
    expect(openWechatPush(ours, plainQuery, event, now)).toEqual({ ok: false, reason: 'not_encrypted' });
    expect(openWechatPush(ours, { ...plainQuery, encrypt_type: 'raw' }, event, now)).toEqual({ ok: false, reason: 'not_encrypted' });
    expect(openWechatPush({ ...ours, mode: 'compat' }, plainQuery, event, now)).toEqual({ ok: true, encrypted: false, body: event });
    expect(openWechatPush({ ...ours, mode: 'plain' }, plainQuery, event, now)).toEqual({ ok: true, encrypted: false, body: event });

    // Compatible mode: the plaintext fields say delivered, Encrypt says refused; Encrypt is what counts.
    const refused = event.replace('"ErrorCode":"0","ErrorStatus":"success"', '"ErrorCode":"10004","ErrorStatus":"fail:user refuse to accept the msg"');
    const encrypt = encryptWechatPush(oursKey, ours.appid, refused);
    const compatBody = event.replace(/}$/, `,"Encrypt":"${encrypt}"}`);
    for (const mode of ['plain', 'compat', 'safe'] as const) {
      const opened = openWechatPush({ ...ours, mode }, { ...plainQuery, ...signed(encrypt) }, compatBody, now);
      expect(opened).toEqual({ ok: true, encrypted: true, body: refused, key: 'current' });
      expect(parseWechatPush((opened as { body: string }).body)?.results[0]).toMatchObject({ errorCode: 10004 });
    }
    expect(openWechatPush({ ...ours, mode: 'plain', aesKey: null }, signed(encrypt), compatBody, now)).toEqual({ ok: false, reason: 'no_aes_key' });
    expect(openWechatPush(ours, signed(encrypt), event, now)).toEqual({ ok: false, reason: 'no_encrypt' });
    expect(openWechatPush(ours, { ...signed(encrypt), encrypt_type: 'sm4' }, compatBody, now)).toEqual({ ok: false, reason: 'bad_encrypt_type' });
  });

  test('what the sandbox sends in each mode and data format is read back as the message', () => {
    const xml = `<xml><ToUserName><![CDATA[gh_hall]]></ToUserName><CreateTime>${ts}</CreateTime><Event><![CDATA[subscribe_msg_sent_event]]></Event><SubscribeMsgSentEvent><List><TemplateId><![CDATA[T1]]></TemplateId><MsgID>11</MsgID><ErrorCode>0</ErrorCode><ErrorStatus><![CDATA[success]]></ErrorStatus></List></SubscribeMsgSentEvent></xml>`;
    for (const mode of ['plain', 'compat', 'safe'] as const) {
      for (const message of [event, xml]) {
        const { query, body } = sealWechatPush({ ...ours, mode }, message, { toUserName: 'gh_hall', timestamp: ts, nonce: '42' });
        expect(openWechatPush({ ...ours, mode }, query, body, now)).toEqual(mode === 'plain' ? { ok: true, encrypted: false, body: message } : { ok: true, encrypted: true, body: message, key: 'current' });
        if (mode === 'safe') expect(body).not.toContain('subscribe_msg_sent_event');
        if (mode === 'compat') expect(body).toContain('subscribe_msg_sent_event');
        if (mode !== 'plain') expect(query).toMatchObject({ encrypt_type: 'aes', signature: wechatPushSignature(ours.token, ts, '42') });
      }
    }
  });

  test('the EncodingAESKey changed: the previous key is tried after the current one, only once the signature holds; a key neither of them is refused', () => {
    const oldKey = ours.aesKey;
    const rotated = { ...ours, aesKey: 'kWxPEV2UEDyxWpmPdKC3F4dgPDmOvfKX1HGnEUDS1aR', previousAesKey: oldKey };
    const body = (e: string) => JSON.stringify({ ToUserName: 'gh_hall', Encrypt: e });
    const underOld = rawEncrypt(padded(layout(event)));
    const underNew = encryptWechatPush(wechatPushAesKey(rotated.aesKey), ours.appid, event);
    expect(openWechatPush(rotated, signed(underOld), body(underOld), now)).toEqual({ ok: true, encrypted: true, body: event, key: 'previous' });
    expect(openWechatPush(rotated, signed(underNew), body(underNew), now)).toEqual({ ok: true, encrypted: true, body: event, key: 'current' });
    // Without the previous key, the old key's push cannot be read.
    expect(openWechatPush({ ...rotated, previousAesKey: null }, signed(underOld), body(underOld), now)).toEqual({ ok: false, reason: 'undecryptable' });
    // Neither key: undecryptable; the old key but another appid: refused as such.
    const underOther = rawEncrypt(padded(layout(event)), Buffer.alloc(32, 7));
    expect(openWechatPush(rotated, signed(underOther), body(underOther), now)).toEqual({ ok: false, reason: 'undecryptable' });
    const otherAppid = rawEncrypt(padded(layout(event, 'wxsomeoneelse0001')));
    expect(openWechatPush(rotated, signed(otherAppid), body(otherAppid), now)).toEqual({ ok: false, reason: 'wrong_appid' });
    // The signature is checked first: a bad or stale one is refused whichever key would open the message.
    expect(openWechatPush(rotated, { ...signed(underOld), msg_signature: signed(underNew).msg_signature }, body(underOld), now)).toEqual({ ok: false, reason: 'bad_signature' });
    expect(openWechatPush(rotated, signed(underOld), body(underOld), new Date(now.getTime() + 6 * 60_000))).toEqual({ ok: false, reason: 'stale' });
  });

  test('an EncodingAESKey is 43 characters of the base64 alphabet', () => {
    expect(wechatPushAesKey('abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG')).toHaveLength(32);
    expect(() => wechatPushAesKey('abcdefghijklmnopqrstuvwxyz0123456789ABCDEF')).toThrow('43');
    expect(() => wechatPushAesKey('abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG=')).toThrow('43');
    expect(() => wechatPushAesKey('abcdefghijklmnopqrstuvwxyz0123456789ABCDEF-')).toThrow('43');
  });
});
