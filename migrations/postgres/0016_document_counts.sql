-- A document's counts as the work queue sorts and filters by them: its facts and those decided
-- (any status but pending); its failed checks by severity. Counted afresh for every document,
-- the sorts by review progress and by findings read every document's facts or checks before
-- they can take a page; kept here, they are read from an index a page at a time like the
-- other sorts.
--
-- Tables of their own rather than columns of `documents`: a change of a count then writes a
-- narrow row and its index, not a new version of the document row with an entry in each of
-- the document's many indexes.
--
-- Two tables, not one, because of who writes them. The fact counts move only with a fact's
-- status (decisions, bulk actions, extraction, re-extraction), and those writers lock their
-- facts before anything else; the finding counts move only with checks (a recheck after a
-- correction, extraction, re-extraction, cross-document checks), and those writers take the
-- links lock or hold a new document. One row for both would be locked by a decision after
-- its fact and by a recheck before the facts it recounts: two opposite orders, a deadlock.
--
-- The triggers below keep the counts in the same statement as every write that changes them,
-- whatever code does the write.
CREATE TABLE document_fact_counts (
    document_id   BIGINT PRIMARY KEY REFERENCES documents (id) ON DELETE CASCADE,
    facts_total   BIGINT NOT NULL DEFAULT 0,
    facts_decided BIGINT NOT NULL DEFAULT 0
);
CREATE TABLE document_finding_counts (
    document_id      BIGINT PRIMARY KEY REFERENCES documents (id) ON DELETE CASCADE,
    findings_error   BIGINT NOT NULL DEFAULT 0,
    findings_warning BIGINT NOT NULL DEFAULT 0
);

INSERT INTO document_fact_counts (document_id, facts_total, facts_decided)
SELECT d.id, COALESCE(f.total, 0), COALESCE(f.decided, 0)
FROM documents d
LEFT JOIN (SELECT document_id, COUNT(*) AS total,
                  COUNT(*) FILTER (WHERE status <> 'pending') AS decided
           FROM facts GROUP BY document_id) f ON f.document_id = d.id;
INSERT INTO document_finding_counts (document_id, findings_error, findings_warning)
SELECT d.id, COALESCE(c.error, 0), COALESCE(c.warning, 0)
FROM documents d
LEFT JOIN (SELECT document_id, COUNT(*) FILTER (WHERE severity = 'error') AS error,
                  COUNT(*) FILTER (WHERE severity = 'warning') AS warning
           FROM checks WHERE ok = 0 GROUP BY document_id) c ON c.document_id = d.id;

CREATE FUNCTION document_counts_new() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO document_fact_counts (document_id) VALUES (NEW.id);
    INSERT INTO document_finding_counts (document_id) VALUES (NEW.id);
    RETURN NULL;
END;
$$;
CREATE TRIGGER document_counts_new AFTER INSERT ON documents
FOR EACH ROW EXECUTE FUNCTION document_counts_new();

-- Adds each change (a row of counts to add, by document) to the stored counts. The rows are
-- locked in document order first: decisions commit from several writers at once, each
-- statement touching facts of several documents, and rows locked in the order an UPDATE
-- happens to meet them could deadlock two writers.
CREATE FUNCTION document_fact_counts_add(changes document_fact_counts[]) RETURNS void
LANGUAGE plpgsql AS $$
BEGIN
    IF cardinality(changes) = 0 THEN
        RETURN;
    END IF;
    PERFORM 1 FROM document_fact_counts k
     WHERE k.document_id IN (SELECT c.document_id FROM unnest(changes) c)
     ORDER BY k.document_id FOR UPDATE;
    UPDATE document_fact_counts k
       SET facts_total = k.facts_total + c.facts_total,
           facts_decided = k.facts_decided + c.facts_decided
      FROM unnest(changes) c
     WHERE k.document_id = c.document_id;
END;
$$;
CREATE FUNCTION document_finding_counts_add(changes document_finding_counts[]) RETURNS void
LANGUAGE plpgsql AS $$
BEGIN
    IF cardinality(changes) = 0 THEN
        RETURN;
    END IF;
    PERFORM 1 FROM document_finding_counts k
     WHERE k.document_id IN (SELECT c.document_id FROM unnest(changes) c)
     ORDER BY k.document_id FOR UPDATE;
    UPDATE document_finding_counts k
       SET findings_error = k.findings_error + c.findings_error,
           findings_warning = k.findings_warning + c.findings_warning
      FROM unnest(changes) c
     WHERE k.document_id = c.document_id;
END;
$$;

