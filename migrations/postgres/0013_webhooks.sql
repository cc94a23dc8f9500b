-- Webhooks: an admin registers a URL, and every decision (review_log row) and every document
-- that finishes processing (done, failed, needs_ocr) is POSTed to it. The outbox
-- `webhook_deliveries` is filled by triggers in the very transaction that makes the decision
-- or finishes the document, so no event is lost when the receiver is down or a server
-- restarts, and none is sent for a change that was rolled back. A webhook hears of the
-- events after its registration; deleting it deletes its deliveries.
--
-- One subject's events (a fact's decisions, a document's endings) are ordered by id: two
-- decisions on one fact are serialized by the fact's row lock, so the later one draws its
-- id, and commits, after the earlier one has committed.

CREATE TABLE webhooks (
    id          BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    url         TEXT    NOT NULL,
    -- The events it subscribes to, comma-separated: decision, document.
    events      TEXT    NOT NULL,
    -- Kept in clear: the server needs it to sign every delivery.
    secret      TEXT    NOT NULL,
    created_by  BIGINT  REFERENCES users (id),
    created_at  BIGINT  NOT NULL
);

CREATE TABLE webhook_deliveries (
    id              BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    webhook_id      BIGINT  NOT NULL REFERENCES webhooks (id) ON DELETE CASCADE,
    event           TEXT    NOT NULL CHECK (event IN ('decision', 'document')),
    -- What the event is about ('fact:12', 'document:3'): one subject's events are sent in
    -- order, a later one only once the earlier one is delivered or given up.
    subject         TEXT    NOT NULL,
    log_id          BIGINT  REFERENCES review_log (id),
    document_id     BIGINT  NOT NULL,
    -- A document event's status and error as they were when it finished.
    doc_status      TEXT,
    doc_error       TEXT,
    created_at      BIGINT  NOT NULL,
    state           TEXT    NOT NULL DEFAULT 'pending'
                    CHECK (state IN ('pending', 'delivered', 'failed')),
    attempts        BIGINT  NOT NULL DEFAULT 0,
    next_attempt_at BIGINT  NOT NULL,
    -- Who is sending it now and until when (a server that dies mid-send lets go).
    claimed_by      TEXT,
    lease_until     BIGINT,
    last_status     BIGINT,
    last_error      TEXT,
    delivered_at    BIGINT
);
CREATE INDEX webhook_deliveries_due ON webhook_deliveries (state, next_attempt_at, id);
CREATE INDEX webhook_deliveries_subject ON webhook_deliveries (webhook_id, subject, id);

CREATE FUNCTION review_log_webhooks() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO webhook_deliveries (webhook_id, event, subject, log_id, document_id,
                                    created_at, next_attempt_at)
    SELECT w.id, 'decision', 'fact:' || NEW.fact_id, NEW.id, NEW.document_id, NEW.at, NEW.at
      FROM webhooks w
     WHERE (',' || w.events || ',') LIKE '%,decision,%'
     ORDER BY w.id;
    RETURN NULL;
END;
$$;
CREATE TRIGGER review_log_webhooks AFTER INSERT ON review_log
FOR EACH ROW EXECUTE FUNCTION review_log_webhooks();

CREATE FUNCTION documents_webhooks() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    now_ms BIGINT := (extract(epoch FROM clock_timestamp()) * 1000)::bigint;
BEGIN
    INSERT INTO webhook_deliveries (webhook_id, event, subject, document_id, doc_status,
                                    doc_error, created_at, next_attempt_at)
    SELECT w.id, 'document', 'document:' || NEW.id, NEW.id, NEW.status, NEW.error,
           now_ms, now_ms
      FROM webhooks w
     WHERE (',' || w.events || ',') LIKE '%,document,%'
     ORDER BY w.id;
    RETURN NULL;
END;
$$;
CREATE TRIGGER documents_webhooks AFTER UPDATE ON documents
FOR EACH ROW WHEN (NEW.status IN ('done', 'failed', 'needs_ocr')
                   AND (NEW.status IS DISTINCT FROM OLD.status
                        OR NEW.processed_at IS DISTINCT FROM OLD.processed_at))
EXECUTE FUNCTION documents_webhooks();
