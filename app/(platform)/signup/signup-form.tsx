'use client';

import { useState } from 'react';
import { BlogAddressField, addressFromTitle } from '@/app/_components/blog-address';
import { Field, JsonForm } from '@/app/_components/form';
import { BLOG_TITLE_MAX } from '@/lib/input/lengths';

/** Sign-up: account, and (unless joining by invitation) the first blog with a live address check. */
export function SignupForm({ invite, blogSuffix }: { invite?: string; blogSuffix: string }) {
  const [title, setTitle] = useState('');
  const [slug, setSlug] = useState('');
  const [slugEdited, setSlugEdited] = useState(false);
  const address = slugEdited ? slug : addressFromTitle(title);

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
          <BlogAddressField
            value={address}
            onChange={(value) => {
              setSlugEdited(true);
              setSlug(value);
            }}
            suffix={blogSuffix}
          />
        </fieldset>
      )}
    </JsonForm>
  );
}
