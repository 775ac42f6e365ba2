'use client';

import { useState } from 'react';
import { uploadFile } from '@/app/_components/upload';
import type { MediaItem } from '@/lib/media/media';
import { MediaDescription } from './media-description';

export type ChosenCover = Pick<MediaItem, 'id' | 'filename' | 'thumbnailUrl' | 'alt'>;

/**
 * The post's cover image: one of the blog's images, or a new upload; saved with the post.
 * The blog's images are fetched only when the author opens the choice. The cover's
 * description is its alt text on the blog, so it is shown (and editable) here.
 */
export function CoverChooser(props: { blog: string; cover: ChosenCover | null; onChange: (cover: ChosenCover | null) => void }) {
  const { blog, cover, onChange } = props;
  const [library, setLibrary] = useState<ChosenCover[] | null>(null);
  const [status, setStatus] = useState<string | null>(null);
  const [error, setError] = useState<string | null>(null);

  async function openLibrary() {
    setError(null);
    setStatus('Loading your images…');
    const response = await fetch(`/api/blogs/${blog}/media`).catch(() => null);
    const data = (await response?.json().catch(() => null)) as { media?: ChosenCover[]; error?: string } | null;
    setStatus(null);
    if (!response?.ok || !data?.media) return setError(data?.error ?? 'Your images could not be loaded. Try again.');
    setLibrary(data.media);
  }

  async function upload(file: File) {
    setError(null);
    setStatus(`Uploading ${file.name}…`);
    const result = await uploadFile(`/api/blogs/${blog}/media?filename=${encodeURIComponent(file.name)}`, file, (f) =>
      setStatus(f < 1 ? `Uploading ${file.name}… ${Math.round(f * 100)}%` : `Preparing ${file.name}…`),
    );
    setStatus(null);
    if (!result.ok) return setError(result.error);
    const { id, filename, thumbnailUrl, alt } = result.data as ChosenCover;
    onChange({ id, filename, thumbnailUrl, alt });
    setLibrary(null);
  }

  return (
    <section className="cover-chooser" aria-label="Cover image">
      <span className="pane-label">Cover image</span>
      {cover ? (
        <>
          {/* eslint-disable-next-line @next/next/no-img-element -- served by the blog's host, not Next's image optimizer */}
          <img src={cover.thumbnailUrl} alt={`Cover: ${cover.filename}`} className="cover-thumb" />
          <MediaDescription
            key={cover.id}
            blog={blog}
            id={cover.id}
            filename={cover.filename}
            alt={cover.alt}
            onSaved={(alt) => onChange({ ...cover, alt })}
          />
        </>
      ) : (
        <p className="muted small">None. A cover shows on the blog&rsquo;s home page and in link previews.</p>
      )}
      <div className="button-row">
        <button type="button" onClick={() => (library ? setLibrary(null) : void openLibrary())} aria-expanded={library !== null}>
          {cover ? 'Change…' : 'Choose…'}
        </button>
        <label className="insert-image">
          <input
            type="file"
            accept="image/png,image/jpeg,image/gif,image/webp"
            aria-label="Upload a cover image"
            onChange={(e) => {
              const file = e.target.files?.[0];
              e.target.value = '';
              if (file) void upload(file);
            }}
          />
          <span className="button">Upload…</span>
        </label>
        {cover && (
          <button type="button" onClick={() => onChange(null)}>
            Remove
          </button>
        )}
      </div>
      {status && <p className="muted small">{status}</p>}
      {error && (
        <p className="error" role="alert">
          {error}
        </p>
      )}
      {library &&
        (library.length === 0 ? (
          <p className="muted small">No images yet: upload one.</p>
        ) : (
          <ul className="cover-library" aria-label="Your images">
            {library.map((item) => (
              <li key={item.id}>
                <button
                  type="button"
                  aria-pressed={cover?.id === item.id}
                  title={item.alt || `${item.filename} (no description)`}
                  onClick={() => {
                    onChange({ id: item.id, filename: item.filename, thumbnailUrl: item.thumbnailUrl, alt: item.alt });
                    setLibrary(null);
                  }}
                >
                  {/* eslint-disable-next-line @next/next/no-img-element -- as above */}
                  <img src={item.thumbnailUrl} alt={item.alt ? `${item.filename}: ${item.alt}` : item.filename} loading="lazy" />
                </button>
              </li>
            ))}
          </ul>
        ))}
    </section>
  );
}
