-- Who uploaded each document. The same bytes are stored and extracted once, but each person
-- who uploads them gets their own record (their file name, their time), and an uploader
-- sees exactly the documents they have a record of — so uploading someone else's file
-- tells nothing of the other upload.
CREATE TABLE document_uploads (
    document_id INTEGER NOT NULL REFERENCES documents (id) ON DELETE CASCADE,
    user_id     INTEGER NOT NULL REFERENCES users (id),
    file_name   TEXT,
    uploaded_at INTEGER NOT NULL,
    PRIMARY KEY (document_id, user_id)
);
CREATE INDEX document_uploads_user ON document_uploads (user_id, document_id);
INSERT INTO document_uploads (document_id, user_id, file_name, uploaded_at)
SELECT id, uploaded_by, file_name, uploaded_at FROM documents WHERE uploaded_by IS NOT NULL;
-- A document's facts are read a page at a time in reading order (span start, then id).
CREATE INDEX facts_document_span ON facts (document_id, span_start, id);
