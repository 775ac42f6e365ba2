'use client';

import { useEffect, useRef } from 'react';

const LEAVE_QUESTION = 'You have unsaved changes. Leave this page anyway?';

/**
 * Asks before unsaved text is left behind, however the author leaves: closing or reloading
 * the tab (beforeunload), any link of the dashboard (Next's client navigation would not fire
 * beforeunload: clicks on links are caught first, in the capture phase), and Back or Forward
 * (an extra history entry is pushed while there are changes, so Back lands on this page
 * again and can ask; it runs before Next's router hears of it).
 */
export function useLeaveGuard(unsaved: boolean) {
  const unsavedNow = useRef(unsaved);
  /** The author said to leave: the browser's own question is not asked again. */
  const leaving = useRef(false);
  /** The guard entry on top of history: where it points, and the page's entry under it. */
  const guard = useRef<{ below: string; url: string; state: unknown } | null>(null);

  useEffect(() => {
    unsavedNow.current = unsaved;
  }, [unsaved]);

  useEffect(() => {
    if (!unsaved) return;
    const warn = (event: BeforeUnloadEvent) => {
      if (!leaving.current) event.preventDefault();
    };
    window.addEventListener('beforeunload', warn);
    return () => window.removeEventListener('beforeunload', warn);
  }, [unsaved]);

  useEffect(() => {
    const allowLeaving = () => {
      leaving.current = true;
      // Should the navigation not happen after all, the guard is back on soon after.
      setTimeout(() => (leaving.current = false), 2000);
    };
    const onClick = (event: MouseEvent) => {
      if (!unsavedNow.current || event.defaultPrevented || event.button !== 0) return;
      if (event.metaKey || event.ctrlKey || event.shiftKey || event.altKey) return; // a new tab or window
      const link = event.target instanceof Element ? event.target.closest('a[href]') : null;
      if (!(link instanceof HTMLAnchorElement) || (link.target && link.target !== '_self') || link.hasAttribute('download')) return;
      const to = new URL(link.href, window.location.href);
      const here = window.location;
      if (to.hash && to.origin === here.origin && to.pathname === here.pathname && to.search === here.search) return; // within the page
      if (window.confirm(LEAVE_QUESTION)) return allowLeaving();
      event.preventDefault();
      event.stopImmediatePropagation();
    };

    const onPopState = (event: PopStateEvent) => {
      const left = guard.current;
      if (!left) return; // not ours: Next's router handles it
      guard.current = null;
      if (unsavedNow.current && !window.confirm(LEAVE_QUESTION)) {
        // Stay: put the guard entry back; Next's router never saw the step.
        event.stopImmediatePropagation();
        window.history.pushState(left.state, '', left.url);
        guard.current = left;
        return;
      }
      allowLeaving();
      if (window.location.href === left.below) {
        // Back landed on this page's own entry, under the guard: one more step is where it was going.
        event.stopImmediatePropagation();
        window.history.back();
      }
    };
    window.addEventListener('click', onClick, true);
    window.addEventListener('popstate', onPopState, true);
    return () => {
      window.removeEventListener('click', onClick, true);
      window.removeEventListener('popstate', onPopState, true);
    };
  }, []);

  useEffect(() => {
    if (!unsaved || guard.current) return;
    const below = window.location.href;
    // Next's router copies its own state into the entry (it patches pushState).
    window.history.pushState({ quireLeaveGuard: true }, '', below);
    guard.current = { below, url: window.location.href, state: window.history.state };
  }, [unsaved]);

  return {
    /** The page's address changed in place (a new document's first save): the guard entry has it now. */
    addressChanged() {
      if (guard.current) guard.current = { ...guard.current, url: window.location.href, state: window.history.state };
    },
    /** Leaving on purpose (after deleting): no question. */
    allowLeaving() {
      leaving.current = true;
      unsavedNow.current = false;
    },
  };
}
