import type { IncomingMessage } from 'node:http';
import { AppError } from '../../http/errors';

/** Room for the multipart framing around the file: boundaries, part headers, other small fields. */
const FRAMING_ALLOWANCE = 64 * 1024;

/** The one file a multipart/form-data request carried. */
export interface ReceivedFile {
  bytes: Buffer;
  /** As the client named it; for logs only, never trusted for the type. */
  filename: string | null;
}

function tooLarge(maxBytes: number): AppError {
  return new AppError('PAYLOAD_TOO_LARGE', 413, `照片不能超过 ${Math.floor(maxBytes / 1024 / 1024 * 10) / 10} MB，请压缩后重新上传`, { maxBytes });
}

/**
 * Reads the `file` field of a multipart/form-data request — what `Taro.uploadFile` (wx.uploadFile)
 * and a browser's FormData send — refusing anything larger than `maxBytes` as soon as it is known:
 * from Content-Length before reading, or while reading when the length is not declared.
 */
export async function readMultipartFile(req: IncomingMessage, maxBytes: number, field = 'file'): Promise<ReceivedFile> {
  const contentType = req.headers['content-type'] ?? '';
  const boundary = multipartBoundary(contentType);
  if (!boundary) {
    throw new AppError('UNSUPPORTED_MEDIA_TYPE', 415, `请以 multipart/form-data 上传照片（字段名 ${field}）`);
  }
  const limit = maxBytes + FRAMING_ALLOWANCE;
  const declared = Number(req.headers['content-length'] ?? NaN);
  if (Number.isFinite(declared) && declared > limit) throw tooLarge(maxBytes);
  const body = await readLimited(req, limit, maxBytes);
  const file = findPart(body, boundary, field);
  if (!file) throw new AppError('VALIDATION_FAILED', 400, `请求中没有名为 ${field} 的文件`, [{ path: `body.${field}`, message: '缺少文件' }]);
  if (file.bytes.length === 0) throw new AppError('VALIDATION_FAILED', 400, '上传的文件是空的', [{ path: `body.${field}`, message: '空文件' }]);
  if (file.bytes.length > maxBytes) throw tooLarge(maxBytes);
  return file;
}

function readLimited(req: IncomingMessage, limit: number, maxBytes: number): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    let done = false;
    const finish = (err: Error | null, value?: Buffer) => {
      if (done) return;
      done = true;
      req.off('data', onData);
      if (err) {
        // Stop reading; the rest of the body is drained and dropped so the answer can still be sent.
        req.resume();
        reject(err);
      } else resolve(value!);
    };
    const onData = (chunk: Buffer) => {
      size += chunk.length;
      if (size > limit) finish(tooLarge(maxBytes));
      else chunks.push(chunk);
    };
    req.on('data', onData);
    req.on('end', () => finish(null, Buffer.concat(chunks)));
    req.on('error', (err) => finish(err));
    req.on('aborted', () => finish(new AppError('VALIDATION_FAILED', 400, '上传中断，请重试')));
  });
}

/** One part of a multipart/form-data body. */
export interface MultipartPart {
  name: string;
  filename: string | null;
  contentType: string | null;
  bytes: Buffer;
}

/** The boundary a multipart/form-data Content-Type declares, or null when it is not one. */
export function multipartBoundary(contentType: string): string | null {
  const m = /^multipart\/form-data\s*;.*?boundary=(?:"([^"]+)"|([^\s;]+))/i.exec(contentType);
  return m ? (m[1] ?? m[2]) : null;
}

/** Every part of a multipart body (RFC 7578), in order; stops at the closing delimiter or where the body breaks off. */
export function multipartParts(body: Buffer, boundary: string): MultipartPart[] {
  const parts: MultipartPart[] = [];
  const delimiter = Buffer.from(`--${boundary}`);
  let pos = body.indexOf(delimiter);
  while (pos !== -1) {
    let start = pos + delimiter.length;
    if (body.subarray(start, start + 2).toString() === '--') break; // the closing delimiter
    if (body.subarray(start, start + 2).toString() === '\r\n') start += 2;
    const next = body.indexOf(Buffer.from(`\r\n--${boundary}`), start);
    if (next === -1) break;
    const headerEnd = body.indexOf('\r\n\r\n', start);
    if (headerEnd !== -1 && headerEnd < next) {
      const headers = body.subarray(start, headerEnd).toString('utf8');
      const disposition = /^content-disposition:\s*form-data\s*;(.*)$/im.exec(headers)?.[1] ?? '';
      const name = /(?:^|;)\s*name="([^"]*)"/i.exec(disposition)?.[1];
      if (name !== undefined) {
        parts.push({
          name,
          filename: /filename="([^"]*)"/i.exec(disposition)?.[1] ?? null,
          contentType: /^content-type:\s*([^\r\n]+)$/im.exec(headers)?.[1]?.trim() ?? null,
          bytes: body.subarray(headerEnd + 4, next),
        });
      }
    }
    pos = next + 2;
  }
  return parts;
}

/** The named file part of a multipart body, or null. */
function findPart(body: Buffer, boundary: string, field: string): ReceivedFile | null {
  const part = multipartParts(body, boundary).find((p) => p.name === field);
  return part ? { bytes: part.bytes, filename: part.filename } : null;
}
