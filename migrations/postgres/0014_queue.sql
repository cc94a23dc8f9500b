-- The work queue: documents are searched, filtered and sorted in the list, and an admin
-- assigns each to an assessor. `assigned_to` is who works on a document now; every change of
-- it is kept in `document_assignments`, who assigned whom and when, rows only ever added —
-- the same kind of audit trail as the review log.

ALTER TABLE documents ADD COLUMN assigned_to BIGINT REFERENCES users (id);

CREATE TABLE document_assignments (
    id          BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    document_id BIGINT  NOT NULL REFERENCES documents (id),
    -- The assessor before and after; NULL is nobody.
    before      BIGINT  REFERENCES users (id),
    after       BIGINT  REFERENCES users (id),
    user_id     BIGINT  REFERENCES users (id),
    actor       TEXT    NOT NULL,
    at          BIGINT  NOT NULL
);
CREATE INDEX document_assignments_document ON document_assignments (document_id, id);

CREATE FUNCTION document_assignments_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'document_assignments is append-only';
END;
$$;
CREATE TRIGGER document_assignments_no_change BEFORE UPDATE OR DELETE ON document_assignments
FOR EACH ROW EXECUTE FUNCTION document_assignments_append_only();

-- The assignee is part of a document as the API shows it: a change of it is a change to sync.
CREATE TRIGGER documents_change_assignee BEFORE UPDATE ON documents
FOR EACH ROW WHEN (NEW.assigned_to IS DISTINCT FROM OLD.assigned_to)
EXECUTE FUNCTION stamp_change();

-- Paging the queue: a page of ids is read from these indexes first, and only then the page's
-- documents, so a filter or sort over 10,000 documents touches index entries, not rows.
CREATE INDEX documents_assignee ON documents (assigned_to, id);
CREATE INDEX documents_uploaded ON documents (uploaded_at, id);
CREATE INDEX documents_region ON documents (region, id);
CREATE INDEX documents_year ON documents (year, id);
-- Review progress of a document counted from the index alone.
CREATE INDEX facts_document_status ON facts (document_id, status);
