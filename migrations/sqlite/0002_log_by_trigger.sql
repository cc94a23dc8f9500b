-- A decision is one UPDATE of the fact that carries its log entry in `log_entry`; this
-- trigger appends that entry to review_log in the same statement, so the fact and its
-- history cannot part even without an explicit transaction, and the single writer does
-- one statement per decision instead of four.
ALTER TABLE facts ADD COLUMN log_entry TEXT;

CREATE TRIGGER facts_log AFTER UPDATE OF version ON facts
WHEN NEW.log_entry IS NOT NULL AND NEW.version <> OLD.version
BEGIN
    INSERT INTO review_log (fact_id, document_id, action, reason, note, before, after, version,
                            user_id, actor, at, bulk_id, undoes)
    VALUES (NEW.id, NEW.document_id,
            json_extract(NEW.log_entry, '$.action'),
            json_extract(NEW.log_entry, '$.reason'),
            json_extract(NEW.log_entry, '$.note'),
            json_extract(NEW.log_entry, '$.before'),
            json_extract(NEW.log_entry, '$.after'),
            NEW.version,
            json_extract(NEW.log_entry, '$.user_id'),
            json_extract(NEW.log_entry, '$.actor'),
            json_extract(NEW.log_entry, '$.at'),
            json_extract(NEW.log_entry, '$.bulk_id'),
            json_extract(NEW.log_entry, '$.undoes'));
END;
