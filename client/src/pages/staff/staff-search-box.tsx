import { View } from '@tarojs/components';
import Taro from '@tarojs/taro';
import { staffSearchKindOf, ticketChannelLabels, type StaffSearchView } from '@openhall/shared';
import { useEffect, useRef, useState } from 'react';
import { searchStaff } from '../../api/staff';
import { serviceTypeLabels, ticketStatusLabels, ticketTypeLabels } from '../../lib/labels';
import { staffErrorText } from './staff-forms';

/** What the box says it takes; also the hint when a text is none of these. */
const HINT = '工单号、工单系统单号、手机号、户号或户主姓名';

/**
 * The console's search box, in the top bar of every console page ("/" puts the cursor in it).
 * Enter searches; the answer opens below it: tickets and accounts (a click opens one), portal users
 * (a click opens the subscriber page) with the accounts they bound (each opens its account page),
 * masked as the server sends them. Escape or a click on 关闭 closes it.
 */
export default function StaffSearchBox() {
  const [q, setQ] = useState('');
  const [result, setResult] = useState<StaffSearchView | null>(null);
  const [error, setError] = useState('');
  const [busy, setBusy] = useState(false);
  const input = useRef<HTMLInputElement | null>(null);

  useEffect(() => {
    if (typeof document === 'undefined') return undefined;
    const onKey = (e: KeyboardEvent) => {
      const tag = (e.target as { tagName?: string } | null)?.tagName ?? '';
      if (e.key !== '/' || e.ctrlKey || e.metaKey || e.altKey || ['INPUT', 'TEXTAREA', 'SELECT'].includes(tag)) return;
      e.preventDefault();
      input.current?.focus();
    };
    document.addEventListener('keydown', onKey);
    return () => document.removeEventListener('keydown', onKey);
  }, []);

  const close = () => {
    setResult(null);
    setError('');
  };
  const run = async () => {
    const text = q.trim();
    if (!text) return;
    if (!staffSearchKindOf(text)) {
      setResult(null);
      setError(`请输入${HINT}`);
      return;
    }
    setBusy(true);
    setError('');
    try {
      setResult(await searchStaff(text));
    } catch (err) {
      setResult(null);
      setError(staffErrorText(err));
    } finally {
      setBusy(false);
    }
  };
  const openTicket = (id: number) => {
    close();
    void Taro.navigateTo({ url: `/pages/staff/ticket/index?id=${id}` });
  };
  const openAccount = (accountNo: string) => {
    close();
    void Taro.navigateTo({ url: `/pages/staff/account/index?no=${encodeURIComponent(accountNo)}` });
  };
  const openSubscriber = (id: number) => {
    close();
    void Taro.navigateTo({ url: `/pages/staff/subscriber/index?id=${id}` });
  };
  const empty = result && result.tickets.length + result.accounts.length + result.users.length === 0;

  return (
    <View className="staff-search">
      <input
        ref={input}
        id="staff-search"
        className="staff-search__input"
        type="search"
        aria-label={`搜索：${HINT}`}
        placeholder={`搜索：${HINT}（按 / 键）`}
        value={q}
        onChange={(e) => setQ(e.target.value)}
        onKeyDown={(e) => {
          if (e.key === 'Enter') void run();
          else if (e.key === 'Escape') close();
        }}
      />
      {(result || error || busy) && (
        <View className="staff-search__panel" id="staff-search-results">
          <View className="staff-search__head">
            <View className="muted">{busy ? '正在搜索…' : error ? '' : empty ? '没有找到' : '搜索结果'}</View>
            <View className="staff-search__close" id="staff-search-close" onClick={close}>
              关闭
            </View>
          </View>
          {error && <View className="field__error">{error}</View>}
          {result?.tickets.map((t) => (
            <View key={`t${t.id}`} id={`staff-search-ticket-${t.id}`} className="staff-search__item" onClick={() => openTicket(t.id)}>
              工单 #{t.id} · {ticketTypeLabels[t.type]} · {ticketChannelLabels[t.channel]} · {ticketStatusLabels[t.status]}
              {t.workOrderNo ? ` · 工单系统 ${t.workOrderNo}` : ''} · {t.areaName} · 户号 {t.accountNo} · {t.contactPhoneMasked}
            </View>
          ))}
          {result?.accounts.map((a) => (
            <View key={`a${a.id}`} id={`staff-search-account-${a.accountNo}`} className="staff-search__item" onClick={() => openAccount(a.accountNo)}>
              户号 {a.accountNo} · {serviceTypeLabels[a.serviceType]} · {a.areaName} · 户主 {a.holderNameMasked} · {a.holderPhoneMasked}
            </View>
          ))}
          {result?.users.map((u) => (
            <View key={`u${u.id}`} id={`staff-search-user-${u.id}`} className="staff-search__item staff-search__item--static">
              <View id={`staff-search-user-${u.id}-open`} className="staff-search__link" onClick={() => openSubscriber(u.id)}>
                网厅用户 {u.phoneMasked}
              </View>{' '}
              · {u.accountNos.length ? '已绑定户号 ' : '未绑定户号'}
              {u.accountNos.map((no, i) => (
                <View key={no} id={`staff-search-user-${u.id}-account-${no}`} className="staff-search__link" onClick={() => openAccount(no)}>
                  {i > 0 ? '、' : ''}
                  {no}
                </View>
              ))}
            </View>
          ))}
        </View>
      )}
    </View>
  );
}
