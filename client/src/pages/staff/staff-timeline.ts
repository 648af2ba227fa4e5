import { STAFF_FILED_WORDS, type TicketEventView } from '@openhall/shared';

/**
 * A timeline entry as staff read it. The server stores each entry in the words the subscriber reads
 * ("您已催办，客服将优先处理"); in the console the same entry says who did what in the third person
 * ("用户已催办", "客服 王芳（工号 KF1001）受理"). What a person typed (a reply, added information, a
 * reason) is quoted as typed: only the wording around it changes.
 */
export function staffWorded(e: TicketEventView): TicketEventView {
  const person = e.actorName ? `${e.actorName}${e.actorJobNo ? `（工号 ${e.actorJobNo}）` : ''}` : '';
  const staff = e.actorName ? `客服 ${e.actorName}${e.actorJobNo ? `（工号 ${e.actorJobNo}）` : ''}` : '客服';
  const subscriber = e.actorKind === 'subscriber';
  // The subscriber has no name on the entry; "您" would be the agent reading it.
  const who: Partial<TicketEventView> = subscriber ? { actorName: '用户', actorJobNo: null } : {};
  const after = (prefix: string) => (e.message.startsWith(prefix) ? e.message.slice(prefix.length) : e.message);
  // An entry the system wrote to the subscriber that quotes someone (a payer's words at WeChat Pay):
  // only its opening 您 is the subscriber's; the quote stays as written.
  const opening = (m: string) => (m.startsWith('您') ? `用户${m.slice(1)}` : m);
  let message: string;
  switch (e.kind) {
    case 'submitted':
      if (subscriber) message = `用户提交工单，${after('工单已提交，')}`;
      // Filed by an agent for a caller or a visitor (首问负责): who took the call or the visit.
      else if (e.actorKind === 'staff' && e.message.startsWith(STAFF_FILED_WORDS.hotline)) message = `坐席 ${person}受理来电，代用户登记工单，${after(STAFF_FILED_WORDS.hotline)}`;
      else if (e.actorKind === 'staff' && e.message.startsWith(STAFF_FILED_WORDS.counter)) message = `营业厅 ${person}受理来访，代用户登记工单，${after(STAFF_FILED_WORDS.counter)}`;
      else message = subscriber ? e.message : opening(e.message);
      break;
    case 'urged':
      message = '用户已催办';
      break;
    case 'info_added':
      message = `用户补充资料：${e.message}`;
      break;
    case 'cancelled':
      message = subscriber ? `用户已撤销工单：${after('您已撤销工单：')}` : e.message;
      break;
    case 'confirmed':
      message = '用户已确认问题解决，工单办结';
      break;
    case 'reopened':
      message = subscriber ? `用户反馈问题未解决：${after('您反馈问题未解决：')}` : opening(e.message);
      break;
    case 'accepted':
      message = e.actorKind === 'staff' ? `${staff}受理（首问负责）` : e.message;
      break;
    case 'reply':
      message = `${staff}回复用户：${e.message}`;
      break;
    case 'info_requested':
      message = `${staff}请用户补充资料：${after('请补充资料：')}`;
      break;
    case 'resolved':
      message = e.actorKind === 'staff' ? `${staff}办结，告知用户：${e.message}` : e.message;
      break;
    case 'transferred':
    case 'escalated':
    case 'extension_requested':
      message = `${staff}${e.message}`;
      break;
    default:
      // System and work-order entries: the same facts, addressed to nobody.
      message = e.message.replace(/将为您/g, '将为用户').replace(/您的/g, '用户的').replace(/您/g, '用户');
  }
  return { ...e, ...who, message };
}
