import Taro from '@tarojs/taro';
import { useState } from 'react';
import { apiBase } from '../api/config';
import type { InvoicePdfProps } from './types';
import Button from '../components/button';

/**
 * Mini-program: downloads the PDF (`wx.downloadFile`; the API's domain must be among the
 * mini-program's downloadFile domains) and opens it in WeChat's document viewer
 * (`wx.openDocument`), whose menu saves or forwards it.
 */
export function InvoicePdf({ id, url, label, plain }: InvoicePdfProps) {
  const [busy, setBusy] = useState(false);
  const open = async () => {
    setBusy(true);
    try {
      const res = await Taro.downloadFile({ url: `${apiBase()}${url}` });
      // A link older than an hour answers 404: the page is reloaded for a fresh one.
      if (res.statusCode !== 200) throw new Error(res.statusCode === 404 ? '下载链接已过期，请下拉刷新后重试' : `下载失败（${res.statusCode}）`);
      await Taro.openDocument({ filePath: res.tempFilePath, fileType: 'pdf', showMenu: true });
    } catch (err) {
      const msg = err instanceof Error ? err.message : '下载失败，请检查网络后重试';
      void Taro.showToast({ title: msg, icon: 'none' });
    } finally {
      setBusy(false);
    }
  };
  return (
    <Button id={id} className={`invoice-pdf ${plain ? 'btn-plain' : 'btn-primary'}`} loading={busy} disabled={busy} onClick={() => void open()}>
      {label}
    </Button>
  );
}
