'use client';

import { useEffect, useId, useRef, useState } from 'react';
import { MEDIA_ALT_MAX } from '@/lib/input/lengths';
import type { MediaItem } from '@/lib/media/media';
import { saveDescription } from './media-description';

/** An image the editor just inserted, waiting for its description. */
export type UploadedImage = Pick<MediaItem, 'id' | 'filename' | 'path' | 'thumbnailUrl'>;

/**
 * Asks for a description of each image just inserted into the text, one at a time, inline
 * under the text (never a window.prompt: it has to be readable and keyboard operable like the
 * rest of the form). Enter saves, Escape skips; focus goes to the field as each appears.
 */
export function DescribeImages(props: {
  blog: string;
  images: UploadedImage[];
  onDescribed: (image: UploadedImage, alt: string) => void;
  onSkipped: (image: UploadedImage) => void;
}) {
  const current = props.images[0];
  if (!current) return null;
  // One form per image (by its key): a fresh field, focused when it appears.
  return <DescribeImage key={current.id} {...props} image={current} waiting={props.images.length - 1} />;
}

function DescribeImage(props: {
  blog: string;
  image: UploadedImage;
  waiting: number;
  onDescribed: (image: UploadedImage, alt: string) => void;
  onSkipped: (image: UploadedImage) => void;
}) {
  const { image } = props;
  const [value, setValue] = useState('');
  const [pending, setPending] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const field = useRef<HTMLInputElement>(null);
  const hintId = useId();
  const errorId = useId();

  useEffect(() => field.current?.focus(), []);

  async function save() {
    if (!value.trim()) return setError('Type a description, or choose Skip.');
    setPending(true);
    setError(null);
    const result = await saveDescription(props.blog, image.id, value);
    setPending(false);
    if (!result.ok) return setError(result.error);
    props.onDescribed(image, result.data.alt);
  }

  return (
    <form
      className="describe-image"
      aria-label={`Describe ${image.filename}`}
      onSubmit={(e) => {
        e.preventDefault();
        void save();
      }}
      onKeyDown={(e) => {
        if (e.key === 'Escape') {
          e.preventDefault();
          props.onSkipped(image);
        }
      }}
    >
      {/* eslint-disable-next-line @next/next/no-img-element -- served by the blog's host; its name is beside it */}
      <img src={image.thumbnailUrl} alt="" className="describe-thumb" />
      <div className="describe-fields">
        <p className="small">
          <strong>{image.filename}</strong>
          {props.waiting > 0 && <span className="muted"> · {props.waiting} more to describe after this one</span>}
        </p>
        <label className="field">
          <span>Describe this image</span>
          <input
            ref={field}
            value={value}
            onChange={(e) => setValue(e.target.value)}
            maxLength={MEDIA_ALT_MAX}
            aria-invalid={error ? true : undefined}
            aria-describedby={error ? `${errorId} ${hintId}` : hintId}
          />
          <small id={hintId}>What it shows, for readers who cannot see it. It becomes the image&rsquo;s alt text.</small>
        </label>
        {error && (
          <p className="error" role="alert" id={errorId}>
            {error}
          </p>
        )}
        <div className="button-row">
          <button type="submit" className="primary" disabled={pending}>
            Save description
          </button>
          <button type="button" onClick={() => props.onSkipped(image)}>
            Skip
          </button>
        </div>
      </div>
    </form>
  );
}
