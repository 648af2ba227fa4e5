import { readFileSync } from 'node:fs';
import path from 'node:path';
import PDFDocument from 'pdfkit';
import QRCode from 'qrcode';
import { fenToChineseCapital, fenToYuan } from '@openhall/shared';
import type { EinvoiceIssueRequest } from '../../integrations/einvoice/einvoice.protocol';

/**
 * Renders an electronic invoice (电子发票（普通发票）) as a PDF, laid out like the national e-invoice
 * (数电票): the QR code, number and date; buyer and seller; the lines with quantity, net unit price,
 * net amount, rate and tax; 合计; 价税合计 in capitals and in figures; 备注 and 开票人. A red-letter
 * invoice (红字) prints the same with its negative amounts. The CJK text is set in Noto Sans Hans,
 * which comes from npm (@embedpdf/fonts-sc) and is embedded as a subset of the characters used, so
 * the PDF reads the same on any machine, with or without Chinese fonts.
 */

let fontBytes: Buffer | null = null;

/** The font file, read once per process (8 MB; only the glyphs used go into each PDF). */
function cjkFont(): Buffer {
  if (!fontBytes) {
    const pkg = path.dirname(require.resolve('@embedpdf/fonts-sc'));
    fontBytes = readFileSync(path.join(pkg, '..', 'fonts', 'NotoSansHans-Regular.otf'));
  }
  return fontBytes;
}

/** What is printed besides the request itself. */
export interface InvoicePrint {
  invoiceNo: string;
  issuedAt: Date;
  /** For a red-letter invoice: the blue one's number. */
  reversesInvoiceNo?: string | null;
}

/** 2026年12月04日 in Beijing time. */
function chineseDate(at: Date): string {
  const d = new Date(at.getTime() + 8 * 3_600_000).toISOString();
  return `${d.slice(0, 4)}年${d.slice(5, 7)}月${d.slice(8, 10)}日`;
}

/** The text the national platform puts in an invoice's QR code: version, type, number, net amount, date, check. */
export function invoiceQrText(invoiceNo: string, netFen: number, issuedAt: Date): string {
  const ymd = new Date(issuedAt.getTime() + 8 * 3_600_000).toISOString().slice(0, 10).replace(/-/g, '');
  return `01,32,,${invoiceNo},${fenToYuan(netFen)},${ymd},,${invoiceNo.slice(-6)}`;
}

const BROWN = '#9c5a2c';
const INK = '#1a1a1a';
const COLUMNS: { title: string; width: number; align: 'left' | 'right' | 'center' }[] = [
  { title: '项目名称', width: 176, align: 'left' },
  { title: '规格型号', width: 48, align: 'center' },
  { title: '单位', width: 40, align: 'center' },
  { title: '数量', width: 48, align: 'right' },
  { title: '单价', width: 78, align: 'right' },
  { title: '金额', width: 88, align: 'right' },
  { title: '税率/征收率', width: 62, align: 'center' },
  { title: '税额', width: 100, align: 'right' },
];

