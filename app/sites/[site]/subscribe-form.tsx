import { mailEnabled } from '@/lib/mail/outbox';
import { EMAIL_MAX } from '@/lib/input/email';
import { SUBSCRIBE_ACTION, SUBSCRIBE_FIELDS } from '@/lib/newsletters/fields';

/**
 * The subscribe form, on the home page and under each post, when the server can send mail: plain
 * HTML, the same for every reader (pages are cached whole), no script and no cookie. The answer
 * is a page of its own (lib/newsletters/reader-routes.ts).
 */
export function SubscribeForm({ blogTitle }: { blogTitle: string }) {
  if (!mailEnabled()) return null;
  return (
    <form className="subscribe-form" method="post" action={SUBSCRIBE_ACTION} aria-labelledby="subscribe-heading">
      <h2 id="subscribe-heading">Get new posts by mail</h2>
      <p>New posts from {blogTitle}, sent to your inbox. Unsubscribe at any time.</p>
      <div className="subscribe-row">
        <label>
          <span>Your email address</span>
          <input
            name={SUBSCRIBE_FIELDS.email}
            type="email"
            required
            maxLength={EMAIL_MAX}
            autoComplete="email"
            placeholder="you@example.com"
          />
        </label>
        <button type="submit">Subscribe</button>
      </div>
      {/* Hidden from people (and from screen readers and the keyboard); bots fill it in. */}
      <div aria-hidden="true" style={{ position: 'absolute', left: '-10000px', width: 1, height: 1, overflow: 'hidden' }}>
        <label>
          Leave this empty <input name={SUBSCRIBE_FIELDS.honeypot} tabIndex={-1} autoComplete="off" />
        </label>
      </div>
    </form>
  );
}
