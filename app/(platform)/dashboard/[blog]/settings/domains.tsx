'use client';

import { useRouter } from 'next/navigation';
import { useState } from 'react';
import { Field, JsonForm } from '@/app/_components/form';
import { sendJson } from '@/app/_components/json';
import { When } from '@/app/_components/dates';
import { DOMAIN_TYPED_MAX } from '@/lib/input/lengths';

export type DomainRow = {
  domain: string;
  token: string;
  /** The TXT record's name: `_quire-challenge.<domain>`. */
  challenge: string;
  verified: boolean;
  isPrimary: boolean;
  url: string;
  /** ISO time an unverified claim lapses; null once verified. */
  expiresAt: string | null;
};

/** Custom domains: the DNS records to create, the verification step, primary, removal. */
export function CustomDomains(props: { blog: string; rootHostname: string; timeZone: string; domains: DomainRow[] }) {
  return (
    <>
      {props.domains.length > 0 && (
        <ul className="plain domains">
          {props.domains.map((row) => (
            <DomainItem key={row.domain} blog={props.blog} rootHostname={props.rootHostname} timeZone={props.timeZone} row={row} />
          ))}
        </ul>
      )}
      <JsonForm
        action={`/api/blogs/${props.blog}/domains`}
        submitLabel="Add domain"
        successMessage="Domain added: create its DNS records, then verify it."
      >
        <Field
          label="Domain"
          name="domain"
          hint="Such as blog.example.org. You need to be able to change its DNS records."
          maxLength={DOMAIN_TYPED_MAX}
        />
      </JsonForm>
    </>
  );
}

function DomainItem({ blog, rootHostname, timeZone, row }: { blog: string; rootHostname: string; timeZone: string; row: DomainRow }) {
  const router = useRouter();
  const [message, setMessage] = useState<{ text: string; error: boolean } | null>(null);
  const [pending, setPending] = useState(false);
  const base = `/api/blogs/${blog}/domains/${encodeURIComponent(row.domain)}`;

  async function act(label: string, url: string, method: 'POST' | 'PUT' | 'DELETE', body: unknown, done: string) {
    setPending(true);
    setMessage({ text: label, error: false });
    const result = await sendJson(url, method, body);
    setPending(false);
    setMessage(result.ok ? { text: done, error: false } : { text: result.error, error: true });
    router.refresh();
  }

  return (
    <li className="domain">
      <p>
        <strong>{row.domain}</strong>{' '}
        <span className={`status ${row.verified ? 'status-published' : 'status-scheduled'}`}>
          {row.verified ? (row.isPrimary ? 'primary' : 'verified') : 'not verified'}
        </span>
        {row.verified && (
          <>
            {' '}
            <a href={row.url}>{row.url}</a>
          </>
        )}
      </p>
      {!row.verified && (
        <div className="dns-help">
          <p>To prove the domain is yours, create this record where its DNS is managed:</p>
          <table>
            <thead>
              <tr>
                <th>Type</th>
                <th>Name</th>
                <th>Value</th>
              </tr>
            </thead>
            <tbody>
              <tr>
                <td>TXT</td>
                <td>
                  <code>{row.challenge}</code>
                </td>
                <td>
                  <code>{row.token}</code>
                </td>
              </tr>
            </tbody>
          </table>
          <p>So that readers reach the blog there, point the domain at this platform:</p>
          <table>
            <thead>
              <tr>
                <th>Type</th>
                <th>Name</th>
                <th>Points to</th>
              </tr>
            </thead>
            <tbody>
              <tr>
                <td>CNAME</td>
                <td>
                  <code>{row.domain}</code>
                </td>
                <td>
                  <code>{rootHostname}</code>
                </td>
              </tr>
            </tbody>
          </table>
          <p className="muted">
            A bare domain (no <code>www.</code> or other prefix) cannot have a CNAME at most DNS hosts: use an ALIAS/ANAME record, or an A
            record with {rootHostname}&rsquo;s address. Then press Verify: Quire looks up the TXT record and serves the blog on {row.domain}{' '}
            once it holds this blog&rsquo;s token.
            {row.expiresAt && (
              <>
                {' '}
                Unverified, this claim expires <When date={new Date(row.expiresAt)} timeZone={timeZone} />, and until then another blog may
                claim the domain too: the first to verify it gets it.
              </>
            )}
          </p>
        </div>
      )}
      <p className="button-row">
        {!row.verified && (
          <button
            type="button"
            className="primary"
            disabled={pending}
            onClick={() => act('Checking…', `${base}/verify`, 'POST', {}, 'Verified: the blog is now served on this domain.')}
          >
            Verify
          </button>
        )}
        {row.verified && !row.isPrimary && (
          <button
            type="button"
            disabled={pending}
            onClick={() => act('Saving…', base, 'PUT', { primary: true }, 'This is now the blog’s address.')}
          >
            Make primary
          </button>
        )}
        <button
          type="button"
          className="danger"
          disabled={pending}
          onClick={() => {
            if (window.confirm(`Stop serving the blog on ${row.domain}? Readers there get “not found” at once.`)) {
              void act('Removing…', base, 'DELETE', {}, 'Removed.');
            }
          }}
        >
          Remove
        </button>
      </p>
      {message && (
        <p role={message.error ? 'alert' : 'status'} className={message.error ? 'error' : 'muted'}>
          {message.text}
        </p>
      )}
    </li>
  );
}
