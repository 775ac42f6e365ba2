CREATE TABLE `blog_domains` (
	`domain` text PRIMARY KEY NOT NULL,
	`blog_id` integer NOT NULL,
	`token` text NOT NULL,
	`verified_at` integer,
	`is_primary` integer DEFAULT false NOT NULL,
	`created_at` integer NOT NULL,
	FOREIGN KEY (`blog_id`) REFERENCES `blogs`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE INDEX `blog_domains_blog` ON `blog_domains` (`blog_id`);