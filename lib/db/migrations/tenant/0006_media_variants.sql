CREATE TABLE `media_variants` (
	`media_id` integer NOT NULL,
	`width` integer NOT NULL,
	`mime` text NOT NULL,
	`bytes` blob NOT NULL,
	`size` integer NOT NULL,
	PRIMARY KEY(`media_id`, `width`),
	FOREIGN KEY (`media_id`) REFERENCES `media`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
ALTER TABLE `media` ADD `width` integer;--> statement-breakpoint
ALTER TABLE `media` ADD `height` integer;--> statement-breakpoint
ALTER TABLE `media` ADD `sha256` text;--> statement-breakpoint
-- Written by hand: drizzle-kit leaves out ON DELETE here. ADD, never a rebuild of posts, whose
-- full-text triggers (0005) would otherwise be dropped with the old table.
ALTER TABLE `posts` ADD `cover_media_id` integer REFERENCES `media`(`id`) ON DELETE SET NULL;--> statement-breakpoint
-- Images stored before this migration keep a null width, height and sha256: SQL cannot decode
-- them. Quire cleans each one (metadata stripped, dimensions and smaller copies recorded) the
-- first time it is served, and every image of an imported file that still needs it.
INSERT INTO `quire_about` (`key`, `value`) VALUES
  ('table:media', 'Uploaded images: bytes holds the image as served (turned upright, its EXIF/GPS and other metadata removed), with its width and height in pixels and the sha256 (hex) of bytes. Posts refer to an image as /media/<id>/<filename>.'),
  ('table:media_variants', 'Smaller copies of each image (WebP, by width in pixels) offered to browsers in srcset, served at /media/<media_id>/w<width>/<filename>.'),
  ('table:posts', 'Posts: markdown is the source, html the sanitized rendering shown to readers; status is draft, published or scheduled; views is the all-time count; cover_media_id is the image shown with the post on the home page and in link previews.')
ON CONFLICT (`key`) DO UPDATE SET `value` = excluded.`value`;
