import { Text, View } from '@tarojs/components';
import type { BillingImportView, ImportStatus } from '@openhall/shared';
import { useEffect, useRef, useState } from 'react';
import { downloadBillingTemplate, downloadRejectedRows, getBillingImport, listBillingImports, uploadBillingCsv } from '../../../api/staff';
import Section from '../../../components/section';
import StateView from '../../../components/state-view';
import { formatDateTime } from '../../../lib/labels';
import { useAsync } from '../../../lib/use-async';
import FilePicker from '../../../platform/file-picker';
import type { PickedFile } from '../../../platform/types';
import StaffShell from '../staff-shell';
import { staffErrorText } from '../staff-forms';
import { hasRole, useStaffProfile } from '../staff-session';
import Button from '../../../components/button';

/** How often an import being applied is asked for its progress. */
export const IMPORT_POLL_MS = 1_000;

const statusLabels: Record<ImportStatus, string> = { queued: '排队中', running: '导入中', done: '已完成', failed: '已中止' };
const sourceLabels: Record<BillingImportView['source'], string> = { csv: 'CSV 上传', api: '营收系统接口' };

const finished = (v: BillingImportView) => v.status === 'done' || v.status === 'failed';
/** Rows refused that can be given back: those of a CSV upload, once it is no longer being applied. */
const hasRejectedRows = (v: BillingImportView) => v.source === 'csv' && finished(v) && v.rejected > 0;

/** Share of the batch applied, 0–100. */
function percentOf(v: BillingImportView): number {
  if (v.status === 'done') return 100;
  return v.bytes > 0 ? Math.min(100, Math.floor((v.processedBytes * 100) / v.bytes)) : 0;
}

function sizeText(bytes: number): string {
  if (bytes < 1024) return `${bytes} B`;
  if (bytes < 1024 * 1024) return `${(bytes / 1024).toFixed(1)} KB`;
  return `${(bytes / 1024 / 1024).toFixed(1)} MB`;
}

/** Billing data import (supervisors): a CSV exported from Excel, followed while it is applied, its refused rows given back. */
export default function StaffImportsPage() {
  const profile = useStaffProfile();
  // An agent who opens the page by its address is told so, without asking the server.
  if (!profile || !hasRole(profile, 'supervisor')) {
    return (
      <StaffShell id="page-staff-imports" profile={profile} title="账单导入" section="imports">
        {profile && (
          <Section title="账单导入">
            <View className="muted" id="imports-forbidden">
              账单数据导入仅班长和管理员可以使用。
            </View>
          </Section>
        )}
      </StaffShell>
    );
  }
  return <Imports />;
}

