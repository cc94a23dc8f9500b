-- A decision is one UPDATE of the fact that carries its log entry (who, what, why) in
-- `log_entry`; this trigger appends the entry, with the fact's state before and after, to
-- review_log in the same statement. So the fact and its history cannot part even without
-- an explicit transaction, and a confirm or reject is a single statement.
ALTER TABLE facts ADD COLUMN log_entry TEXT;

CREATE FUNCTION facts_state(f facts) RETURNS text LANGUAGE sql IMMUTABLE AS $$
    SELECT json_build_object('status', f.status, 'value', f.value, 'unit', f.unit,
                             'qualifier', f.qualifier, 'subject', f.subject,
                             'start', f.span_start, 'end', f.span_end, 'text', f.text,
                             'reviewed_by', f.reviewed_by, 'reviewed_at', f.reviewed_at)::text
$$;

CREATE FUNCTION facts_log() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    e jsonb;
BEGIN
    IF NEW.log_entry IS NOT NULL AND NEW.version <> OLD.version THEN
        e := NEW.log_entry::jsonb;
        INSERT INTO review_log (fact_id, document_id, action, reason, note, before, after,
                                version, user_id, actor, at, bulk_id, undoes)
        VALUES (NEW.id, NEW.document_id, e->>'action', e->>'reason', e->>'note',
                facts_state(OLD), facts_state(NEW), NEW.version, (e->>'user_id')::bigint,
                e->>'actor', (e->>'at')::bigint, (e->>'bulk_id')::bigint,
                (e->>'undoes')::bigint);
    END IF;
    RETURN NEW;
END;
$$;

CREATE TRIGGER facts_log AFTER UPDATE ON facts
FOR EACH ROW EXECUTE FUNCTION facts_log();
