import { useEffect } from 'react';

/**
 * The class on <html> while a console page is shown (staff.scss gives it a fixed root font size).
 *
 * Why: every style in this client is written in px of a 750-px-wide phone design, which Taro's H5
 * build turns into rem, and the root font size comes from a script in index.html: 40 × (the smaller
 * of the window's width and height) / 750, capped at 40 px. On a phone that makes one design px
 * half a CSS px; on a desktop the cap applies and one design px is a whole CSS px, so the console's
 * text (28 design px) was 28 CSS px at 1366×800. Fixing the root at 20 px while a console page is
 * shown sizes the console like the phone design at its intended half scale (body text 14 px),
 * whatever the screen, and leaves the subscriber pages' scaling alone.
 */
export const STAFF_DESK_CLASS = 'staff-desk';

// Console pages stack (queue → ticket): the class stays while any of them is mounted.
let mounted = 0;

/** Applies the console's desk sizing while the calling page is mounted. */
export function useStaffDeskScale(): void {
  useEffect(() => {
    const root = typeof document === 'undefined' ? null : document.documentElement;
    if (!root) return undefined;
    mounted += 1;
    root.classList.add(STAFF_DESK_CLASS);
    return () => {
      mounted = Math.max(0, mounted - 1);
      if (mounted === 0) root.classList.remove(STAFF_DESK_CLASS);
    };
  }, []);
}
