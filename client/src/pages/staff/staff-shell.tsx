import { View } from '@tarojs/components';
import Taro from '@tarojs/taro';
import type { StaffRole } from '@openhall/shared';
import { useEffect, type ReactNode } from 'react';
import { logoutStaff, type StaffProfile } from '../../api/staff';
import PageShell from '../../components/page-shell';
import { useStaffDeskScale } from './staff-desk';
import { setLiveSound, useStaffLive } from './staff-live';
import StaffSearchBox from './staff-search-box';
import {
  hasRole,
  STAFF_CALLBACKS_URL,
  STAFF_CONTENT_URL,
  STAFF_DASHBOARD_URL,
  STAFF_IMPORTS_URL,
  STAFF_INVOICES_URL,
  STAFF_LOGIN_URL,
  STAFF_OUTAGES_URL,
  STAFF_QUEUE_URL,
  STAFF_RECONCILIATION_URL,
  STAFF_SUSPENSIONS_URL,
  STAFF_SURVEYS_URL,
  staffRoleLabels,
} from './staff-session';
// Ticket rows and text areas look the same as on the subscriber's pages (the console is H5 only, so it may share them).
import '../tickets/tickets.scss';
import './staff.scss';

export interface StaffShellProps {
  /** Page id for browser tests. */
  id: string;
  profile: StaffProfile | null;
  title: string;
  /** Which console section the page belongs to (highlighted in the navigation). */
  section?: StaffSection;
  children?: ReactNode;
}

/** The console's sections, one navigation link each. */
export type StaffSection = 'queue' | 'callbacks' | 'suspensions' | 'outages' | 'invoices' | 'dashboard' | 'reconciliation' | 'imports' | 'content' | 'surveys';

// `role`: the least role the server lets use the section; a link the signed-in role cannot use is not shown.
const nav: readonly { key: StaffSection; title: string; url: string; role: StaffRole }[] = [
  { key: 'queue', title: '工单队列', url: STAFF_QUEUE_URL, role: 'agent' },
  { key: 'callbacks', title: '回访任务', url: STAFF_CALLBACKS_URL, role: 'agent' },
  { key: 'suspensions', title: '停机回访', url: STAFF_SUSPENSIONS_URL, role: 'agent' },
  { key: 'outages', title: '区域故障', url: STAFF_OUTAGES_URL, role: 'agent' },
  { key: 'invoices', title: '电子发票', url: STAFF_INVOICES_URL, role: 'agent' },
  { key: 'dashboard', title: '服务指标', url: STAFF_DASHBOARD_URL, role: 'supervisor' },
  { key: 'reconciliation', title: '对账', url: STAFF_RECONCILIATION_URL, role: 'supervisor' },
  { key: 'imports', title: '账单导入', url: STAFF_IMPORTS_URL, role: 'supervisor' },
  { key: 'surveys', title: '在线调查', url: STAFF_SURVEYS_URL, role: 'agent' },
  { key: 'content', title: '公示内容', url: STAFF_CONTENT_URL, role: 'admin' },
];

const liveStatusLabels = { live: '实时更新中', connecting: '实时更新连接中…', off: '' } as const;

/** The tab's title with the count of new tickets in front, `(3) …`, so a background tab shows it too. */
function useTitleBadge(count: number): void {
  useEffect(() => {
    if (typeof document === 'undefined') return;
    const plain = document.title.replace(/^\(\d+\) /, '');
    document.title = count > 0 ? `(${count}) ${plain}` : plain;
  }, [count]);
}

/**
 * The console frame: who is signed in, sign-out, the live connection (new tickets counted on the
 * queue's link and in the tab title, the optional sound), and a content column that widens on a desktop screen.
 */
export default function StaffShell({ id, profile, title, section = 'queue', children }: StaffShellProps) {
  useStaffDeskScale();
  const live = useStaffLive();
  const newCount = live.newTicketIds.size;
  useTitleBadge(profile ? newCount : 0);
  const signOut = async () => {
    await logoutStaff().catch(() => undefined);
    void Taro.redirectTo({ url: STAFF_LOGIN_URL });
  };
  return (
    <PageShell id={id}>
      <View className="staff">
        <View className="staff-bar">
          <View className="staff-bar__title">客服工作台 · {title}</View>
          {profile && <StaffSearchBox />}
          {profile && live.status !== 'off' && (
            <View className="staff-live" id="staff-live">
              <View id="staff-live-status" className={`staff-live__status staff-live__status--${live.status}`}>
                {liveStatusLabels[live.status]}
              </View>
              <View
                id="staff-live-sound"
                className="staff-live__sound"
                role="switch"
                aria-label="新工单提示音"
                aria-checked={live.sound}
                onClick={() => setLiveSound(!live.sound)}
              >
                {live.sound ? '新工单提示音：开' : '新工单提示音：关'}
              </View>
            </View>
          )}
          {profile && (
            <View className="staff-bar__who" id="staff-who">
              {profile.name}（工号 {profile.jobNo}，{staffRoleLabels[profile.role]}）
              <View className="staff-bar__logout" id="staff-logout" onClick={() => void signOut()}>
                退出
              </View>
            </View>
          )}
        </View>
        <View className="staff-nav">
          {nav.filter((n) => hasRole(profile, n.role)).map((n) => (
            <View key={n.url} id={`staff-nav-${n.key}`} className={`staff-nav__item${n.key === section ? ' staff-nav__item--on' : ''}`} onClick={() => void Taro.redirectTo({ url: n.url })}>
              {n.title}
              {n.key === 'queue' && newCount > 0 && (
                <View id="staff-new-badge" className="staff-nav__badge" aria-label={`新工单 ${newCount} 张`}>
                  {newCount}
                </View>
              )}
            </View>
          ))}
        </View>
        {children}
      </View>
    </PageShell>
  );
}