/** Renders the invoice; resolves with the PDF's bytes. */
export async function renderInvoicePdf(request: EinvoiceIssueRequest, print: InvoicePrint): Promise<Buffer> {
  const width = 680;
  const margin = 20;
  const rowH = 16;
  const inner = width - 2 * margin;
  const tableTop = 172;
  const height = tableTop + rowH * (request.lines.length + 2) + 140;
  const doc = new PDFDocument({
    size: [width, height],
    margin: 0,
    info: { Title: `电子发票 ${print.invoiceNo}`, Author: request.seller.name, Subject: request.kind === 'red' ? '红字发票' : '电子发票（普通发票）' },
  });
  const chunks: Buffer[] = [];
  const done = new Promise<Buffer>((resolve, reject) => {
    doc.on('data', (c: Buffer) => chunks.push(c));
    doc.on('end', () => resolve(Buffer.concat(chunks)));
    doc.on('error', reject);
  });
  doc.registerFont('cjk', cjkFont());
  doc.font('cjk');
  /** A label set vertically, one character under another, as the invoice's side columns are. */
  const vertical = (label: string, x: number, y: number, h: number) => {
    const step = 10;
    const top = y + (h - label.length * step) / 2;
    Array.from(label).forEach((c, i) => text(c, x, top + i * step, 12, { size: 8, color: BROWN, align: 'center' }));
  };
  const text = (s: string, x: number, y: number, w: number, opts: { size?: number; align?: 'left' | 'right' | 'center'; color?: string } = {}) => {
    doc
      .fontSize(opts.size ?? 9)
      .fillColor(opts.color ?? INK)
      .text(s, x, y, { width: w, align: opts.align ?? 'left', lineBreak: false, ellipsis: true, height: (opts.size ?? 9) + 4 });
  };

  // QR code, top left: drawn as squares, no image library needed.
  const qr = QRCode.create(invoiceQrText(print.invoiceNo, request.netFen, print.issuedAt), { errorCorrectionLevel: 'M' });
  const cells = qr.modules.size;
  const cell = 76 / cells;
  for (let y = 0; y < cells; y++) for (let x = 0; x < cells; x++) if (qr.modules.get(x, y)) doc.rect(margin + x * cell, margin + y * cell, cell, cell);
  doc.fillColor('#000').fill();

  // Title and number.
  const title = request.kind === 'red' ? '电子发票（普通发票）（红字）' : '电子发票（普通发票）';
  // Between the QR code and the number block.
  text(title, margin + 90, 30, inner - 300, { size: request.kind === 'red' ? 17 : 20, align: 'center', color: request.kind === 'red' ? '#c0392b' : BROWN });
  doc.moveTo(margin + 90 + (inner - 300) / 2 - 110, 60).lineTo(margin + 90 + (inner - 300) / 2 + 110, 60).lineWidth(1).strokeColor(BROWN).stroke();
  doc.moveTo(margin + 90 + (inner - 300) / 2 - 110, 63).lineTo(margin + 90 + (inner - 300) / 2 + 110, 63).stroke();
  text(`发票号码：${print.invoiceNo}`, width - margin - 200, 30, 200, { size: 9 });
  text(`开票日期：${chineseDate(print.issuedAt)}`, width - margin - 200, 46, 200, { size: 9 });

  // Buyer and seller.
  const partyTop = 100;
  const partyH = 46;
  doc.lineWidth(0.8).strokeColor(BROWN).rect(margin, partyTop, inner, partyH).stroke();
  doc.moveTo(margin + inner / 2, partyTop).lineTo(margin + inner / 2, partyTop + partyH).stroke();
  const party = (label: string, x: number, name: string, taxNo: string | null) => {
    doc.rect(x, partyTop, 18, partyH).stroke();
    vertical(label, x + 3, partyTop, partyH);
    text(`名称：${name}`, x + 24, partyTop + 8, inner / 2 - 30, { size: 9 });
    text(`统一社会信用代码/纳税人识别号：${taxNo ?? ''}`, x + 24, partyTop + 26, inner / 2 - 30, { size: 9 });
  };
  party('购买方', margin, request.buyer.name, request.buyer.taxNo);
  party('销售方', margin + inner / 2, request.seller.name, request.seller.taxNo);

  // The lines.
  const headerY = tableTop - rowH;
  let x = margin;
  for (const c of COLUMNS) {
    text(c.title, x + 2, headerY + 3, c.width - 4, { size: 8.5, align: 'center', color: BROWN });
    x += c.width;
  }
  let y = tableTop;
  for (const l of request.lines) {
    const cellsText = [l.name, '', l.unit ?? '', l.quantity === null ? '' : String(l.quantity), l.unitPrice ?? '', fenToYuan(l.netFen), l.rateText, fenToYuan(l.taxFen)];
    x = margin;
    COLUMNS.forEach((c, i) => {
      text(cellsText[i], x + 3, y + 3, c.width - 6, { size: 8.5, align: c.align });
      x += c.width;
    });
    y += rowH;
  }
  // 合计.
  y += 4;
  text('合　　计', margin + 3, y + 3, COLUMNS[0].width, { size: 9, align: 'center' });
  const netX = margin + COLUMNS.slice(0, 5).reduce((s, c) => s + c.width, 0);
  text(`¥${fenToYuan(request.netFen)}`, netX + 3, y + 3, COLUMNS[5].width - 6, { size: 9, align: 'right' });
  const taxX = netX + COLUMNS[5].width + COLUMNS[6].width;
  text(`¥${fenToYuan(request.taxFen)}`, taxX + 3, y + 3, COLUMNS[7].width - 6, { size: 9, align: 'right' });
  y += rowH + 4;
  doc.lineWidth(0.8).strokeColor(BROWN).rect(margin, headerY, inner, y - headerY).stroke();

  // 价税合计.
  doc.rect(margin, y, inner, 22).stroke();
  text('价税合计（大写）', margin + 6, y + 6, 90, { size: 9, color: BROWN });
  text(`⊗${fenToChineseCapital(request.totalFen)}`, margin + 100, y + 6, 330, { size: 9.5 });
  text('（小写）', margin + 440, y + 6, 50, { size: 9, color: BROWN });
  text(`¥${fenToYuan(request.totalFen)}`, margin + 490, y + 6, inner - 496, { size: 9.5 });
  y += 22;

  // 备注.
  const remark = print.reversesInvoiceNo ? `被红冲蓝字发票号码：${print.reversesInvoiceNo}\u3000${request.remark}` : request.remark;
  doc.rect(margin, y, inner, 40).stroke();
  doc.rect(margin, y, 18, 40).stroke();
  vertical('备注', margin + 3, y, 40);
  doc
    .fontSize(8.5)
    .fillColor(INK)
    .text(remark, margin + 24, y + 6, { width: inner - 30, height: 32, ellipsis: true });
  y += 48;
  text(`开票人：${request.issuer}`, margin + 6, y, 200, { size: 9 });
  text(`销售方地址、电话：${request.seller.address} ${request.seller.phone}\u3000开户行及账号：${request.seller.bank} ${request.seller.bankAccount}`, margin + 6, y + 16, inner - 12, { size: 8 });

  doc.end();
  return done;
}
