-- Full-text search over posts (drizzle has no virtual tables, so this file is written by hand).
-- posts_fts indexes posts.title and posts.body_text without a second copy of the text
-- (external content); the triggers keep it in step with every insert, edit and delete.
-- Drafts are indexed too: the search query keeps only public posts.

-- Posts written before this migration: their Markdown stands in for the plain text until they
-- are next saved (SQL cannot render Markdown). Imports render every post again anyway.
-- Done first, before posts_fts and its triggers exist: under posts_fts_update this UPDATE would
-- tell the still-empty index to 'delete' rows it never held, which FTS5 refuses as corruption
-- ("database disk image is malformed"). The 'rebuild' below indexes every post.
UPDATE `posts` SET `body_text` = `markdown` WHERE `body_text` = '';
--> statement-breakpoint
CREATE VIRTUAL TABLE `posts_fts` USING fts5(title, body_text, content='posts', content_rowid='id', tokenize='porter unicode61 remove_diacritics 2');
--> statement-breakpoint
CREATE TRIGGER `posts_fts_insert` AFTER INSERT ON `posts` BEGIN
  INSERT INTO posts_fts (rowid, title, body_text) VALUES (new.id, new.title, new.body_text);
END;
--> statement-breakpoint
CREATE TRIGGER `posts_fts_delete` AFTER DELETE ON `posts` BEGIN
  INSERT INTO posts_fts (posts_fts, rowid, title, body_text) VALUES ('delete', old.id, old.title, old.body_text);
END;
--> statement-breakpoint
-- Only when indexed text changes: the pageview flush's `views` updates leave the index alone.
CREATE TRIGGER `posts_fts_update` AFTER UPDATE OF title, body_text ON `posts` BEGIN
  INSERT INTO posts_fts (posts_fts, rowid, title, body_text) VALUES ('delete', old.id, old.title, old.body_text);
  INSERT INTO posts_fts (rowid, title, body_text) VALUES (new.id, new.title, new.body_text);
END;
--> statement-breakpoint
INSERT INTO posts_fts (posts_fts) VALUES ('rebuild');
--> statement-breakpoint
INSERT INTO `quire_about` (`key`, `value`) VALUES
  ('table:comments', 'Readers'' comments on posts: body is what the reader wrote, html its sanitized rendering; status is pending (awaiting moderation), approved (shown) or spam. No addresses are stored.'),
  ('table:posts_fts', 'Full-text index of posts (title, body_text) for the blog''s search page; the posts_fts_* tables are its internals, kept in step by triggers.')
ON CONFLICT (`key`) DO UPDATE SET `value` = excluded.`value`;
