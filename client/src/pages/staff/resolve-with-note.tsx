import { Textarea, View } from '@tarojs/components';
import { useState, type ReactNode } from 'react';
import type { z } from 'zod';
import { staffErrorText } from './staff-forms';
import Button from '../../components/button';

/**
 * 处理 → a note → 标记为已处理: how the console marks something handled by hand (a reconciliation
 * difference, a refused refund). The note is checked with the shared schema before sending; the
 * server does it once, and a colleague who got there first is named in its answer, shown here.
 * `prefix` names the parts' classes (`<prefix>-open`, `<prefix>__note`, `__submit`, `__cancel`, `__error`).
 */
export default function ResolveWithNote<T>(props: {
  prefix: string;
  placeholder: string;
  schema: z.ZodType<{ note: string }>;
  send: (input: { note: string }) => Promise<T>;
  onResolved: (view: T) => void;
  /** Shown before the 处理 button while closed. */
  closedLabel?: ReactNode;
}) {
  const { prefix } = props;
  const [open, setOpen] = useState(false);
  const [note, setNote] = useState('');
  const [error, setError] = useState('');
  const [busy, setBusy] = useState(false);

  const submit = async () => {
    setError('');
    const parsed = props.schema.safeParse({ note });
    if (!parsed.success) {
      setError(parsed.error.issues[0]?.message ?? '请填写处理说明');
      return;
    }
    setBusy(true);
    try {
      const view = await props.send(parsed.data);
      setOpen(false);
      props.onResolved(view);
    } catch (err) {
      setError(staffErrorText(err));
    } finally {
      setBusy(false);
    }
  };

  return (
    <>
      {open ? (
        <View className="diff-resolve">
          <Textarea className={`tickets-textarea ${prefix}__note`} aria-label={props.placeholder} maxlength={500} placeholder={props.placeholder} value={note} onInput={(e) => setNote(e.detail.value)} />
          <View className="ticket-actions">
            <Button className={`btn-primary ${prefix}__submit`} size="mini" loading={busy} disabled={busy} onClick={() => void submit()}>
              标记为已处理
            </Button>
            <Button className={`btn-plain ${prefix}__cancel`} size="mini" onClick={() => setOpen(false)}>
              取消
            </Button>
          </View>
        </View>
      ) : (
        <>
          {props.closedLabel}
          <Button className={`btn-plain ${prefix}-open`} size="mini" onClick={() => setOpen(true)}>
            处理
          </Button>
        </>
      )}
      {error && <View className={`field__error ${prefix}__error`}>{error}</View>}
    </>
  );
}