-- Once a statement, over the rows it changed (a bulk confirm is one statement for hundreds
-- of facts): rows as they were count -1, rows as they are +1. A statement that changes no
-- count (a correction of a decided fact, a recheck's failed-check counts) locks nothing.
CREATE FUNCTION document_counts_facts() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'INSERT' THEN
        PERFORM document_fact_counts_add(ARRAY(
            SELECT ROW(document_id, COUNT(*),
                       COUNT(*) FILTER (WHERE status <> 'pending'))::document_fact_counts
            FROM new_facts GROUP BY document_id));
    ELSIF TG_OP = 'DELETE' THEN
        PERFORM document_fact_counts_add(ARRAY(
            SELECT ROW(document_id, -COUNT(*),
                       -COUNT(*) FILTER (WHERE status <> 'pending'))::document_fact_counts
            FROM old_facts GROUP BY document_id));
    ELSE
        PERFORM document_fact_counts_add(ARRAY(
            SELECT ROW(document_id, SUM(n), SUM(decided))::document_fact_counts
            FROM (SELECT document_id, 1 AS n,
                         CASE WHEN status <> 'pending' THEN 1 ELSE 0 END AS decided
                  FROM new_facts
                  UNION ALL
                  SELECT document_id, -1, CASE WHEN status <> 'pending' THEN -1 ELSE 0 END
                  FROM old_facts) c
            GROUP BY document_id HAVING SUM(n) <> 0 OR SUM(decided) <> 0));
    END IF;
    RETURN NULL;
END;
$$;
CREATE TRIGGER document_counts_fact_insert AFTER INSERT ON facts
REFERENCING NEW TABLE AS new_facts
FOR EACH STATEMENT EXECUTE FUNCTION document_counts_facts();
CREATE TRIGGER document_counts_fact_delete AFTER DELETE ON facts
REFERENCING OLD TABLE AS old_facts
FOR EACH STATEMENT EXECUTE FUNCTION document_counts_facts();
CREATE TRIGGER document_counts_fact_update AFTER UPDATE ON facts
REFERENCING OLD TABLE AS old_facts NEW TABLE AS new_facts
FOR EACH STATEMENT EXECUTE FUNCTION document_counts_facts();

CREATE FUNCTION document_counts_checks() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'INSERT' THEN
        PERFORM document_finding_counts_add(ARRAY(
            SELECT ROW(document_id, COUNT(*) FILTER (WHERE severity = 'error'),
                       COUNT(*) FILTER (WHERE severity = 'warning'))::document_finding_counts
            FROM new_checks WHERE ok = 0 GROUP BY document_id));
    ELSIF TG_OP = 'DELETE' THEN
        PERFORM document_finding_counts_add(ARRAY(
            SELECT ROW(document_id, -COUNT(*) FILTER (WHERE severity = 'error'),
                       -COUNT(*) FILTER (WHERE severity = 'warning'))::document_finding_counts
            FROM old_checks WHERE ok = 0 GROUP BY document_id));
    ELSE
        PERFORM document_finding_counts_add(ARRAY(
            SELECT ROW(document_id, SUM(error), SUM(warning))::document_finding_counts
            FROM (SELECT document_id,
                         CASE WHEN severity = 'error' THEN 1 ELSE 0 END AS error,
                         CASE WHEN severity = 'warning' THEN 1 ELSE 0 END AS warning
                  FROM new_checks WHERE ok = 0
                  UNION ALL
                  SELECT document_id, CASE WHEN severity = 'error' THEN -1 ELSE 0 END,
                         CASE WHEN severity = 'warning' THEN -1 ELSE 0 END
                  FROM old_checks WHERE ok = 0) c
            GROUP BY document_id HAVING SUM(error) <> 0 OR SUM(warning) <> 0));
    END IF;
    RETURN NULL;
END;
$$;
CREATE TRIGGER document_counts_check_insert AFTER INSERT ON checks
REFERENCING NEW TABLE AS new_checks
FOR EACH STATEMENT EXECUTE FUNCTION document_counts_checks();
CREATE TRIGGER document_counts_check_delete AFTER DELETE ON checks
REFERENCING OLD TABLE AS old_checks
FOR EACH STATEMENT EXECUTE FUNCTION document_counts_checks();
CREATE TRIGGER document_counts_check_update AFTER UPDATE ON checks
REFERENCING OLD TABLE AS old_checks NEW TABLE AS new_checks
FOR EACH STATEMENT EXECUTE FUNCTION document_counts_checks();

-- The sorts, each ending in the document id as the list's ties do, so a page is the next
-- entries of one index. The progress key is the list's own expression: the share of facts
-- decided, -1 for a document without facts (first).
CREATE INDEX document_fact_counts_progress ON document_fact_counts (
    (CASE WHEN facts_total = 0 THEN -1.0 ELSE facts_decided * 1.0 / facts_total END),
    document_id);
CREATE INDEX document_finding_counts_findings ON document_finding_counts (
    findings_error, findings_warning, document_id);
