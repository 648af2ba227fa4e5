import type { ErrorCode } from '@openhall/shared';

/**
 * The one table of what a subscriber reads when the API says no. `Record<ErrorCode, string>` makes
 * the compiler refuse a new server code until it has a message here.
 */
export const errorMessages: Record<ErrorCode, string> = {
  VALIDATION_FAILED: '填写的信息有误，请检查后重试',
  UNAUTHENTICATED: '登录已失效，请重新登录',
  FORBIDDEN: '没有权限进行此操作',
  NOT_FOUND: '没有找到相关信息',
  CONFLICT: '操作冲突，请刷新后重试',
  RATE_LIMITED: '操作过于频繁，请稍后再试',
  PAYLOAD_TOO_LARGE: '提交的内容过大',
  UNSUPPORTED_MEDIA_TYPE: '不支持的内容格式',
  INTERNAL: '系统繁忙，请稍后再试',
  SERVICE_UNAVAILABLE: '服务暂不可用，请稍后再试',
  UPSTREAM_FAILED: '业务系统暂时无法响应，请稍后再试',
  SMS_CODE_INVALID: '验证码错误，请重新输入',
  SMS_CODE_EXPIRED: '验证码已过期，请重新获取',
  SMS_CODE_TOO_MANY_ATTEMPTS: '验证码错误次数过多，请重新获取',
  SMS_SEND_TOO_FREQUENT: '验证码发送过于频繁，请稍后再试',
  WECHAT_CODE_INVALID: '微信登录失败，请重试',
  INVALID_CREDENTIALS: '用户名或密码错误',
  // Same words for wrong pair and unknown account: the server does not reveal which it was.
  ACCOUNT_BIND_FAILED: '户号与户主信息不匹配，请核对后重试',
  ACCOUNT_BIND_LOCKED: '该户号今日验证失败次数过多，请明天再试或到营业厅办理',
  ACCOUNT_ALREADY_BOUND: '该户号已绑定',
  NOTICE_TOO_LATE: '计划停服通知须至少提前24小时发布',
  BILL_ALREADY_PAID: '该账单已缴清，无需重复缴费',
  BILL_CANCELLED: '该账单已撤销，无需缴费，请刷新后再试',
  BILL_CHANGED: '账单金额已更新，请刷新后再缴费',
  BILLING_UNAVAILABLE: '营收系统暂时无法核对账单，请稍后再试；查看账单不受影响',
  BILLING_SIGNATURE_INVALID: '营收系统数据签名无效',
  BILL_IN_OPEN_ORDER: '该账单有一笔待支付的订单，请先完成或等待其关闭（约15分钟）后再试',
  RENEWAL_IN_OPEN_ORDER: '该套餐有一笔待支付的续费订单，请先完成或等待其关闭（约15分钟）后再试',
  ACCOUNT_CLOSED: '该户号已销户，不能办理此业务',
  ACCOUNT_NOT_PREPAID: '该户号不是预付费账户，请在账单页查看和缴纳账单',
  TOPUP_AMOUNT_INVALID: '充值金额不在允许范围内，请重新选择',
  TOPUP_BALANCE_SPENT: '充值已被使用的部分不能退款',
  SERVICE_REQUEST_PENDING: '您已有一笔正在办理的停复机申请，请等待办理结果',
  SERVICE_STATE_CONFLICT: '当前服务状态不能办理此业务，请刷新后再试',
  PAY_FOR_NOTHING_OWED: '没有找到该户号的待缴账单，请核对户号',
  SHARE_NOT_PAYABLE: '该代付链接已失效或已付款',
  ORDER_NOT_PAYABLE: '该订单已关闭或已支付，请刷新后查看',
  WECHAT_OPENID_REQUIRED: '请先使用微信登录后再用微信支付',
  WECHAT_MP_NOT_CONFIGURED: '微信内暂不支持在网页中支付：请在小程序中缴费，或点右上角“…”选择“在浏览器中打开”后支付',
  WECHAT_OAUTH_CODE_INVALID: '微信授权已失效，请点“继续支付”重新发起',
  WECHAT_PAYER_MISMATCH: '该订单已由另一个微信账号发起支付，请取消订单后重新缴费',
  PAYMENT_GATEWAY_FAILED: '支付渠道暂时无法下单，请稍后再试或换一种支付方式',
  ORDER_NOT_REFUNDABLE: '该订单当前状态不能退款',
  REFUND_AMOUNT_EXCEEDED: '退款金额超过可退金额',
  BILL_NOT_PAID: '该账单尚未缴费，缴费后才能打印缴费凭证',
  RENEWAL_UNAVAILABLE: '该套餐暂不支持在线续费，请到营业厅办理',
  TICKET_ALREADY_CLAIMED: '该工单已由其他工作人员受理',
  TICKET_INVALID_STATE: '工单当前状态不能进行此操作，请刷新后查看',
  TICKET_URGE_LIMITED: '催单过于频繁：每12小时可催办1次，每张工单最多3次',
  WORKORDER_SIGNATURE_INVALID: '工单系统回调签名无效',
  WORKORDER_EVENT_TIME_INVALID: '工单系统事件时间不在工单有效期内',
  APPOINTMENT_SLOT_FULL: '该时段预约已满，请选择其他上门时间',
  TICKET_RATING_CLOSED: '该工单已超过评价时间（处理完成后72小时内可评价），客服将电话回访您',
  TICKET_ALREADY_RATED: '您已评价过该工单，感谢您的反馈',
  CALLBACK_CLOSED: '该回访任务已处理完毕，请刷新后查看',
  NOTIFICATION_MANDATORY: '该通知关系到您的工单处理结果，不能关闭',
  RECONCILIATION_DIFF_ALREADY_RESOLVED: '该对账差异已处理过，请刷新后查看',
  ORDER_NOT_INVOICEABLE: '该订单当前不能开具发票（未支付、已关闭、正在退款或已全额退款）',
  INVOICE_EXISTS: '该订单已申请过发票，如需更换抬头请联系客服',
  INVOICE_NOT_REISSUABLE: '只有开具失败（或红冲失败）的发票可以重新开具，请刷新后查看',
};

/** Failures that never reached the API's error envelope. */
export type ClientErrorCode = 'NETWORK' | 'TIMEOUT' | 'BAD_RESPONSE';

export const clientErrorMessages: Record<ClientErrorCode, string> = {
  NETWORK: '网络连接失败，请检查网络后重试',
  TIMEOUT: '请求超时，请检查网络后点“重试”',
  BAD_RESPONSE: '服务返回异常，请稍后再试',
};
