CREATE TABLE `comments` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`post_id` integer NOT NULL,
	`author_name` text NOT NULL,
	`author_url` text,
	`body` text NOT NULL,
	`html` text NOT NULL,
	`status` text DEFAULT 'pending' NOT NULL,
	`created_at` integer NOT NULL,
	FOREIGN KEY (`post_id`) REFERENCES `posts`(`id`) ON UPDATE no action ON DELETE cascade,
	CONSTRAINT "comments_status_check" CHECK("comments"."status" in ('pending', 'approved', 'spam'))
);
--> statement-breakpoint
CREATE INDEX `comments_post` ON `comments` (`post_id`,`status`,`created_at`);--> statement-breakpoint
CREATE INDEX `comments_queue` ON `comments` (`status`,`created_at`);--> statement-breakpoint
ALTER TABLE `posts` ADD `body_text` text DEFAULT '' NOT NULL;