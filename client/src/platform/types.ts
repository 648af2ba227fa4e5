import type { NotificationPreferencesView, PaymentAction, PaymentChannel, PaymentReturnVia } from '@openhall/shared';

/** What pages need from the platform's sign-in, whatever the platform does underneath. */
export interface PlatformLogin {
  /** True when this platform signs in without asking (mini-program `Taro.login`). */
  readonly silent: boolean;
  /**
   * Makes sure there is a session. Mini-program: signs in silently when needed and answers true on
   * success. H5: answers whether a session exists (the user signs in on the login page).
   */
  ensureSignedIn(): Promise<boolean>;
  /** Starts an interactive sign-in: H5 opens the phone + SMS page; mini-program retries silently. */
  promptSignIn(): Promise<boolean>;
}

/** A payment channel this platform offers, as the subscriber chooses it. */
export interface PayChannelOption {
  channel: PaymentChannel;
  /** 支付宝 / 微信支付. */
  name: string;
}

/** What can pay on this platform as it runs. */
export interface PayOptions {
  /** The channels offered; the first is the default. Empty when nothing can pay here (see `notice`). */
  readonly channels: readonly PayChannelOption[];
  /**
   * Said instead of the channels when none works here, with how to pay: the H5 site inside WeChat's
   * browser without an official account (open the mini-program, or 在浏览器中打开).
   */
  readonly notice: string | null;
}

/**
 * What the platform's cashier did with an order. `left`: the browser went to the gateway's cashier
 * (or WeChat's OAuth) (H5), this page is going away. `returned`: the WeChat cashier (mini-program
 * `requestPayment`, WeixinJSBridge in WeChat's browser) closed after the user paid — only a hint,
 * the server's order status decides. `cancelled`: the user closed the cashier without paying, or it failed.
 */
export type PayLaunchOutcome = 'left' | 'returned' | 'cancelled';

/**
 * The order an H5 cashier (or the official account's OAuth) sent the browser back for, and how:
 * `via` as the server put it in the return address (null: Alipay's return after paying), and the
 * OAuth's `code` and `state` when back from it.
 */
export interface PayReturn {
  paymentId: number;
  via: PaymentReturnVia | null;
  oauth: { code: string; state: string } | null;
}

/** What pages need from the platform's payment, whatever the platform does underneath. */
export interface PlatformPay {
  /** What can pay here when that is known without asking the server; null while it must ask (H5 in WeChat's browser). */
  knownOptions(): PayOptions | null;
  /** What can pay here, asking the server once where needed (is an official account configured?). */
  loadOptions(): Promise<PayOptions>;
  /**
   * The `returnPath` to send when creating the order: where an H5 gateway cashier sends the browser
   * back to (the server adds `?paymentId=`). Undefined where no browser leaves the app.
   */
  returnPathFor(pagePath: string): string | undefined;
  /** Hands the server's pay action to the platform's cashier (a redirect, or WeChat's with the signed parameters). */
  launch(action: PaymentAction): Promise<PayLaunchOutcome>;
  /** The order a cashier or the OAuth sent the browser back for (H5, from the address), or null. */
  returned(): PayReturn | null;
  /** Takes the OAuth's one-use code out of the address, so a reload does not send it again. */
  forgetReturnCode(): void;
}

/** Props of the platform's receipt view (platform/receipt-view). */
export interface ReceiptViewProps {
  /** The receipt page as `GET /bills/:id/receipt` answered it. */
  html: string;
  /** Accessible name of the view. */
  title: string;
}

/**
 * What asking for WeChat subscribe-message consent came to. `recorded`: the user answered and the
 * server kept it (`accepted` of the templates asked). `none`: nothing to keep (no template asked,
 * or WeChat filtered them all). `explained`: this platform cannot subscribe; the user was told
 * notices come by SMS (H5). `blocked`: the user has switched subscribe messages off in WeChat.
 */
export type SubscribeOutcome =
  | { kind: 'recorded'; preferences: NotificationPreferencesView; accepted: number }
  | { kind: 'none' }
  | { kind: 'explained' }
  | { kind: 'blocked'; message: string };

