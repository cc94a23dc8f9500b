-- jixiao schema (SQLite). Kept column-for-column equal to migrations/postgres so one set of
-- queries serves both. Money and other decimals are TEXT: exact, never float.

CREATE TABLE users (
    id          INTEGER PRIMARY KEY,
    name        TEXT    NOT NULL,
    role        TEXT    NOT NULL CHECK (role IN ('uploader', 'assessor', 'reader', 'admin')),
    token_hash  TEXT    NOT NULL UNIQUE,
    created_at  INTEGER NOT NULL,
    revoked_at  INTEGER
);

CREATE TABLE documents (
    id                INTEGER PRIMARY KEY,
    sha256            TEXT    NOT NULL UNIQUE,
    file_name         TEXT,
    format            TEXT,
    size_bytes        INTEGER NOT NULL,
    content           BLOB    NOT NULL,
    status            TEXT    NOT NULL DEFAULT 'queued'
                      CHECK (status IN ('queued', 'processing', 'done', 'needs_ocr', 'failed')),
    error             TEXT,
    title             TEXT,
    region            TEXT,
    year              INTEGER,
    doc_number        TEXT,
    text              TEXT,
    text_chars        INTEGER,
    encoding          TEXT,
    extractor_version TEXT,
    uploaded_by       INTEGER REFERENCES users (id),
    uploaded_at       INTEGER NOT NULL,
    attempts          INTEGER NOT NULL DEFAULT 0,
    lease_until       INTEGER,
    claimed_by        TEXT,
    processed_at      INTEGER
);
CREATE INDEX documents_queue ON documents (status, id);
CREATE INDEX documents_uploader ON documents (uploaded_by, id);

CREATE TABLE facts (
    id                INTEGER PRIMARY KEY,
    document_id       INTEGER NOT NULL REFERENCES documents (id) ON DELETE CASCADE,
    seq               INTEGER NOT NULL,
    kind              TEXT    NOT NULL,
    span_start        INTEGER NOT NULL,
    span_end          INTEGER NOT NULL,
    text              TEXT    NOT NULL,
    value             TEXT    NOT NULL,
    unit              TEXT,
    qualifier         TEXT    NOT NULL,
    subject           TEXT,
    row_no            INTEGER,
    table_no          INTEGER,
    provenance        TEXT,
    extra             TEXT,
    original          TEXT    NOT NULL,
    extractor_version TEXT    NOT NULL,
    failed_checks     INTEGER NOT NULL DEFAULT 0,
    status            TEXT    NOT NULL DEFAULT 'pending'
                      CHECK (status IN ('pending', 'confirmed', 'corrected', 'rejected')),
    version           INTEGER NOT NULL DEFAULT 1,
    reviewed_by       TEXT,
    reviewed_at       INTEGER,
    UNIQUE (document_id, seq)
);
CREATE INDEX facts_status ON facts (status, kind);

CREATE TABLE checks (
    id          INTEGER PRIMARY KEY,
    document_id INTEGER NOT NULL REFERENCES documents (id) ON DELETE CASCADE,
    kind        TEXT    NOT NULL,
    ok          INTEGER NOT NULL,
    fact_seqs   TEXT    NOT NULL,
    stated      TEXT    NOT NULL,
    computed    TEXT    NOT NULL,
    message     TEXT    NOT NULL
);
CREATE INDEX checks_document ON checks (document_id);

CREATE TABLE bulk_actions (
    id         INTEGER PRIMARY KEY,
    action     TEXT    NOT NULL,
    filter     TEXT    NOT NULL,
    fact_count INTEGER NOT NULL,
    user_id    INTEGER REFERENCES users (id),
    actor      TEXT    NOT NULL,
    at         INTEGER NOT NULL
);

CREATE TABLE review_log (
    id          INTEGER PRIMARY KEY,
    fact_id     INTEGER NOT NULL REFERENCES facts (id),
    document_id INTEGER NOT NULL REFERENCES documents (id),
    action      TEXT    NOT NULL CHECK (action IN ('confirm', 'correct', 'reject', 'undo')),
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
CREATE INDEX review_log_fact ON review_log (fact_id, id);

-- The review log is the audit trail: rows are only ever added.
CREATE TRIGGER review_log_no_update BEFORE UPDATE ON review_log
BEGIN SELECT RAISE(ABORT, 'review_log is append-only'); END;
CREATE TRIGGER review_log_no_delete BEFORE DELETE ON review_log
BEGIN SELECT RAISE(ABORT, 'review_log is append-only'); END;
