'use client';

import { useEffect, useState } from 'react';
import { HintedField } from './form';
import { BLOG_SLUG_MAX } from '@/lib/input/lengths';
import { slugify } from '@/lib/posts/slug';

type SlugAvailability = { available: boolean; message: string };

/** The address a blog of this title would get unless the person writes another. */
export function addressFromTitle(title: string): string {
  return slugify(title).slice(0, BLOG_SLUG_MAX).replace(/-+$/, '');
}

/** Asks the server whether a blog address is free (the same check a new blog gets). */
export async function checkBlogAddress(address: string, signal?: AbortSignal): Promise<SlugAvailability> {
  const response = await fetch(`/api/slugs?slug=${encodeURIComponent(address)}`, { signal });
  return (await response.json()) as SlugAvailability;
}

/**
 * A new blog's address with its host beside it and a live answer below: free or taken, asked a
 * moment after the last keystroke. Used by sign-up and by the import as a new blog.
 */
export function BlogAddressField(props: {
  value: string;
  onChange: (address: string) => void;
  suffix: string;
  label?: string;
  name?: string;
}) {
  const { value } = props;
  const [checked, setChecked] = useState<({ address: string } & SlugAvailability) | null>(null);
  // Only the answer for what is in the box now counts.
  const availability = checked?.address === value ? checked : null;

  useEffect(() => {
    if (!value) return;
    const controller = new AbortController();
    const timer = setTimeout(async () => {
      try {
        setChecked({ address: value, ...(await checkBlogAddress(value, controller.signal)) });
      } catch {
        /* a newer keystroke replaced this check */
      }
    }, 250);
    return () => {
      clearTimeout(timer);
      controller.abort();
    };
  }, [value]);

  return (
    <HintedField
      label={props.label ?? 'Address'}
      hint={availability?.message ?? 'Letters a-z, digits and hyphens.'}
      hintClass={availability ? (availability.available ? 'good' : 'bad') : undefined}
      live
    >
      {(control) => (
        <span className="with-suffix">
          <input
            {...control}
            name={props.name ?? 'slug'}
            value={value}
            onChange={(e) => props.onChange(e.target.value.toLowerCase())}
            maxLength={BLOG_SLUG_MAX}
            autoComplete="off"
            spellCheck={false}
            required
          />
          <span className="suffix">{props.suffix}</span>
        </span>
      )}
    </HintedField>
  );
}
