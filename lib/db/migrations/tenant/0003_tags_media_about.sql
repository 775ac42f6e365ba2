CREATE TABLE `media` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`filename` text NOT NULL,
	`mime` text NOT NULL,
	`size` integer NOT NULL,
	`bytes` blob NOT NULL,
	`created_at` integer NOT NULL
);
--> statement-breakpoint
CREATE TABLE `post_tags` (
	`post_id` integer NOT NULL,
	`tag_id` integer NOT NULL,
	PRIMARY KEY(`post_id`, `tag_id`),
	FOREIGN KEY (`post_id`) REFERENCES `posts`(`id`) ON UPDATE no action ON DELETE cascade,
	FOREIGN KEY (`tag_id`) REFERENCES `tags`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE INDEX `post_tags_tag` ON `post_tags` (`tag_id`);--> statement-breakpoint
CREATE TABLE `quire_about` (
	`key` text PRIMARY KEY NOT NULL,
	`value` text NOT NULL
);
--> statement-breakpoint
CREATE TABLE `tags` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`slug` text NOT NULL,
	`name` text NOT NULL
);
--> statement-breakpoint
CREATE UNIQUE INDEX `tags_slug_unique` ON `tags` (`slug`);--> statement-breakpoint
INSERT INTO `quire_about` (`key`, `value`) VALUES
  ('format', 'Quire blog'),
  ('about', 'This SQLite file is one whole blog from Quire, a self-hosted blogging platform: its posts, pages, tags, media (as BLOBs), reading statistics and settings. It holds no passwords, sessions or tokens: those stay on the server. Times are Unix milliseconds, UTC; days are YYYY-MM-DD, UTC. PRAGMA user_version is the schema version.'),
  ('table:posts', 'Posts: markdown is the source, html the sanitized rendering shown to readers; status is draft, published or scheduled; views is the all-time count.'),
  ('table:pages', 'Static pages shown in the blog navigation, ordered by nav_order.'),
  ('table:tags', 'Tags; post_tags links them to posts.'),
  ('table:media', 'Uploaded images: bytes holds the file itself.'),
  ('table:daily_views', 'Views and distinct readers per page per day; post_id 0 is the home page.'),
  ('table:daily_visitors', 'Distinct readers of the whole blog per day.'),
  ('table:daily_referrers', 'Views arriving from other sites, by host, per day.'),
  ('table:settings', 'Blog settings: title, description, author_name, posts_per_page.');
