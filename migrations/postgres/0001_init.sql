-- jixiao schema (PostgreSQL). Kept column-for-column equal to migrations/sqlite so one set of
-- queries serves both. Money and other decimals are TEXT: exact, never float.

CREATE TABLE users (
    id          BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    name        TEXT    NOT NULL,
    role        TEXT    NOT NULL CHECK (role IN ('uploader', 'assessor', 'reader', 'admin')),
    token_hash  TEXT    NOT NULL UNIQUE,
    created_at  BIGINT  NOT NULL,
    revoked_at  BIGINT
);

CREATE TABLE documents (
    id                BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    sha256            TEXT    NOT NULL UNIQUE,
    file_name         TEXT,
    format            TEXT,
    size_bytes        BIGINT  NOT NULL,
    content           BYTEA   NOT NULL,
    status            TEXT    NOT NULL DEFAULT 'queued'
                      CHECK (status IN ('queued', 'processing', 'done', 'needs_ocr', 'failed')),
    error             TEXT,
    title             TEXT,
    region            TEXT,
    year              BIGINT,
    doc_number        TEXT,
    text              TEXT,
    text_chars        BIGINT,
    encoding          TEXT,
    extractor_version TEXT,
    uploaded_by       BIGINT  REFERENCES users (id),
    uploaded_at       BIGINT  NOT NULL,
    attempts          BIGINT  NOT NULL DEFAULT 0,
    lease_until       BIGINT,
    claimed_by        TEXT,
    processed_at      BIGINT
);
CREATE INDEX documents_queue ON documents (status, id);
CREATE INDEX documents_uploader ON documents (uploaded_by, id);

CREATE TABLE facts (
    id                BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    document_id       BIGINT  NOT NULL REFERENCES documents (id) ON DELETE CASCADE,
    seq               BIGINT  NOT NULL,
    kind              TEXT    NOT NULL,
    span_start        BIGINT  NOT NULL,
    span_end          BIGINT  NOT NULL,
    text              TEXT    NOT NULL,
    value             TEXT    NOT NULL,
    unit              TEXT,
    qualifier         TEXT    NOT NULL,
    subject           TEXT,
    row_no            BIGINT,
    table_no          BIGINT,
    provenance        TEXT,
    extra             TEXT,
    original          TEXT    NOT NULL,
    extractor_version TEXT    NOT NULL,
    failed_checks     BIGINT  NOT NULL DEFAULT 0,
    status            TEXT    NOT NULL DEFAULT 'pending'
                      CHECK (status IN ('pending', 'confirmed', 'corrected', 'rejected')),
    version           BIGINT  NOT NULL DEFAULT 1,
    reviewed_by       TEXT,
    reviewed_at       BIGINT,
    UNIQUE (document_id, seq)
);
CREATE INDEX facts_status ON facts (status, kind);

CREATE TABLE checks (
    id          BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    document_id BIGINT  NOT NULL REFERENCES documents (id) ON DELETE CASCADE,
    kind        TEXT    NOT NULL,
    ok          BIGINT  NOT NULL,
    fact_seqs   TEXT    NOT NULL,
    stated      TEXT    NOT NULL,
    computed    TEXT    NOT NULL,
    message     TEXT    NOT NULL
);
CREATE INDEX checks_document ON checks (document_id);

CREATE TABLE bulk_actions (
    id         BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    action     TEXT    NOT NULL,
    filter     TEXT    NOT NULL,
    fact_count BIGINT  NOT NULL,
    user_id    BIGINT  REFERENCES users (id),
    actor      TEXT    NOT NULL,
    at         BIGINT  NOT NULL
);

CREATE TABLE review_log (
    id          BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    fact_id     BIGINT  NOT NULL REFERENCES facts (id),
    document_id BIGINT  NOT NULL REFERENCES documents (id),
    action      TEXT    NOT NULL CHECK (action IN ('confirm', 'correct', 'reject', 'undo')),
    reason      TEXT,
    note        TEXT,
    before      TEXT    NOT NULL,
    after       TEXT    NOT NULL,
    version     BIGINT  NOT NULL,
    user_id     BIGINT  REFERENCES users (id),
    actor       TEXT    NOT NULL,
    at          BIGINT  NOT NULL,
    bulk_id     BIGINT  REFERENCES bulk_actions (id),
    undoes      BIGINT  REFERENCES review_log (id)
);
CREATE INDEX review_log_fact ON review_log (fact_id, id);

-- The review log is the audit trail: rows are only ever added.
CREATE FUNCTION review_log_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'review_log is append-only';
END;
$$;
CREATE TRIGGER review_log_no_change BEFORE UPDATE OR DELETE ON review_log
FOR EACH ROW EXECUTE FUNCTION review_log_append_only();
