import { parseWechatPush, verifyWechatPush, wechatPushSignature } from './wechat-push.protocol';
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
