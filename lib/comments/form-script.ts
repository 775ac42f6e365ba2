import { COMMENT_FIELDS, commentReceivedNotice } from './fields';

/** The id of the comment form on the post page, which the script below enhances. */
export const COMMENT_FORM_ID = 'comment-form';

/**
 * The comment form's enhancement: a few hundred bytes of inline script, like the pageview
 * beacon, rather than a React client component (which cost ~1.2 ms of every post render,
 * docs/benchmarks.md). Without JavaScript the form posts as it is. With it, the comment is sent
 * with fetch: a refusal is shown in the form and every field keeps what was typed; a comment
 * awaiting moderation empties the comment box and says so; a comment published at once opens
 * the post again at its comments, where it now shows.
 */
export function commentFormScript(): string {
  const text = {
    pending: commentReceivedNotice('pending'),
    refused: 'The comment could not be sent (the server answered %s). Your text is still here.',
    offline: 'The comment could not be sent: the blog could not be reached. Your text is still here.',
  };
  return `(function(){var f=document.getElementById(${JSON.stringify(COMMENT_FORM_ID)}),t=${JSON.stringify(text)};if(!f||!window.fetch)return;var b=f.querySelector('button[type=submit]'),m=f.querySelector('.form-messages');function say(s,e){var p=document.createElement('p');p.className=e?'error':'notice';p.setAttribute('role',e?'alert':'status');p.textContent=s;m.replaceChildren(p)}f.addEventListener('submit',function(ev){ev.preventDefault();var label=b.textContent;b.disabled=true;b.textContent='Sending\\u2026';m.replaceChildren();fetch(f.action,{method:'POST',headers:{accept:'application/json'},body:new URLSearchParams(new FormData(f))}).then(function(r){return r.json().catch(function(){return {}}).then(function(d){if(!r.ok||!d.status)return say(d.error||t.refused.replace('%s',r.status),true);if(d.status==='approved')return location.assign(d.location);f.elements.namedItem(${JSON.stringify(COMMENT_FIELDS.body)}).value='';say(t.pending,false)})},function(){say(t.offline,true)}).then(function(){b.disabled=false;b.textContent=label})})})();`;
}
