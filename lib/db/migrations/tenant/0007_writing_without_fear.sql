CREATE TABLE `post_revisions` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`post_id` integer NOT NULL,
	`kind` text NOT NULL,
	`title` text NOT NULL,
	`markdown` text NOT NULL,
	`excerpt` text DEFAULT '' NOT NULL,
	`tags` text DEFAULT '[]' NOT NULL,
	`created_at` integer NOT NULL,
	FOREIGN KEY (`post_id`) REFERENCES `posts`(`id`) ON UPDATE no action ON DELETE cascade,
	CONSTRAINT "post_revisions_kind_check" CHECK("post_revisions"."kind" in ('saved', 'pending'))
);
--> statement-breakpoint
CREATE INDEX `post_revisions_post` ON `post_revisions` (`post_id`,`created_at`);--> statement-breakpoint
CREATE UNIQUE INDEX `post_revisions_one_pending` ON `post_revisions` (`post_id`) WHERE kind = 'pending';--> statement-breakpoint
CREATE TABLE `redirects` (
	`path` text PRIMARY KEY NOT NULL,
	`target` text NOT NULL,
	`created_at` integer NOT NULL
);
--> statement-breakpoint
ALTER TABLE `pages` ADD `deleted_at` integer;--> statement-breakpoint
ALTER TABLE `pages` ADD `status_before_trash` text;--> statement-breakpoint
ALTER TABLE `posts` ADD `auto_excerpt` text DEFAULT '' NOT NULL;--> statement-breakpoint
ALTER TABLE `posts` ADD `deleted_at` integer;--> statement-breakpoint
ALTER TABLE `posts` ADD `status_before_trash` text;--> statement-breakpoint
-- Until its next save, a post's excerpt is the one it has (it cannot be told here whether it was typed).
UPDATE `posts` SET `auto_excerpt` = `excerpt`;