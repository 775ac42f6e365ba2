CREATE TABLE `blog_redirects` (
	`old_slug` text PRIMARY KEY NOT NULL,
	`blog_id` integer NOT NULL,
	`created_at` integer NOT NULL,
	FOREIGN KEY (`blog_id`) REFERENCES `blogs`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE TABLE `migration_ledger` (
	`run_id` integer NOT NULL,
	`slug` text NOT NULL,
	`from_version` integer NOT NULL,
	`to_version` integer NOT NULL,
	`status` text NOT NULL,
	`error` text,
	`snapshot` text,
	`finished_at` integer NOT NULL,
	PRIMARY KEY(`run_id`, `slug`),
	FOREIGN KEY (`run_id`) REFERENCES `migration_runs`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE TABLE `migration_runs` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`target_version` integer NOT NULL,
	`started_at` integer NOT NULL,
	`finished_at` integer
);
--> statement-breakpoint
PRAGMA foreign_keys=OFF;--> statement-breakpoint
CREATE TABLE `__new_blogs` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`slug` text NOT NULL,
	`title` text NOT NULL,
	`status` text DEFAULT 'active' NOT NULL,
	`status_reason` text,
	`schema_version` integer DEFAULT 0 NOT NULL,
	`created_at` integer NOT NULL,
	`deleted_at` integer,
	CONSTRAINT "blogs_status_check" CHECK("__new_blogs"."status" in ('active', 'maintenance', 'deleted'))
);
--> statement-breakpoint
INSERT INTO `__new_blogs`("id", "slug", "title", "status", "schema_version", "created_at") SELECT "id", "slug", "title", "status", "schema_version", "created_at" FROM `blogs`;--> statement-breakpoint
DROP TABLE `blogs`;--> statement-breakpoint
ALTER TABLE `__new_blogs` RENAME TO `blogs`;--> statement-breakpoint
PRAGMA foreign_keys=ON;--> statement-breakpoint
CREATE UNIQUE INDEX `blogs_slug_unique` ON `blogs` (`slug`);