import type { CoverImage } from '@/lib/media/media';

/**
 * A post's cover image: the browser picks the smallest copy that fills the column. Its alt
 * text is the image's description; without one it is decoration (alt=""), as the post's
 * title beside it says what the post is.
 */
export function Cover({ cover, className }: { cover: CoverImage; className: string }) {
  return (
    // eslint-disable-next-line @next/next/no-img-element -- our own /media/ route, with its own srcset
    <img
      className={className}
      src={cover.src}
      srcSet={cover.srcset}
      sizes={cover.srcset ? cover.sizes : undefined}
      width={cover.width ?? undefined}
      height={cover.height ?? undefined}
      alt={cover.alt}
      decoding="async"
    />
  );
}
