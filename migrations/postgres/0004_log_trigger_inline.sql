-- The log trigger of 0002 built each state through the SQL function facts_state, which
-- PostgreSQL parses and plans again on every call: measured, that was half of the
-- trigger's time and a fifth of the database's CPU per decision. The same JSON, built
-- inline, is planned once per connection with the trigger's INSERT.
CREATE OR REPLACE FUNCTION facts_log() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    e jsonb;
BEGIN
    IF NEW.log_entry IS NOT NULL AND NEW.version <> OLD.version THEN
        e := NEW.log_entry::jsonb;
        INSERT INTO review_log (fact_id, document_id, action, reason, note, before, after,
                                version, user_id, actor, at, bulk_id, undoes)
        VALUES (NEW.id, NEW.document_id, e->>'action', e->>'reason', e->>'note',
                json_build_object('status', OLD.status, 'value', OLD.value, 'unit', OLD.unit,
                                  'qualifier', OLD.qualifier, 'subject', OLD.subject,
                                  'start', OLD.span_start, 'end', OLD.span_end,
                                  'text', OLD.text, 'reviewed_by', OLD.reviewed_by,
                                  'reviewed_at', OLD.reviewed_at)::text,
                json_build_object('status', NEW.status, 'value', NEW.value, 'unit', NEW.unit,
                                  'qualifier', NEW.qualifier, 'subject', NEW.subject,
                                  'start', NEW.span_start, 'end', NEW.span_end,
                                  'text', NEW.text, 'reviewed_by', NEW.reviewed_by,
                                  'reviewed_at', NEW.reviewed_at)::text,
                NEW.version, (e->>'user_id')::bigint, e->>'actor', (e->>'at')::bigint,
                (e->>'bulk_id')::bigint, (e->>'undoes')::bigint);
    END IF;
    RETURN NEW;
END;
$$;

DROP FUNCTION facts_state(facts);
