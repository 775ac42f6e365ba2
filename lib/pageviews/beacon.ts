/**
 * The reader-side counter: a few bytes of inline script on public pages, no framework bundle.
 * It sends one beacon per page load, waits for a prerendered page to be actually shown, and
 * carries the page's post id (0 for the home page) and the referrer. No cookie, no storage.
 */
/** Where the beacon goes, on the blog's own host; the front answers it (lib/server). */
export const BEACON_PATH = '/api/pv';

export function beaconScript(postId: number): string {
  return `(function(){var d=document,n=navigator;function s(){if(n.sendBeacon)n.sendBeacon('${BEACON_PATH}',JSON.stringify({p:${Math.trunc(postId)},r:d.referrer}))}if(d.prerendering)d.addEventListener('prerenderingchange',s,{once:true});else s()})();`;
}
