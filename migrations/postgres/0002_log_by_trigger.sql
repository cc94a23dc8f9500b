-- A decision is one UPDATE of the fact that carries its log entry in `log_entry`; this
-- trigger appends that entry to review_log in the same statement, so the fact and its
-- history cannot part even without an explicit transaction, and a decision is one round
-- trip instead of four.
ALTER TABLE facts ADD COLUMN log_entry TEXT;

CREATE FUNCTION facts_log() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    e jsonb;
BEGIN
    IF NEW.log_entry IS NOT NULL AND NEW.version <> OLD.version THEN
        e := NEW.log_entry::jsonb;
        INSERT INTO review_log (fact_id, document_id, action, reason, note, before, after,
                                version, user_id, actor, at, bulk_id, undoes)
        VALUES (NEW.id, NEW.document_id, e->>'action', e->>'reason', e->>'note',
                e->>'before', e->>'after', NEW.version, (e->>'user_id')::bigint,
                e->>'actor', (e->>'at')::bigint, (e->>'bulk_id')::bigint,
                (e->>'undoes')::bigint);
    END IF;
    RETURN NEW;
END;
$$;

CREATE TRIGGER facts_log AFTER UPDATE ON facts
FOR EACH ROW EXECUTE FUNCTION facts_log();
