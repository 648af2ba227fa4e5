import { apiBase } from '../api/config';
import type { InvoicePdfProps } from './types';

/**
 * H5: a plain link to the invoice's PDF. The link is signed by the server and needs no sign-in, so
 * the browser opens it itself (its own PDF viewer, or a download on a phone that has none).
 */
export function InvoicePdf({ id, url, fileName, label, plain }: InvoicePdfProps) {
  return (
    <a id={id} className={`invoice-pdf ${plain ? 'btn-plain' : 'btn-primary'}`} href={`${apiBase()}${url}`} target="_blank" rel="noopener noreferrer" download={fileName}>
      {label}
    </a>
  );
}
