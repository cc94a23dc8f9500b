-- A document's counts as the work queue sorts and filters by them: its facts and those decided
-- (any status but pending); its failed checks by severity. Counted afresh for every document,
-- the sorts by review progress and by findings read every document's facts or checks before
-- they can take a page; kept here, they are read from an index a page at a time like the
-- other sorts.
--
-- Tables of their own rather than columns of `documents`: a document row holds its file and
-- text, many pages each, and SQLite writes a row whole, so a count kept there would rewrite
-- the file with every decision. Two tables as on PostgreSQL (where one row for both would be
-- locked in opposite orders by a decision and a recheck), so both backends share the queries.
--
-- The triggers below keep the counts in the same statement as every write that changes them
-- (extraction, decisions and their undo, bulk actions, re-extraction, checks replaced on a
-- recheck), whatever code does the write.
CREATE TABLE document_fact_counts (
    document_id   INTEGER PRIMARY KEY REFERENCES documents (id) ON DELETE CASCADE,
    facts_total   INTEGER NOT NULL DEFAULT 0,
    facts_decided INTEGER NOT NULL DEFAULT 0
);
CREATE TABLE document_finding_counts (
    document_id      INTEGER PRIMARY KEY REFERENCES documents (id) ON DELETE CASCADE,
    findings_error   INTEGER NOT NULL DEFAULT 0,
    findings_warning INTEGER NOT NULL DEFAULT 0
);

INSERT INTO document_fact_counts (document_id, facts_total, facts_decided)
SELECT d.id,
       (SELECT COUNT(*) FROM facts f WHERE f.document_id = d.id),
       (SELECT COUNT(*) FROM facts f WHERE f.document_id = d.id AND f.status <> 'pending')
FROM documents d;
INSERT INTO document_finding_counts (document_id, findings_error, findings_warning)
SELECT d.id,
       (SELECT COUNT(*) FROM checks c WHERE c.document_id = d.id AND c.ok = 0
                                        AND c.severity = 'error'),
       (SELECT COUNT(*) FROM checks c WHERE c.document_id = d.id AND c.ok = 0
                                        AND c.severity = 'warning')
FROM documents d;

CREATE TRIGGER document_counts_new AFTER INSERT ON documents
BEGIN
    INSERT INTO document_fact_counts (document_id) VALUES (NEW.id);
    INSERT INTO document_finding_counts (document_id) VALUES (NEW.id);
END;

CREATE TRIGGER document_counts_fact_insert AFTER INSERT ON facts
BEGIN
    UPDATE document_fact_counts
       SET facts_total = facts_total + 1,
           facts_decided = facts_decided + (NEW.status <> 'pending')
     WHERE document_id = NEW.document_id;
END;

CREATE TRIGGER document_counts_fact_delete AFTER DELETE ON facts
BEGIN
    UPDATE document_fact_counts
       SET facts_total = facts_total - 1,
           facts_decided = facts_decided - (OLD.status <> 'pending')
     WHERE document_id = OLD.document_id;
END;

-- Only a change between pending and decided (or of document) moves a count: confirming a
-- corrected fact, or correcting its value, does not.
CREATE TRIGGER document_counts_fact_update AFTER UPDATE OF status, document_id ON facts
WHEN (OLD.status <> 'pending') <> (NEW.status <> 'pending')
  OR OLD.document_id <> NEW.document_id
BEGIN
    UPDATE document_fact_counts
       SET facts_total = facts_total - 1,
           facts_decided = facts_decided - (OLD.status <> 'pending')
     WHERE document_id = OLD.document_id;
    UPDATE document_fact_counts
       SET facts_total = facts_total + 1,
           facts_decided = facts_decided + (NEW.status <> 'pending')
     WHERE document_id = NEW.document_id;
END;

CREATE TRIGGER document_counts_check_insert AFTER INSERT ON checks
WHEN NEW.ok = 0
BEGIN
    UPDATE document_finding_counts
       SET findings_error = findings_error + (NEW.severity = 'error'),
           findings_warning = findings_warning + (NEW.severity = 'warning')
     WHERE document_id = NEW.document_id;
END;

CREATE TRIGGER document_counts_check_delete AFTER DELETE ON checks
WHEN OLD.ok = 0
BEGIN
    UPDATE document_finding_counts
       SET findings_error = findings_error - (OLD.severity = 'error'),
           findings_warning = findings_warning - (OLD.severity = 'warning')
     WHERE document_id = OLD.document_id;
END;

CREATE TRIGGER document_counts_check_update AFTER UPDATE OF ok, severity, document_id ON checks
WHEN OLD.ok IS NOT NEW.ok OR OLD.severity IS NOT NEW.severity
  OR OLD.document_id <> NEW.document_id
BEGIN
    UPDATE document_finding_counts
       SET findings_error = findings_error - (OLD.ok = 0 AND OLD.severity = 'error'),
           findings_warning = findings_warning - (OLD.ok = 0 AND OLD.severity = 'warning')
     WHERE document_id = OLD.document_id;
    UPDATE document_finding_counts
       SET findings_error = findings_error + (NEW.ok = 0 AND NEW.severity = 'error'),
           findings_warning = findings_warning + (NEW.ok = 0 AND NEW.severity = 'warning')
     WHERE document_id = NEW.document_id;
END;

-- The sorts, each ending in the document id as the list's ties do, so a page is the next
-- entries of one index. The progress key is the list's own expression: the share of facts
-- decided, -1 for a document without facts (first).
CREATE INDEX document_fact_counts_progress ON document_fact_counts (
    (CASE WHEN facts_total = 0 THEN -1.0 ELSE facts_decided * 1.0 / facts_total END),
    document_id);
CREATE INDEX document_finding_counts_findings ON document_finding_counts (
    findings_error, findings_warning, document_id);
