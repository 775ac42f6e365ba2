PRAGMA foreign_keys=OFF;--> statement-breakpoint
CREATE TABLE `__new_blog_domains` (
	`domain` text NOT NULL,
	`blog_id` integer NOT NULL,
	`token` text NOT NULL,
	`verified_at` integer,
	`is_primary` integer DEFAULT false NOT NULL,
	`created_at` integer NOT NULL,
	PRIMARY KEY(`domain`, `blog_id`),
	FOREIGN KEY (`blog_id`) REFERENCES `blogs`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
INSERT INTO `__new_blog_domains`("domain", "blog_id", "token", "verified_at", "is_primary", "created_at") SELECT "domain", "blog_id", "token", "verified_at", "is_primary", "created_at" FROM `blog_domains`;--> statement-breakpoint
DROP TABLE `blog_domains`;--> statement-breakpoint
ALTER TABLE `__new_blog_domains` RENAME TO `blog_domains`;--> statement-breakpoint
PRAGMA foreign_keys=ON;--> statement-breakpoint
CREATE INDEX `blog_domains_blog` ON `blog_domains` (`blog_id`);--> statement-breakpoint
CREATE UNIQUE INDEX `blog_domains_verified_domain` ON `blog_domains` (`domain`) WHERE verified_at is not null;