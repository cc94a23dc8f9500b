-- Re-extraction: running a newer extractor over stored documents without losing what
-- assessors decided (src/reextract/).
--
-- A decided fact the newer extractor no longer produces is kept and marked orphaned: the time
-- (Unix ms) a re-extraction last failed to produce it. A new column rather than a new status:
-- SQLite cannot change the CHECK constraint of facts.status.
ALTER TABLE facts ADD COLUMN orphaned_at INTEGER;

-- The review log gets a fifth action, `reextract`: a decided fact whose value the newer
-- extractor reads differently goes back to pending, and the log keeps the values before and
-- after. SQLite cannot alter a CHECK constraint either, so the table is rebuilt with its rows,
-- ids, indexes and append-only triggers. Dropping it drops its own triggers first, so no row
-- is "deleted" through them; the facts_log trigger on facts names the table and finds the new
-- one. Nothing else references review_log.
CREATE TEMP TABLE review_log_saved AS SELECT * FROM review_log;
DROP TABLE review_log;
CREATE TABLE review_log (
    id          INTEGER PRIMARY KEY,
    fact_id     INTEGER NOT NULL REFERENCES facts (id),
    document_id INTEGER NOT NULL REFERENCES documents (id),
    action      TEXT    NOT NULL
                CHECK (action IN ('confirm', 'correct', 'reject', 'undo', 'reextract')),
    reason      TEXT,
    note        TEXT,
    before      TEXT    NOT NULL,
    after       TEXT    NOT NULL,
    version     INTEGER NOT NULL,
    user_id     INTEGER REFERENCES users (id),
    actor       TEXT    NOT NULL,
    at          INTEGER NOT NULL,
    bulk_id     INTEGER REFERENCES bulk_actions (id),
    undoes      INTEGER REFERENCES review_log (id)
);
INSERT INTO review_log (id, fact_id, document_id, action, reason, note, before, after, version,
                        user_id, actor, at, bulk_id, undoes)
SELECT id, fact_id, document_id, action, reason, note, before, after, version,
       user_id, actor, at, bulk_id, undoes
FROM review_log_saved ORDER BY id;
DROP TABLE review_log_saved;
CREATE INDEX review_log_fact ON review_log (fact_id, id);
CREATE INDEX review_log_undoes ON review_log (undoes) WHERE undoes IS NOT NULL;
CREATE TRIGGER review_log_no_update BEFORE UPDATE ON review_log
BEGIN SELECT RAISE(ABORT, 'review_log is append-only'); END;
CREATE TRIGGER review_log_no_delete BEFORE DELETE ON review_log
BEGIN SELECT RAISE(ABORT, 'review_log is append-only'); END;

-- The audit of re-extraction: one row per run (who, when, to which extractor version, the
-- totals) and one per document it rewrote (from which version, what became of its facts).
CREATE TABLE reextract_runs (
    id          INTEGER PRIMARY KEY,
    user_id     INTEGER REFERENCES users (id),
    actor       TEXT    NOT NULL,
    to_version  TEXT    NOT NULL,
    started_at  INTEGER NOT NULL,
    -- NULL while running, and for ever when the run stopped part-way.
    finished_at INTEGER,
    documents   INTEGER NOT NULL DEFAULT 0,
    kept        INTEGER NOT NULL DEFAULT 0,
    new_facts   INTEGER NOT NULL DEFAULT 0,
    changed     INTEGER NOT NULL DEFAULT 0,
    orphaned    INTEGER NOT NULL DEFAULT 0,
    removed     INTEGER NOT NULL DEFAULT 0
);

CREATE TABLE reextract_documents (
    id           INTEGER PRIMARY KEY,
    run_id       INTEGER NOT NULL REFERENCES reextract_runs (id),
    document_id  INTEGER NOT NULL REFERENCES documents (id) ON DELETE CASCADE,
    from_version TEXT,
    to_version   TEXT    NOT NULL,
    kept         INTEGER NOT NULL,
    new_facts    INTEGER NOT NULL,
    changed      INTEGER NOT NULL,
    orphaned     INTEGER NOT NULL,
    removed      INTEGER NOT NULL,
    at           INTEGER NOT NULL
);
CREATE INDEX reextract_documents_run ON reextract_documents (run_id, id);
CREATE INDEX reextract_documents_document ON reextract_documents (document_id, id);
