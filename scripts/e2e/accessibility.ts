import type { Page } from 'playwright-core';

/**
 * What a page must give everyone (issue 23): tap targets of at least 44 × 44 CSS px (buttons, chips,
 * checkboxes, tabs, call / navigate; 24 × 24 on the staff console's desk pages), a programmatic label on every input and switch, and text
 * contrast of at least 4.5:1 (3:1 for large text: 24 px, or 18.66 px bold). Measured in the browser
 * on the page as it shows; each problem names the element (its id, else its classes, and its text).
 */
export interface AccessibilityProblem {
  rule: 'target-size' | 'label' | 'contrast';
  element: string;
  detail: string;
}

/** The DOM the page-side function touches (scripts compile with Node-only types). */
interface El {
  tagName: string;
  id: string;
  className: unknown;
  textContent: string | null;
  parentElement: El | null;
  childNodes: ArrayLike<{ nodeType: number; textContent: string | null }>;
  getAttribute(name: string): string | null;
  getBoundingClientRect(): { width: number; height: number; top: number; bottom: number };
  closest(selector: string): El | null;
  querySelectorAll(selector: string): ArrayLike<El>;
}
interface Win {
  document: { querySelectorAll(selector: string): ArrayLike<El>; getElementById(id: string): El | null };
  getComputedStyle(el: El): Record<string, string>;
  innerHeight: number;
}

/** Where to look, and the smallest tap target allowed there in CSS px. */
interface CheckOptions {
  scope: string;
  minTarget: number;
}

function pageCheck({ scope, minTarget }: CheckOptions): AccessibilityProblem[] {
  const w = globalThis as unknown as Win;
  const problems: AccessibilityProblem[] = [];
  const all = (sel: string) => Array.from(w.document.querySelectorAll(`${scope} ${sel}`));
  const shown = (el: El) => {
    const r = el.getBoundingClientRect();
    if (r.width === 0 || r.height === 0) return false;
    for (let e: El | null = el; e; e = e.parentElement) {
      const s = w.getComputedStyle(e);
      if (s.display === 'none' || s.visibility === 'hidden' || s.opacity === '0') return false;
    }
    return true;
  };
  const name = (el: El) => {
    const cls = typeof el.className === 'string' ? el.className.trim().split(/\s+/).slice(0, 2).join('.') : '';
    const text = (el.textContent ?? '').trim().replace(/\s+/g, ' ').slice(0, 24);
    return `${el.tagName.toLowerCase()}${el.id ? `#${el.id}` : cls ? `.${cls}` : ''}${text ? ` "${text}"` : ''}`;
  };

  // Tap targets: anything a finger is meant to hit.
  const targets = new Set<El>();
  for (const sel of ['taro-button-core', 'button', 'a[href]', '[role="checkbox"]', '[role="radio"]', '[role="switch"]', '[role="tab"]', 'taro-switch-core', 'taro-checkbox-core', '.chips__item', '.bill-row__check'])
    for (const el of all(sel)) targets.add(el);
  for (const el of targets) {
    if (!shown(el)) continue;
    // Disabled ones are not targets (WCAG 2.5.8 counts what can be activated).
    if (el.getAttribute('disabled') === '' || el.getAttribute('disabled') === 'true' || el.getAttribute('aria-disabled') === 'true') continue;
    const r = el.getBoundingClientRect();
    if (r.width < minTarget - 0.5 || r.height < minTarget - 0.5) {
      problems.push({ rule: 'target-size', element: name(el), detail: `${Math.round(r.width)}×${Math.round(r.height)} px, under ${minTarget}×${minTarget}` });
    }
  }

  // Labels: every input, text area and switch has a name a screen reader can read.
  const labelled = (el: El) => {
    if ((el.getAttribute('aria-label') ?? '').trim()) return true;
    const by = el.getAttribute('aria-labelledby');
    if (by && by.split(/\s+/).some((id) => (w.document.getElementById(id)?.textContent ?? '').trim())) return true;
    if ((el.getAttribute('title') ?? '').trim()) return true;
    if (el.closest('label')) return true;
    return el.id !== '' && Array.from(w.document.querySelectorAll(`label[for="${el.id}"]`)).length > 0;
  };
  for (const el of all('input:not([type="hidden"]), textarea, select, [role="switch"], [role="checkbox"], taro-switch-core, taro-checkbox-core')) {
    if (!shown(el) || labelled(el)) continue;
    // Taro's H5 Input/Textarea wrap the real element: a label on the wrapper is carried in by the component.
    const host = el.closest('taro-input-core, taro-textarea-core, taro-switch-core');
    if (host && host !== el && labelled(host)) continue;
    problems.push({ rule: 'label', element: name(host ?? el), detail: 'no programmatic label (aria-label, aria-labelledby or <label>)' });
  }

  // Contrast: text against the first solid background behind it (gradients and images are skipped).
  const rgb = (c: string) => (c.match(/[\d.]+/g) ?? []).map(Number);
  const lum = ([r, g, b]: number[]) => {
    const ch = (v: number) => {
      const s = v / 255;
      return s <= 0.03928 ? s / 12.92 : ((s + 0.055) / 1.055) ** 2.4;
    };
    return 0.2126 * ch(r) + 0.7152 * ch(g) + 0.0722 * ch(b);
  };
  for (const el of all('*')) {
    const ownText = Array.from(el.childNodes).some((n) => n.nodeType === 3 && (n.textContent ?? '').trim() !== '');
    if (!ownText || !shown(el)) continue;
    if (el.closest('[aria-disabled="true"], [disabled]')) continue;
    const s = w.getComputedStyle(el);
    const fg = rgb(s.color);
    let bg: number[] | null = null;
    for (let e: El | null = el; e; e = e.parentElement) {
      const es = w.getComputedStyle(e);
      if (es.backgroundImage && es.backgroundImage !== 'none') break;
      const c = rgb(es.backgroundColor);
      if (c.length >= 3 && (c.length < 4 || c[3] >= 0.99)) {
        bg = c;
        break;
      }
      // A see-through layer (a toast's dark veil) over whatever is behind: not measurable here.
      if (c.length >= 4 && c[3] > 0.05) break;
    }
    if (!bg) continue;
    const [l1, l2] = [lum(fg), lum(bg)].sort((a, b) => b - a);
    const ratio = (l1 + 0.05) / (l2 + 0.05);
    const size = parseFloat(s.fontSize);
    const large = size >= 24 || (size >= 18.66 && Number(s.fontWeight) >= 700);
    const need = large ? 3 : 4.5;
    if (ratio < need - 0.005) problems.push({ rule: 'contrast', element: name(el), detail: `${ratio.toFixed(2)}:1 (${s.color} on rgb(${bg.slice(0, 3).join(', ')})), under ${need}:1` });
  }
  return problems;
}

/**
 * The problems on the page showing now (Taro keeps hidden pages in the document: only the visible one
 * counts). Subscriber pages are for fingers: 44 px targets. The staff console is a desk tool used with
 * a mouse and keyboard: WCAG 2.2's 24 px minimum (2.5.8) there, labels and contrast the same.
 */
export async function accessibilityProblems(page: Page): Promise<AccessibilityProblem[]> {
  const desk = /\/pages\/staff\//.test(page.url());
  // tsx (esbuild) names the check's inner functions with a `__name` helper the page does not have.
  await page.evaluate(() => {
    const g = globalThis as unknown as { __name?: (f: unknown) => unknown };
    g.__name ??= (f: unknown) => f;
  });
  return page.evaluate(pageCheck, { scope: 'body', minTarget: desk ? 24 : 44 });
}
