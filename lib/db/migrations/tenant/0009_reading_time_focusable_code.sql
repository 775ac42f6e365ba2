ALTER TABLE `posts` ADD `reading_minutes` integer DEFAULT 1 NOT NULL;--> statement-breakpoint
-- Posts saved before this count their words here, roughly (spaces between words, as SQL can);
-- each save counts them exactly again (lib/markdown/render.ts, readingMinutes).
UPDATE `posts` SET `reading_minutes` = max(1, CAST(round((CASE WHEN trim(replace(replace(replace(replace(replace(replace(replace(markdown, char(13), ' '), char(10), ' '), char(9), ' '), '  ', ' '), '  ', ' '), '  ', ' '), '  ', ' ')) = '' THEN 0 ELSE length(trim(replace(replace(replace(replace(replace(replace(replace(markdown, char(13), ' '), char(10), ' '), char(9), ' '), '  ', ' '), '  ', ' '), '  ', ' '), '  ', ' '))) - length(replace(trim(replace(replace(replace(replace(replace(replace(replace(markdown, char(13), ' '), char(10), ' '), char(9), ' '), '  ', ' '), '  ', ' '), '  ', ' '), '  ', ' ')), ' ', '')) + 1 END) / 230.0) AS integer));
--> statement-breakpoint
INSERT INTO `quire_about` (`key`, `value`) VALUES
  ('table:posts', 'Posts: markdown is the source, html the sanitized rendering shown to readers; status is draft, published or scheduled; views is the all-time count; cover_media_id is the image shown with the post on the home page and in link previews; reading_minutes is the reading time shown with the post, counted when it was saved.')
ON CONFLICT (`key`) DO UPDATE SET `value` = excluded.`value`;
--> statement-breakpoint
-- Code blocks take the keyboard's focus, so one wider than the page can be scrolled without a
-- mouse: the sanitizer now writes every <pre> as <pre tabindex="0">, and before it wrote a bare
-- <pre>, so this is the same change to what is stored.
UPDATE `posts` SET `html` = replace(`html`, '<pre>', '<pre tabindex="0">') WHERE `html` LIKE '%<pre>%';--> statement-breakpoint
UPDATE `pages` SET `html` = replace(`html`, '<pre>', '<pre tabindex="0">') WHERE `html` LIKE '%<pre>%';--> statement-breakpoint
UPDATE `comments` SET `html` = replace(`html`, '<pre>', '<pre tabindex="0">') WHERE `html` LIKE '%<pre>%';
