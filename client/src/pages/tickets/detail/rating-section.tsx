import { Textarea, View } from '@tarojs/components';
import { rateTicketSchema, ratingReasonNames, type RatingReason, type TicketStatus } from '@openhall/shared';
import { useState } from 'react';
import { errorMessageOf } from '../../../api/errors';
import { getTicketRating, rateTicket } from '../../../api/tickets';
import ChoiceChips from '../../../components/choice-chips';
import Section from '../../../components/section';
import StateView from '../../../components/state-view';
import { formatDateTime } from '../../../lib/labels';
import { useAsync } from '../../../lib/use-async';
import Button from '../../../components/button';

/** Reasons that fit a good rating and a poor one; "other" fits both. */
const goodReasons: RatingReason[] = ['fixed_quickly', 'polite_staff', 'professional', 'kept_appointment', 'other'];
const poorReasons: RatingReason[] = ['not_fixed', 'too_slow', 'poor_attitude', 'missed_appointment', 'other'];
const starWords = ['', '非常不满意', '不满意', '一般', '满意', '非常满意'];

export interface RatingSectionProps {
  ticketId: number;
  status: TicketStatus;
}

/** 满意度评价: 1–5 stars, preset reasons and a comment, within the window the server states. */
export default function RatingSection({ ticketId, status }: RatingSectionProps) {
  const rating = useAsync(() => getTicketRating(ticketId), [ticketId, status]);
  const [stars, setStars] = useState(0);
  const [reasons, setReasons] = useState<RatingReason[]>([]);
  const [comment, setComment] = useState('');
  const [error, setError] = useState('');
  const [sending, setSending] = useState(false);
  const [answer, setAnswer] = useState<typeof rating.data>();
  const view = answer ?? rating.data;

  const pickStars = (n: number) => {
    setStars(n);
    // Reasons of the other kind no longer fit.
    const fit = n >= 4 ? goodReasons : poorReasons;
    setReasons((r) => r.filter((x) => fit.includes(x)));
  };
  const toggle = (r: RatingReason) => setReasons((list) => (list.includes(r) ? list.filter((x) => x !== r) : [...list, r]));

  const submit = async () => {
    setError('');
    const parsed = rateTicketSchema.safeParse({ stars, reasons, comment });
    if (!parsed.success) {
      setError(parsed.error.issues[0]?.message ?? '请选择1到5星');
      return;
    }
    setSending(true);
    try {
      setAnswer(await rateTicket(ticketId, parsed.data));
    } catch (err) {
      setError(errorMessageOf(err));
    } finally {
      setSending(false);
    }
  };

  return (
    <Section title="服务评价" className="ticket-rating">
      <StateView loading={rating.loading} error={rating.error} onRetry={() => void rating.reload()}>
        {view?.rating ? (
          <View id="ticket-rating-given">
            <Stars value={view.rating.stars} />
            <View>{view.rating.reasons.map((r) => ratingReasonNames[r]).join('、')}</View>
            {view.rating.comment && <View className="muted">{view.rating.comment}</View>}
            <View className="muted tickets-gap">
              感谢您的评价{view.rating.stars <= 2 ? '，客服将尽快电话回访您' : ''}
            </View>
          </View>
        ) : view?.canRate ? (
          <View id="ticket-rating-form">
            {view.rateBy && <View className="muted">请在 {formatDateTime(view.rateBy)} 前评价</View>}
            <Stars value={stars} onPick={pickStars} />
            {stars > 0 && <View className="muted">{starWords[stars]}</View>}
            {stars > 0 && (
              <View className="tickets-gap">
                <ChoiceChips
                  idPrefix="rating-reason"
                  options={(stars >= 4 ? goodReasons : poorReasons).map((r) => ({ value: r, label: ratingReasonNames[r] }))}
                  value={undefined}
                  selected={reasons}
                  onChange={toggle}
                />
              </View>
            )}
            <Textarea
              id="rating-comment"
              aria-label="评价内容"
              className="tickets-textarea tickets-gap"
              maxlength={500}
              placeholder="说说您的感受（选填）"
              value={comment}
              onInput={(e) => setComment(e.detail.value)}
            />
            {error && (
              <View className="field__error" id="rating-error">
                {error}
              </View>
            )}
            <Button id="rating-submit" className="btn-primary tickets-gap" loading={sending} disabled={sending} onClick={() => void submit()}>
              提交评价
            </Button>
          </View>
        ) : (
          <View className="muted">{status === 'resolved' || status === 'closed' ? '评价时间已过，客服将电话回访您' : '处理完成后可以评价'}</View>
        )}
      </StateView>
    </Section>
  );
}

/** Five stars; tappable when `onPick` is given. */
function Stars({ value, onPick }: { value: number; onPick?: (n: number) => void }) {
  return (
    <View className="stars" role={onPick ? 'radiogroup' : 'img'} aria-label={onPick ? '满意度评分' : `${value} 星`}>
      {[1, 2, 3, 4, 5].map((n) => (
        <View
          key={n}
          id={`rating-star-${n}`}
          className={`stars__item${n <= value ? ' stars__item--on' : ''}`}
          role={onPick ? 'radio' : undefined}
          aria-checked={onPick ? n === value : undefined}
          aria-label={onPick ? `${n} 星` : undefined}
          onClick={onPick ? () => onPick(n) : undefined}
        >
          {n <= value ? '★' : '☆'}
        </View>
      ))}
    </View>
  );
}
