'use client';

import { useState } from 'react';
import type { MediaItem } from '@/lib/media/media';
import { DescriptionForm, saveDescription } from './media-description';

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
  const [pending, setPending] = useState(false);
  const [error, setError] = useState<string | null>(null);

  async function save(value: string) {
    if (!value.trim()) return setError('Type a description, or choose Skip.');
    setPending(true);
    setError(null);
    const result = await saveDescription(props.blog, image.id, value);
    setPending(false);
    if (!result.ok) return setError(result.error);
    props.onDescribed(image, result.data.alt);
  }

  return (
    <DescriptionForm
      className="describe-image"
      formLabel={`Describe ${image.filename}`}
      label="Describe this image"
      hint="What it shows, for readers who cannot see it. It becomes the image’s alt text."
      aside={
        // eslint-disable-next-line @next/next/no-img-element -- served by the blog's host; its name is beside it
        <img src={image.thumbnailUrl} alt="" className="describe-thumb" />
      }
      intro={
        <p className="small">
          <strong>{image.filename}</strong>
          {props.waiting > 0 && <span className="muted"> · {props.waiting} more to describe after this one</span>}
        </p>
      }
      initial=""
      submitLabel="Save description"
      cancelLabel="Skip"
      pending={pending}
      error={error}
      onSave={save}
      onCancel={() => props.onSkipped(image)}
    />
  );
}
