-- Re-extraction: running a newer extractor over stored documents without losing what
-- assessors decided (src/reextract/).
--
-- A decided fact the newer extractor no longer produces is kept and marked orphaned: the time
-- (Unix ms) a re-extraction last failed to produce it. A column, as on SQLite, which cannot
-- change the CHECK constraint of facts.status.
ALTER TABLE facts ADD COLUMN orphaned_at BIGINT;

-- The review log gets a fifth action, `reextract`: a decided fact whose value the newer
-- extractor reads differently goes back to pending, and the log keeps the values before and
-- after.
ALTER TABLE review_log DROP CONSTRAINT review_log_action_check;
ALTER TABLE review_log ADD CONSTRAINT review_log_action_check
    CHECK (action IN ('confirm', 'correct', 'reject', 'undo', 'reextract'));

-- The audit of re-extraction: one row per run (who, when, to which extractor version, the
-- totals) and one per document it rewrote (from which version, what became of its facts).
CREATE TABLE reextract_runs (
    id          BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    user_id     BIGINT REFERENCES users (id),
    actor       TEXT   NOT NULL,
    to_version  TEXT   NOT NULL,
    started_at  BIGINT NOT NULL,
    -- NULL while running, and for ever when the run stopped part-way.
    finished_at BIGINT,
    documents   BIGINT NOT NULL DEFAULT 0,
    kept        BIGINT NOT NULL DEFAULT 0,
    new_facts   BIGINT NOT NULL DEFAULT 0,
    changed     BIGINT NOT NULL DEFAULT 0,
    orphaned    BIGINT NOT NULL DEFAULT 0,
    removed     BIGINT NOT NULL DEFAULT 0
);

CREATE TABLE reextract_documents (
    id           BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    run_id       BIGINT NOT NULL REFERENCES reextract_runs (id),
    document_id  BIGINT NOT NULL REFERENCES documents (id) ON DELETE CASCADE,
    from_version TEXT,
    to_version   TEXT   NOT NULL,
    kept         BIGINT NOT NULL,
    new_facts    BIGINT NOT NULL,
    changed      BIGINT NOT NULL,
    orphaned     BIGINT NOT NULL,
    removed      BIGINT NOT NULL,
    at           BIGINT NOT NULL
);
CREATE INDEX reextract_documents_run ON reextract_documents (run_id, id);
CREATE INDEX reextract_documents_document ON reextract_documents (document_id, id);