function Imports() {
  const imports = useAsync(listBillingImports, [], { refreshOnShow: true });
  const profile = useStaffProfile(imports.error);
  const [file, setFile] = useState<PickedFile | null>(null);
  const [current, setCurrent] = useState<BillingImportView | null>(null);
  const [error, setError] = useState('');
  const [busy, setBusy] = useState(false);
  /** Bumped to ask again after a failed poll. */
  const [retry, setRetry] = useState(0);

  // The import just uploaded, asked for its progress every second until it is no longer applied.
  const reloadList = useRef(imports.reload);
  reloadList.current = imports.reload;
  useEffect(() => {
    if (!current || finished(current)) return;
    let alive = true;
    const timer = setTimeout(() => {
      getBillingImport(current.id).then(
        (next) => {
          if (!alive) return;
          setError('');
          setCurrent(next);
          if (finished(next)) void reloadList.current();
        },
        (err: unknown) => {
          if (!alive) return;
          setError(staffErrorText(err));
          setRetry((n) => n + 1);
        },
      );
    }, IMPORT_POLL_MS);
    return () => {
      alive = false;
      clearTimeout(timer);
    };
  }, [current, retry]);

  const pick = (picked: PickedFile) => {
    setError('');
    if (!/\.csv$/i.test(picked.name)) {
      setFile(null);
      setError('请选择 CSV 文件：在 Excel 中“另存为”，保存类型选“CSV (逗号分隔)”或“CSV UTF-8”');
      return;
    }
    if (picked.size === 0) {
      setFile(null);
      setError('所选文件是空的');
      return;
    }
    setFile(picked);
  };

  const upload = async () => {
    if (!file) return;
    setError('');
    setBusy(true);
    try {
      const view = await uploadBillingCsv(file);
      setCurrent(view);
      setFile(null);
      void imports.reload();
    } catch (err) {
      setError(staffErrorText(err));
    } finally {
      setBusy(false);
    }
  };

  const download = (work: () => Promise<void>) => {
    setError('');
    work().catch((err: unknown) => setError(staffErrorText(err)));
  };

  const list = imports.data ?? [];
  return (
    <StaffShell id="page-staff-imports" profile={profile} title="账单导入" section="imports">
      <Section
        title="导入账单数据（CSV）"
        extra={
          <Button id="imports-template" className="btn-plain" size="mini" onClick={() => download(downloadBillingTemplate)}>
            下载模板
          </Button>
        }
      >
        <View className="muted imports-help">
          第一行为表头（中文列名或英文键均可，见模板）；每张账单的费用明细紧跟在账单行之后，记录类型填 line、编号同账单。Excel 的“CSV
          (逗号分隔)”（GBK）和“CSV UTF-8”都可以直接上传。同一记录按编号和版本导入，重复上传不会重复入账。
        </View>
        <View className="imports-upload">
          <FilePicker id="imports-file" extensions={['csv']} label="选择 CSV 文件" disabled={busy} onPick={pick} />
          {file && (
            <View id="imports-file-chosen" className="imports-upload__chosen">
              {file.name}（{sizeText(file.size)}）
            </View>
          )}
          <Button id="imports-upload" className="btn-primary" size="mini" loading={busy} disabled={!file || busy} onClick={() => void upload()}>
            上传并导入
          </Button>
        </View>
        {error && (
          <View id="imports-error" className="field__error">
            {error}
          </View>
        )}
        {current && <ImportProgress view={current} onDownload={() => download(() => downloadRejectedRows(current))} />}
      </Section>

      <Section
        title="最近的导入"
        extra={
          <Button id="imports-refresh" className="btn-plain" size="mini" onClick={() => void imports.reload()}>
            刷新
          </Button>
        }
      >
        <StateView loading={imports.loading} error={imports.error} empty={list.length === 0} emptyText="还没有导入记录" onRetry={() => void imports.reload()}>
          {list.map((v) => (
            <View key={v.id} id={`import-${v.id}`} className={`queue-row import-row queue-row--${v.status === 'failed' ? 'breached' : v.status === 'done' ? 'ok' : 'due_soon'}`}>
              <View className="queue-row__main">
                <View className="queue-row__id">#{v.id}</View>
                <View className="import-row__name">{v.batchId}</View>
                <View className="muted">{sourceLabels[v.source]}</View>
                <View className={`tag ${v.status === 'done' ? 'tag--ok' : v.status === 'failed' ? 'tag--off' : ''}`}>{statusLabels[v.status]}</View>
              </View>
              <View className="import-row__counts">
                导入 {v.accepted} · 未变 {v.unchanged} · 未导入 {v.rejected}
                {!finished(v) && ` · ${percentOf(v)}%`}
              </View>
              <View className="muted">{formatDateTime(v.createdAt)}</View>
              {hasRejectedRows(v) && (
                <Button className="btn-plain import-row__rejected" size="mini" onClick={() => download(() => downloadRejectedRows(v))}>
                  下载未导入的行
                </Button>
              )}
            </View>
          ))}
        </StateView>
      </Section>
    </StaffShell>
  );
}

/** The import being followed: a progress bar, what became of its records, and its refused rows to download. */
function ImportProgress({ view: v, onDownload }: { view: BillingImportView; onDownload: () => void }) {
  const percent = percentOf(v);
  return (
    <View id="import-progress" className="import-progress" data-status={v.status}>
      <View className="import-progress__head">
        <View>
          #{v.id} {v.batchId}
        </View>
        <View id="import-progress-status" className={`tag ${v.status === 'done' ? 'tag--ok' : v.status === 'failed' ? 'tag--off' : ''}`}>
          {statusLabels[v.status]}
        </View>
      </View>
      <View className="staff-rate__track" role="progressbar" aria-valuenow={percent} aria-valuemin={0} aria-valuemax={100}>
        <View id="import-progress-fill" className="staff-rate__fill" style={{ width: `${percent}%` }} />
      </View>
      <View id="import-progress-text" className="muted">
        {percent}%（{sizeText(v.processedBytes)} / {sizeText(v.bytes)}）· 已读 {v.records} 条记录
      </View>
      <View className="import-counts">
        <View className="import-counts__item">
          导入 <Text id="import-accepted" className="import-counts__value">{v.accepted}</Text>
        </View>
        <View className="import-counts__item">
          未变 <Text id="import-unchanged" className="import-counts__value">{v.unchanged}</Text>
        </View>
        <View className="import-counts__item">
          未导入 <Text id="import-rejected" className="import-counts__value">{v.rejected}</Text>
        </View>
      </View>
      {v.status === 'failed' && v.error && <View className="field__error">导入中止：{v.error}</View>}
      {hasRejectedRows(v) && (
        <Button id="import-rejected-download" className="btn-plain" size="mini" onClick={onDownload}>
          下载未导入的行（含行号和原因）
        </Button>
      )}
    </View>
  );
}
