-- Incremental sync: every fact and document carries `change_seq` and `updated_at` (Unix ms)
-- of its last change; a consumer pages through changes keyed on (change_seq, id).
--
-- Here change_seq is the id of the transaction that made the change (pg_current_xact_id),
-- not a number from a sequence: transactions commit in any order, so a sequence number drawn
-- by a transaction still open can be smaller than one already read and committed, and a
-- cursor past it would skip it for good. Transaction ids make that decidable: a reader only
-- returns changes whose transaction id is below the oldest transaction still running
-- (pg_snapshot_xmin of its snapshot). Every such transaction has ended, so nothing with a
-- smaller id can still appear; every transaction that commits later has an id at or above
-- that bound, above every change already returned. A long transaction holds the feed back
-- until it ends; it never makes it lose a change.
--
-- Rows that exist before this migration keep change_seq 0: a first pull (no cursor) reads them.

ALTER TABLE facts ADD COLUMN change_seq BIGINT NOT NULL DEFAULT 0,
                  ADD COLUMN updated_at BIGINT;
ALTER TABLE documents ADD COLUMN change_seq BIGINT NOT NULL DEFAULT 0,
                      ADD COLUMN updated_at BIGINT;

UPDATE documents SET updated_at = COALESCE(processed_at, uploaded_at);
UPDATE facts f SET updated_at = COALESCE(f.reviewed_at,
    (SELECT COALESCE(d.processed_at, d.uploaded_at) FROM documents d WHERE d.id = f.document_id));

CREATE INDEX facts_change ON facts (change_seq, id);
CREATE INDEX documents_change ON documents (change_seq, id);

CREATE FUNCTION stamp_change() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    NEW.change_seq := pg_current_xact_id()::text::bigint;
    NEW.updated_at := (extract(epoch FROM clock_timestamp()) * 1000)::bigint;
    RETURN NEW;
END;
$$;

-- A fact changes when it is made, decided (its version moves) or its failed checks are
-- counted again.
CREATE TRIGGER facts_change_insert BEFORE INSERT ON facts
FOR EACH ROW EXECUTE FUNCTION stamp_change();
CREATE TRIGGER facts_change_update BEFORE UPDATE ON facts
FOR EACH ROW WHEN (NEW.version IS DISTINCT FROM OLD.version
                   OR NEW.failed_checks IS DISTINCT FROM OLD.failed_checks)
EXECUTE FUNCTION stamp_change();

-- A document changes when it arrives and when its processing moves on; renewing a lease
-- changes nothing a consumer sees.
CREATE TRIGGER documents_change_insert BEFORE INSERT ON documents
FOR EACH ROW EXECUTE FUNCTION stamp_change();
CREATE TRIGGER documents_change_update BEFORE UPDATE ON documents
FOR EACH ROW WHEN (NEW.status IS DISTINCT FROM OLD.status
                   OR NEW.attempts IS DISTINCT FROM OLD.attempts
                   OR NEW.error IS DISTINCT FROM OLD.error
                   OR NEW.processed_at IS DISTINCT FROM OLD.processed_at)
EXECUTE FUNCTION stamp_change();
