/**
 * Canned texts (常用语) the console offers for each action that writes to the subscriber. Staff pick
 * one and edit it before sending; the subscriber reads it signed with the staff member's job number.
 */
export const cannedReplies = {
  reply: [
    '您好，您反映的问题已收到，我们正在安排处理，请保持电话畅通。',
    '维修人员将在承诺时限内与您联系并上门，请留意来电。',
    '经核实，您所在区域正在进行计划检修，预计今日内恢复，给您带来不便敬请谅解。',
  ],
  'request-information': [
    '为尽快处理，请补充故障发生的具体时间和现象。',
    '请补充方便上门的时间段和详细地址（门牌号、单元）。',
  ],
  resolve: [
    '故障已排除，服务已恢复正常。如仍有问题，请在工单中点击“未解决，重新处理”。',
    '您反映的问题已处理完毕，感谢您的耐心等待。',
  ],
} as const;
