-- A decision is one UPDATE of the fact that carries its log entry (who, what, why) in
-- `log_entry`; this trigger appends the entry, with the fact's state before and after, to
-- review_log in the same statement. So the fact and its history cannot part even without
-- an explicit transaction, and a confirm or reject is a single statement.
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
            json_object('status', OLD.status, 'value', OLD.value, 'unit', OLD.unit,
                        'qualifier', OLD.qualifier, 'subject', OLD.subject,
                        'start', OLD.span_start, 'end', OLD.span_end, 'text', OLD.text,
                        'reviewed_by', OLD.reviewed_by, 'reviewed_at', OLD.reviewed_at),
            json_object('status', NEW.status, 'value', NEW.value, 'unit', NEW.unit,
                        'qualifier', NEW.qualifier, 'subject', NEW.subject,
                        'start', NEW.span_start, 'end', NEW.span_end, 'text', NEW.text,
                        'reviewed_by', NEW.reviewed_by, 'reviewed_at', NEW.reviewed_at),
            NEW.version,
            json_extract(NEW.log_entry, '$.user_id'),
            json_extract(NEW.log_entry, '$.actor'),
            json_extract(NEW.log_entry, '$.at'),
            json_extract(NEW.log_entry, '$.bulk_id'),
            json_extract(NEW.log_entry, '$.undoes'));
END;
