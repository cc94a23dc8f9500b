-- Incremental sync: every fact and document carries `change_seq`, the place of its last
-- change in one sequence shared by both tables, and `updated_at` (Unix ms). A consumer pages
-- through changes keyed on (change_seq, id) and never misses one, because on SQLite all writes
-- are serialized (one writer holds the database lock from its first write to its commit): a
-- number drawn from `sync_counter` inside a write transaction is larger than every number of
-- every transaction committed before it, and no transaction that drew a smaller one can still
-- be open. So the order of the sequence is the order of commits.
--
-- Rows that exist before this migration keep change_seq 0: a first pull (no cursor) reads them.

ALTER TABLE facts ADD COLUMN change_seq INTEGER NOT NULL DEFAULT 0;
ALTER TABLE facts ADD COLUMN updated_at INTEGER;
ALTER TABLE documents ADD COLUMN change_seq INTEGER NOT NULL DEFAULT 0;
ALTER TABLE documents ADD COLUMN updated_at INTEGER;

UPDATE documents SET updated_at = COALESCE(processed_at, uploaded_at);
UPDATE facts SET updated_at = COALESCE(reviewed_at,
    (SELECT COALESCE(d.processed_at, d.uploaded_at) FROM documents d WHERE d.id = facts.document_id));

CREATE TABLE sync_counter (
    id INTEGER PRIMARY KEY CHECK (id = 1),
    n  INTEGER NOT NULL
);
INSERT INTO sync_counter (id, n) VALUES (1, 0);

CREATE INDEX facts_change ON facts (change_seq, id);
CREATE INDEX documents_change ON documents (change_seq, id);

-- A fact changes when it is made, decided (its version moves) or its failed checks are
-- counted again. The trigger's own UPDATE sets change_seq, which the WHEN excludes, so it
-- does not fire itself (SQLite's recursive triggers are off besides).
CREATE TRIGGER facts_change_insert AFTER INSERT ON facts
BEGIN
    UPDATE sync_counter SET n = n + 1 WHERE id = 1;
    UPDATE facts SET change_seq = (SELECT n FROM sync_counter WHERE id = 1),
                     updated_at = CAST(unixepoch('subsec') * 1000 AS INTEGER)
     WHERE id = NEW.id;
END;

CREATE TRIGGER facts_change_update AFTER UPDATE ON facts
WHEN NEW.change_seq = OLD.change_seq
 AND (NEW.version <> OLD.version OR NEW.failed_checks <> OLD.failed_checks)
BEGIN
    UPDATE sync_counter SET n = n + 1 WHERE id = 1;
    UPDATE facts SET change_seq = (SELECT n FROM sync_counter WHERE id = 1),
                     updated_at = CAST(unixepoch('subsec') * 1000 AS INTEGER)
     WHERE id = NEW.id;
END;

-- A document changes when it arrives and when its processing moves on; renewing a lease
-- changes nothing a consumer sees.
CREATE TRIGGER documents_change_insert AFTER INSERT ON documents
BEGIN
    UPDATE sync_counter SET n = n + 1 WHERE id = 1;
    UPDATE documents SET change_seq = (SELECT n FROM sync_counter WHERE id = 1),
                         updated_at = CAST(unixepoch('subsec') * 1000 AS INTEGER)
     WHERE id = NEW.id;
END;

CREATE TRIGGER documents_change_update AFTER UPDATE ON documents
WHEN NEW.change_seq = OLD.change_seq
 AND (NEW.status IS NOT OLD.status OR NEW.attempts IS NOT OLD.attempts
      OR NEW.error IS NOT OLD.error OR NEW.processed_at IS NOT OLD.processed_at)
BEGIN
    UPDATE sync_counter SET n = n + 1 WHERE id = 1;
    UPDATE documents SET change_seq = (SELECT n FROM sync_counter WHERE id = 1),
                         updated_at = CAST(unixepoch('subsec') * 1000 AS INTEGER)
     WHERE id = NEW.id;
END;
