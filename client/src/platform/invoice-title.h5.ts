import type { PlatformInvoiceTitles } from './types';

/** H5: a browser keeps no invoice titles; the form offers the user's titles saved with OpenHall only. */
export const platformInvoiceTitles: PlatformInvoiceTitles = {
  available: false,
  async choose() {
    return null;
  },
};