/** What pages need to ask for notification consent, whatever the platform does underneath. */
export interface PlatformSubscribe {
  /** True where the user can subscribe to WeChat messages (mini-program). */
  readonly available: boolean;
  /** One line under the button: how notices reach the user on this platform. */
  readonly hint: string;
  /**
   * Mini-program: asks the user (`wx.requestSubscribeMessage`, at most 3 templates; must run from a
   * tap) and posts the answers to the server. H5: explains that notices come by SMS.
   */
  subscribe(tmplIds: readonly string[]): Promise<SubscribeOutcome>;
}

/**
 * What the user chose in the photo chooser (platform/photos). Everything empty: they closed it
 * without choosing. A file left out is counted here, so the picker can say why it is missing.
 */
export interface ChosenPhotos {
  /** Paths for an upload and an <Image>: temp files (mini-program) or blob: URLs (H5), at most the count asked. */
  paths: string[];
  /**
   * Each path's image format as its bytes say (HEIC, JPEG, …), for a picker that cannot draw it to say
   * what it is (H5). Absent where the platform does not tell (mini-program: WeChat hands over images it draws).
   */
  formats?: string[];
  /** Names of chosen files that are no image at all (a PDF, a text file named .png, an empty file): not in `paths`. */
  notImages: string[];
  /** Images chosen beyond the count asked (a browser's chooser does not stop at it): not in `paths`. */
  overLimit: number;
}

/** A file the user picked (platform/file-picker): its name, size, and the bytes to send as a request body. */
export interface PickedFile {
  name: string;
  /** Bytes. */
  size: number;
  /** H5: the browser's File (sent without being read into memory); mini-program: the file's bytes. */
  data: Blob | ArrayBuffer;
}

/** Props of the platform's file picker (platform/file-picker). */
export interface FilePickerProps {
  /** Element id for tests; the H5 picker's own `<input type="file">` is `${id}-input`. */
  id: string;
  /** File types offered, as extensions without the dot (`['csv']`). */
  extensions: readonly string[];
  /** What the control says before a file is picked. */
  label: string;
  disabled?: boolean;
  /** Called with each file picked. */
  onPick(file: PickedFile): void;
}

/** What a shared bill is sent on as: the pay page's path (with its token) and a line saying what it is. */
export interface ShareCard {
  /** `/pages/pay-for/share/index?token=…`. */
  path: string;
  /** 帮我代付水费 ¥84.00 and the like: the card's title (mini-program), the share text (H5). */
  title: string;
}

/** Props of the platform's share action (platform/share). */
export interface ShareBillActionProps {
  /** Element id; the parts are `${id}-link`, `${id}-copy`, `${id}-native` (H5) and `${id}-card` (mini-program). */
  id: string;
  /** Names the share to the page's share-card hook (`useShareCards`), which answers its card. */
  shareKey: string;
  card: ShareCard;
}

/** A title picked from the platform's own saved invoice titles (WeChat 发票抬头), to fill the form with. */
export interface PickedInvoiceTitle {
  kind: 'personal' | 'company';
  name: string;
  /** The company's unified social credit code as WeChat kept it ('' for a person). */
  taxNo: string;
}

/** What pages need to fill an invoice title from the platform, whatever the platform does underneath. */
export interface PlatformInvoiceTitles {
  /** True where the platform keeps the user's invoice titles (mini-program `chooseInvoiceTitle`). */
  readonly available: boolean;
  /**
   * Lets the user pick one of their saved titles (must run from a tap). Null when they closed the
   * picker; throws an Error whose message says what to do when they refused the permission.
   */
  choose(): Promise<PickedInvoiceTitle | null>;
}

/** Props of the platform's invoice PDF action (platform/invoice-pdf). */
export interface InvoicePdfProps {
  /** Element id of the link (H5) or button (mini-program). */
  id: string;
  /** The signed PDF link an invoice view gives (`/api/v1/invoice-files/…`, valid for an hour). */
  url: string;
  /** 电子发票_<number>.pdf. */
  fileName: string;
  /** What the action says: 下载发票 PDF, 下载红字发票 PDF. */
  label: string;
  /** A secondary action: drawn plain instead of primary. */
  plain?: boolean;
}
