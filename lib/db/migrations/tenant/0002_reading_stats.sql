CREATE TABLE `daily_referrers` (
	`day` text NOT NULL,
	`host` text NOT NULL,
	`views` integer DEFAULT 0 NOT NULL,
	PRIMARY KEY(`day`, `host`)
);
--> statement-breakpoint
CREATE TABLE `daily_views` (
	`day` text NOT NULL,
	`post_id` integer NOT NULL,
	`views` integer DEFAULT 0 NOT NULL,
	`uniques` integer DEFAULT 0 NOT NULL,
	PRIMARY KEY(`day`, `post_id`)
);
--> statement-breakpoint
CREATE INDEX `daily_views_post` ON `daily_views` (`post_id`,`day`);--> statement-breakpoint
CREATE TABLE `daily_visitors` (
	`day` text PRIMARY KEY NOT NULL,
	`uniques` integer DEFAULT 0 NOT NULL
);
