'use client';

import { useEffect, useState } from 'react';
import { Field, HintedField, JsonForm } from '@/app/_components/form';
import { slugify } from '@/lib/posts/slug';
import { BLOG_SLUG_MAX, BLOG_TITLE_MAX } from '@/lib/input/lengths';

/** Sign-up: account, and (unless joining by invitation) the first blog with a live address check. */
export function SignupForm({ invite, blogSuffix }: { invite?: string; blogSuffix: string }) {
  const [title, setTitle] = useState('');
  const [slug, setSlug] = useState('');
  const [slugEdited, setSlugEdited] = useState(false);
  const [checked, setChecked] = useState<{ address: string; available: boolean; message: string } | null>(null);
  const address = slugEdited ? slug : slugify(title).slice(0, 63).replace(/-+$/, '');
  // Only the answer for what is in the box now counts.
  const availability = checked?.address === address ? checked : null;

  useEffect(() => {
    if (invite || !address) return;
    const controller = new AbortController();
    const timer = setTimeout(async () => {
      try {
        const response = await fetch(`/api/slugs?slug=${encodeURIComponent(address)}`, { signal: controller.signal });
        setChecked({ address, ...(await response.json()) });
      } catch {
        /* a newer keystroke replaced this check */
      }
    }, 250);
    return () => {
      clearTimeout(timer);
      controller.abort();
    };
  }, [address, invite]);

  return (
    <JsonForm
      action="/api/auth/signup"
      submitLabel={invite ? 'Create account and join' : 'Create account and blog'}
      pendingLabel="Creating…"
      toBody={(data) => ({
        email: data.get('email'),
        password: data.get('password'),
        // The first blog shows times in the zone of the browser it was made in (changeable in its settings).
        ...(invite ? { invite } : { blog: { slug: address, title, timeZone: Intl.DateTimeFormat().resolvedOptions().timeZone } }),
      })}
    >
      <Field label="Email" name="email" type="email" autoComplete="email" required />
      <Field
        label="Password"
        name="password"
        type="password"
        autoComplete="new-password"
        hint="At least 10 characters, not containing your email's first part."
        required
      />
      {!invite && (
        <fieldset>
          <legend>Your first blog</legend>
          <label className="field">
            <span>Blog title</span>
            <input name="title" value={title} onChange={(e) => setTitle(e.target.value)} maxLength={BLOG_TITLE_MAX} required />
          </label>
          <HintedField
            label="Address"
            hint={availability?.message ?? 'Letters a-z, digits and hyphens.'}
            hintClass={availability ? (availability.available ? 'good' : 'bad') : undefined}
            live
          >
            {(control) => (
              <span className="with-suffix">
                <input
                  {...control}
                  name="slug"
                  value={address}
                  onChange={(e) => {
                    setSlugEdited(true);
                    setSlug(e.target.value.toLowerCase());
                  }}
                  maxLength={BLOG_SLUG_MAX}
                  required
                />
                <span className="suffix">{blogSuffix}</span>
              </span>
            )}
          </HintedField>
        </fieldset>
      )}
    </JsonForm>
  );
}
