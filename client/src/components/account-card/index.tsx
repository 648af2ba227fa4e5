import { View } from '@tarojs/components';
import { formatYuan, type AccountView } from '@openhall/shared';
import type { ReactNode } from 'react';
import { serviceTypeLabels } from '../../lib/labels';
import './index.scss';

export interface AccountCardProps {
  account: AccountView;
  /** Buttons under the card (set default, unbind). */
  actions?: ReactNode;
  /** Show the balance and package expiry too (the "me" page shows less). */
  showDue?: boolean;
}

/** One bound account (户号): masked holder, address, and what is owed in yuan. */
export default function AccountCard({ account, actions, showDue = true }: AccountCardProps) {
  const owes = account.amountDueFen > 0;
  return (
    <View className="account-card" id={`account-${account.accountNo}`}>
      <View className="account-card__head">
        <View className="account-card__type">{serviceTypeLabels[account.serviceType]}</View>
        <View className="account-card__no">户号 {account.accountNo}</View>
        {account.isDefault && <View className="account-card__default">默认</View>}
      </View>
      <View className="account-card__holder">
        户主 <View className="account-card__name">{account.holderNameMasked}</View>
      </View>
      <View className="account-card__address">{account.address}</View>
      {showDue && (
        <View className="account-card__due">
          <View className="account-card__due-label">{owes ? `待缴（${account.unpaidBills} 笔）` : '当前无欠费'}</View>
          <View className={`account-card__amount${owes ? ' account-card__amount--owed' : ''}`}>{formatYuan(account.amountDueFen)}</View>
        </View>
      )}
      {showDue && account.balanceFen > 0 && <View className="account-card__balance">账户余额 {formatYuan(account.balanceFen)}</View>}
      {showDue && account.subscriptionExpiresOn && (
        <View className="account-card__expiry">套餐到期 {account.subscriptionExpiresOn}</View>
      )}
      {actions && <View className="account-card__actions">{actions}</View>}
    </View>
  );
}
