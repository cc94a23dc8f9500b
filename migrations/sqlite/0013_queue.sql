-- The work queue: documents are searched, filtered and sorted in the list, and an admin
-- assigns each to an assessor. `assigned_to` is who works on a document now; every change of
-- it is kept in `document_assignments`, who assigned whom and when, rows only ever added —
-- the same kind of audit trail as the review log.

ALTER TABLE documents ADD COLUMN assigned_to INTEGER REFERENCES users (id);

CREATE TABLE document_assignments (
    id          INTEGER PRIMARY KEY,
    document_id INTEGER NOT NULL REFERENCES documents (id),
    -- The assessor before and after; NULL is nobody.
    before      INTEGER REFERENCES users (id),
    after       INTEGER REFERENCES users (id),
    user_id     INTEGER REFERENCES users (id),
    actor       TEXT    NOT NULL,
    at          INTEGER NOT NULL
);
CREATE INDEX document_assignments_document ON document_assignments (document_id, id);

CREATE TRIGGER document_assignments_no_update BEFORE UPDATE ON document_assignments
BEGIN SELECT RAISE(ABORT, 'document_assignments is append-only'); END;
CREATE TRIGGER document_assignments_no_delete BEFORE DELETE ON document_assignments
BEGIN SELECT RAISE(ABORT, 'document_assignments is append-only'); END;

-- The assignee is part of a document as the API shows it: a change of it is a change to sync.
CREATE TRIGGER documents_change_assignee AFTER UPDATE OF assigned_to ON documents
WHEN NEW.change_seq = OLD.change_seq AND NEW.assigned_to IS NOT OLD.assigned_to
BEGIN
    UPDATE sync_counter SET n = n + 1 WHERE id = 1;
    UPDATE documents SET change_seq = (SELECT n FROM sync_counter WHERE id = 1),
                         updated_at = CAST(unixepoch('subsec') * 1000 AS INTEGER)
     WHERE id = NEW.id;
END;

-- Paging the queue. The list reads a page of ids from these indexes first and only then the
-- page's documents (whose text and file run to many pages each): a filter or sort over
-- 10,000 documents touches the index entries, not the rows.
CREATE INDEX documents_assignee ON documents (assigned_to, id);
CREATE INDEX documents_uploaded ON documents (uploaded_at, id);
CREATE INDEX documents_region ON documents (region, id);
CREATE INDEX documents_year ON documents (year, id);
-- Review progress of a document counted from the index alone.
CREATE INDEX facts_document_status ON facts (document_id, status);
