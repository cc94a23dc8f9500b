-- Webhooks: an admin registers a URL, and every decision (review_log row) and every document
-- that finishes processing (done, failed, needs_ocr) is POSTed to it. The outbox
-- `webhook_deliveries` is filled by triggers in the very transaction that makes the decision
-- or finishes the document, so no event is lost when the receiver is down or the server
-- restarts, and none is sent for a change that was rolled back. A webhook hears of the
-- events after its registration; deleting it deletes its deliveries.

CREATE TABLE webhooks (
    id          INTEGER PRIMARY KEY,
    url         TEXT    NOT NULL,
    -- The events it subscribes to, comma-separated: decision, document.
    events      TEXT    NOT NULL,
    -- Kept in clear: the server needs it to sign every delivery.
    secret      TEXT    NOT NULL,
    created_by  INTEGER REFERENCES users (id),
    created_at  INTEGER NOT NULL
);

CREATE TABLE webhook_deliveries (
    id              INTEGER PRIMARY KEY,
    webhook_id      INTEGER NOT NULL REFERENCES webhooks (id) ON DELETE CASCADE,
    event           TEXT    NOT NULL CHECK (event IN ('decision', 'document')),
    -- What the event is about ('fact:12', 'document:3'): one subject's events are sent in
    -- order, a later one only once the earlier one is delivered or given up.
    subject         TEXT    NOT NULL,
    log_id          INTEGER REFERENCES review_log (id),
    document_id     INTEGER NOT NULL,
    -- A document event's status and error as they were when it finished.
    doc_status      TEXT,
    doc_error       TEXT,
    created_at      INTEGER NOT NULL,
    state           TEXT    NOT NULL DEFAULT 'pending'
                    CHECK (state IN ('pending', 'delivered', 'failed')),
    attempts        INTEGER NOT NULL DEFAULT 0,
    next_attempt_at INTEGER NOT NULL,
    -- Who is sending it now and until when (a server that dies mid-send lets go).
    claimed_by      TEXT,
    lease_until     INTEGER,
    last_status     INTEGER,
    last_error      TEXT,
    delivered_at    INTEGER
);
CREATE INDEX webhook_deliveries_due ON webhook_deliveries (state, next_attempt_at, id);
CREATE INDEX webhook_deliveries_subject ON webhook_deliveries (webhook_id, subject, id);

CREATE TRIGGER review_log_webhooks AFTER INSERT ON review_log
BEGIN
    INSERT INTO webhook_deliveries (webhook_id, event, subject, log_id, document_id,
                                    created_at, next_attempt_at)
    SELECT w.id, 'decision', 'fact:' || NEW.fact_id, NEW.id, NEW.document_id, NEW.at, NEW.at
      FROM webhooks w
     WHERE (',' || w.events || ',') LIKE '%,decision,%'
     ORDER BY w.id;
END;

CREATE TRIGGER documents_webhooks AFTER UPDATE ON documents
WHEN NEW.status IN ('done', 'failed', 'needs_ocr')
 AND (NEW.status IS NOT OLD.status OR NEW.processed_at IS NOT OLD.processed_at)
BEGIN
    INSERT INTO webhook_deliveries (webhook_id, event, subject, document_id, doc_status,
                                    doc_error, created_at, next_attempt_at)
    SELECT w.id, 'document', 'document:' || NEW.id, NEW.id, NEW.status, NEW.error,
           CAST(unixepoch('subsec') * 1000 AS INTEGER), CAST(unixepoch('subsec') * 1000 AS INTEGER)
      FROM webhooks w
     WHERE (',' || w.events || ',') LIKE '%,document,%'
     ORDER BY w.id;
END;
