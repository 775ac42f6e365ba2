ALTER TABLE `media` ADD `alt` text DEFAULT '' NOT NULL;--> statement-breakpoint
-- Existing images start without a description: the file name is no description, and only the
-- author knows what an image shows (the media library lists the ones still to describe).
INSERT INTO `quire_about` (`key`, `value`) VALUES
  ('table:media', 'Uploaded images: bytes holds the image as served (turned upright, its EXIF/GPS and other metadata removed), with its width and height in pixels and the sha256 (hex) of bytes; alt is the author''s description of the image (its alt text), empty when none was given. Posts refer to an image as /media/<id>/<filename>.')
ON CONFLICT (`key`) DO UPDATE SET `value` = excluded.`value`;
