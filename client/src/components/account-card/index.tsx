import { View } from '@tarojs/components';
import Taro from '@tarojs/taro';
import { formatYuan, type AccountView, type PrepaidView } from '@openhall/shared';
import type { ReactNode } from 'react';
import { serviceTypeLabels } from '../../lib/labels';
import { formatBalance, PREPAID_PAGE, topUpUrl } from '../../lib/prepaid';
import './index.scss';
import Button from '../button';

export interface AccountCardProps {
  account: AccountView;
  /** Buttons under the card (set default, unbind). */
  actions?: ReactNode;
  /** Show the balance and package expiry too (the "me" page shows less). */
  showDue?: boolean;
  /**
   * The account's prepaid view when it is a prepaid account: the card then shows its balance (or
   * arrears and suspension) with 充值 and the balance page, instead of bills owed.
   */
  prepaid?: PrepaidView;
}

/** A prepaid account's balance, and the ways to its balance page and to topping up. */
function PrepaidDue({ account, prepaid }: { account: AccountView; prepaid: PrepaidView }) {
  const owes = prepaid.arrearsFen > 0;
  return (
    <>
      <View className="account-card__due">
        <View className="account-card__due-label">
          {owes ? '已欠费' : '账户余额'}
          {prepaid.status === 'suspended' ? ' · 已停机' : ''}
        </View>
        <View className={`account-card__amount${owes ? ' account-card__amount--owed' : ''}`}>{formatBalance(prepaid.balanceFen)}</View>
      </View>
      {prepaid.lowBalance.below && !owes && <View className="account-card__low">余额低于提醒金额 {formatYuan(prepaid.lowBalance.thresholdFen)}，请及时充值</View>}
      <View className="account-card__prepaid">
        <View className="account-card__link" id={`account-${account.accountNo}-balance`} onClick={() => void Taro.navigateTo({ url: `${PREPAID_PAGE}?id=${account.id}` })}>
          余额明细 ›
        </View>
        {prepaid.status !== 'closed' && (
          <Button
            className="btn-primary account-card__topup"
            id={`account-${account.accountNo}-topup`}
            size="mini"
            onClick={() => void Taro.navigateTo({ url: topUpUrl(account.id, prepaid) })}
          >
            充值
          </Button>
        )}
      </View>
    </>
  );
}

/** One bound account (户号): masked holder, address, and what is owed in yuan (a prepaid one: its balance). */
export default function AccountCard({ account, actions, showDue = true, prepaid }: AccountCardProps) {
  const owes = account.amountDueFen > 0;
  return (
    <View className="account-card" id={`account-${account.accountNo}`}>
      <View className="account-card__head">
        <View className="account-card__type">{serviceTypeLabels[account.serviceType]}</View>
        <View className="account-card__no">户号 {account.accountNo}</View>
        {prepaid && <View className="account-card__type account-card__type--prepaid">预付费</View>}
        {account.isDefault && <View className="account-card__default">默认</View>}
      </View>
      <View className="account-card__holder">
        户主 <View className="account-card__name">{account.holderNameMasked}</View>
      </View>
      <View className="account-card__address">{account.address}</View>
      {showDue && prepaid && <PrepaidDue account={account} prepaid={prepaid} />}
      {showDue && !prepaid && (
        <View className="account-card__due">
          <View className="account-card__due-label">{owes ? `待缴（${account.unpaidBills} 笔）` : '当前无欠费'}</View>
          <View className={`account-card__amount${owes ? ' account-card__amount--owed' : ''}`}>{formatYuan(account.amountDueFen)}</View>
        </View>
      )}
      {showDue && !prepaid && account.balanceFen > 0 && <View className="account-card__balance">账户余额 {formatYuan(account.balanceFen)}</View>}
      {showDue && account.subscriptionExpiresOn && (
        <View className="account-card__expiry">套餐到期 {account.subscriptionExpiresOn}</View>
      )}
      {actions && <View className="account-card__actions">{actions}</View>}
    </View>
  );
}
