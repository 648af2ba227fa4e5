import { View } from '@tarojs/components';
import Taro from '@tarojs/taro';
import { listHotlines } from '../../api/content';
import LinkRow from '../../components/link-row';
import PageShell from '../../components/page-shell';
import Section from '../../components/section';
import StateView from '../../components/state-view';
import { hotlineKindLabels } from '../../lib/labels';
import { PAY_FOR_PAGE, SHARES_PAGE } from '../../lib/pay-for';
import { SURVEY_LIST_PAGE } from '../../lib/surveys';
import { useAsync } from '../../lib/use-async';
import './index.scss';

const links = [
  { key: 'fees', title: '资费标准', desc: '水价、电视与宽带资费，材料价格', url: '/pages/info/fees/index' },
  { key: 'commitments', title: '服务承诺', desc: '维修、装机、投诉答复时限', url: '/pages/info/commitments/index' },
  { key: 'halls', title: '营业厅', desc: '离您最近的营业网点，营业时间与电话', url: '/pages/info/halls/index' },
  { key: 'guides', title: '办事指南', desc: '办理流程与所需材料', url: '/pages/info/guides/index' },
  { key: 'notices', title: '停服通知', desc: '计划停水、停网检修公告', url: '/pages/info/notices/index' },
  { key: 'hotlines', title: '服务热线', desc: '客服、报修、投诉、监督电话', url: '/pages/info/hotlines/index' },
];

export default function ServicesPage() {
  const hotlines = useAsync(listHotlines);
  const list = hotlines.data ?? [];
  return (
    <PageShell id="page-services">
      <Section title="缴费">
        <LinkRow className="services-link services-link--pay-for" title="帮他人缴费" desc="输入户号为家人、租户代缴，无需绑定" url={PAY_FOR_PAGE} />
        <LinkRow className="services-link services-link--shares" title="我分享的账单" desc="把待缴账单发给家人代付，查看付款情况" url={SHARES_PAGE} />
      </Section>
      <Section title="报修与投诉">
        <LinkRow className="services-link services-link--report" title="我要报修" desc="停水、无信号、断网等故障，在线报修" url="/pages/tickets/new/index?type=fault" />
        <LinkRow className="services-link services-link--complaint" title="投诉建议" desc="对服务不满意或有建议，3个工作日内答复" url="/pages/tickets/new/index?type=complaint" />
        <LinkRow className="services-link services-link--tickets" title="我的工单" desc="查看处理进度、承诺时限，催单与评价" url="/pages/tickets/list/index" />
        <LinkRow className="services-link services-link--surveys" title="在线调查" desc="参与满意度调查，帮助我们改进服务" url={SURVEY_LIST_PAGE} />
      </Section>
      <Section title="服务公示">
        {links.map((l) => (
          <LinkRow key={l.key} className={`services-link services-link--${l.key}`} title={l.title} desc={l.desc} url={l.url} />
        ))}
      </Section>
      <Section title="热线电话">
        <StateView loading={hotlines.loading} error={hotlines.error} empty={list.length === 0} emptyText="暂无热线信息" onRetry={() => void hotlines.reload()}>
          {list.map((h) => (
            <View key={h.id} className="services-hotline" onClick={() => void Taro.makePhoneCall({ phoneNumber: h.number })}>
              <View>
                <View>{h.name || hotlineKindLabels[h.kind]}</View>
                <View className="muted">{h.hours}</View>
              </View>
              <View className="services-hotline__number">{h.number}</View>
            </View>
          ))}
        </StateView>
      </Section>
    </PageShell>
  );
}
