import { Textarea, View } from '@tarojs/components';
import Taro from '@tarojs/taro';
import { disputeBillLineSchema, type BillDisputeView } from '@openhall/shared';
import { useState } from 'react';
import { disputeBillLine } from '../../../api/bills';
import { ApiError, errorMessageOf } from '../../../api/errors';
import Button from '../../../components/button';

const TICKET_PAGE = '/pages/tickets/detail/index';

export interface LineDisputeProps {
  billId: number;
  lineId: number;
  /** The line's dispute, if it has one: then its state and complaint ticket are shown instead of the form. */
  dispute?: BillDisputeView;
  /** Whether the bill still owes money: only then does the late-fee note mean anything. */
  unpaid: boolean;
  /** Called with the new dispute once the server accepted it, or with nothing when the line turned out to be disputed already. */
  onChanged: (dispute?: BillDisputeView) => void;
}

/** 有异议: the dispute action of one bill line, its short form, and the state of a dispute already raised. */
export default function LineDispute({ billId, lineId, dispute, unpaid, onChanged }: LineDisputeProps) {
  const [open, setOpen] = useState(false);
  const [reason, setReason] = useState('');
  const [error, setError] = useState('');
  const [sending, setSending] = useState(false);
  const [filed, setFiled] = useState(false);

  const openTicket = (ticketId: number) => void Taro.navigateTo({ url: `${TICKET_PAGE}?id=${ticketId}` });

  const submit = async () => {
    setError('');
    const parsed = disputeBillLineSchema.safeParse({ lineId, reason });
    if (!parsed.success) {
      setError(parsed.error.issues[0]?.message ?? '请说明异议原因');
      return;
    }
    setSending(true);
    try {
      const { dispute: created } = await disputeBillLine(billId, parsed.data);
      setFiled(true);
      setOpen(false);
      onChanged(created);
    } catch (err) {
      setError(errorMessageOf(err));
      // Someone (another device, a double tap) disputed it first: fetch the dispute so its ticket shows.
      if (err instanceof ApiError && err.code === 'CONFLICT') onChanged();
    } finally {
      setSending(false);
    }
  };

  if (dispute) {
    return (
      <View className="line-dispute" id={`line-dispute-${lineId}`}>
        {filed ? (
          <View id={`line-dispute-filed-${lineId}`}>异议已提交，已为您创建投诉工单</View>
        ) : (
          <View className="muted">{dispute.lateFeeSuspended ? '已提出异议，投诉处理中' : '已提出异议，投诉已答复'}</View>
        )}
        {unpaid && dispute.lateFeeSuspended && <View className="muted">投诉处理期间，该账单的滞纳金暂停计算</View>}
        <Button id={`line-dispute-ticket-${lineId}`} className="btn-plain" size="mini" onClick={() => openTicket(dispute.ticketId)}>
          查看投诉工单
        </Button>
      </View>
    );
  }

  if (!open) {
    return (
      <View className="line-dispute">
        <Button id={`line-dispute-open-${lineId}`} className="btn-plain" size="mini" onClick={() => setOpen(true)}>
          有异议
        </Button>
      </View>
    );
  }

  return (
    <View className="line-dispute" id={`line-dispute-form-${lineId}`}>
      <Textarea
        id={`line-dispute-reason-${lineId}`}
        className="field__input"
        maxlength={500}
        aria-label="异议说明"
          placeholder="请说明您对这项费用的异议（至少5个字）"
        value={reason}
        onInput={(e) => setReason(e.detail.value)}
      />
      {error && (
        <View className="field__error" id={`line-dispute-error-${lineId}`}>
          {error}
        </View>
      )}
      <View className="billing-actions">
        <Button id={`line-dispute-submit-${lineId}`} className="btn-primary" loading={sending} disabled={sending} onClick={() => void submit()}>
          提交异议
        </Button>
        <Button
          className="btn-plain"
          disabled={sending}
          onClick={() => {
            setOpen(false);
            setError('');
          }}
        >
          取消
        </Button>
      </View>
    </View>
  );
}
