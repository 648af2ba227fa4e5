import type { TicketEventView } from '@openhall/shared';
import { staffWorded } from './staff-timeline';

const event = (kind: string, message: string, actorKind: TicketEventView['actorKind'], actor?: { name: string; jobNo: string | null }): TicketEventView => ({
  id: 1,
  kind,
  actorKind,
  actorName: actor?.name ?? null,
  actorJobNo: actor?.jobNo ?? null,
  message,
  occurredAt: '2026-12-01T02:00:00.000Z',
});
const agent = { name: '张三', jobNo: 'KF1001' };

describe('the console timeline speaks of the subscriber and staff in the third person', () => {
  test.each([
    [event('submitted', '工单已提交，承诺时限：一般故障修复', 'subscriber'), '用户提交工单，承诺时限：一般故障修复', '用户'],
    // A ticket an agent filed for a caller or a visitor: who took the call (坐席) or the visit (营业厅).
    [event('submitted', '您致电客服热线反映的问题已登记为工单，承诺时限：一般故障修复', 'staff', agent), '坐席 张三（工号 KF1001）受理来电，代用户登记工单，承诺时限：一般故障修复', '张三'],
    [event('submitted', '您在营业厅反映的问题已登记为工单，承诺时限：投诉答复', 'staff', agent), '营业厅 张三（工号 KF1001）受理来访，代用户登记工单，承诺时限：投诉答复', '张三'],
    [event('urged', '您已催办，客服将优先处理', 'subscriber'), '用户已催办', '用户'],
    [event('info_added', '楼道总阀也关了', 'subscriber'), '用户补充资料：楼道总阀也关了', '用户'],
    [event('cancelled', '您已撤销工单：已经自己修好了', 'subscriber'), '用户已撤销工单：已经自己修好了', '用户'],
    [event('confirmed', '您已确认问题解决，工单办结', 'subscriber'), '用户已确认问题解决，工单办结', '用户'],
    [event('reopened', '您反馈问题未解决：还是没水', 'subscriber'), '用户反馈问题未解决：还是没水', '用户'],
    [event('accepted', '您的工单已由客服 张三（工号 KF1001）受理，将跟踪到底', 'staff', agent), '客服 张三（工号 KF1001）受理（首问负责）', '张三'],
    // What staff wrote to the subscriber is quoted as written, "您" included.
    [event('reply', '您好，师傅下午到', 'staff', agent), '客服 张三（工号 KF1001）回复用户：您好，师傅下午到', '张三'],
    [event('info_requested', '请补充资料：水表照片（补充前承诺时限暂停计时）', 'staff', agent), '客服 张三（工号 KF1001）请用户补充资料：水表照片（补充前承诺时限暂停计时）', '张三'],
    [event('wo_dispatched', '已派工：维修人员 李师傅（工号 W1024）将为您上门服务', 'workorder'), '已派工：维修人员 李师傅（工号 W1024）将为用户上门服务', null],
    [event('escalated', '升级处理：用户情绪激动', 'staff', agent), '客服 张三（工号 KF1001）升级处理：用户情绪激动', '张三'],
    // A WeChat Pay complaint: the system's entries speak of the payer; the payer's own words stay as written.
    [event('submitted', '您在微信支付对订单 OH202612010001（水费）的投诉已转为投诉工单，客服将在此答复', 'system'), '用户在微信支付对订单 OH202612010001（水费）的投诉已转为投诉工单，客服将在此答复', null],
    [event('reopened', '您在微信支付继续投诉，工单已重新处理：您们还是没有解决', 'system'), '用户在微信支付继续投诉，工单已重新处理：您们还是没有解决', null],
  ])('%#: %o', (e, message, actorName) => {
    const worded = staffWorded(e);
    expect(worded.message).toBe(message);
    expect(worded.actorName).toBe(actorName);
    expect(worded.message.startsWith('您')).toBe(false);
  });
});
