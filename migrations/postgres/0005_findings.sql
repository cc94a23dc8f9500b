-- Findings kept with their document: a failed check's severity (an arithmetic error, or a
-- point to look at such as a met target docked without a reason), and the self-evaluation
-- forms the extractor read, as JSON, so the checks can be computed again from the facts
-- after an assessor corrects one. Checks stored before severities existed were all errors.
ALTER TABLE checks ADD COLUMN severity TEXT NOT NULL DEFAULT 'error'
    CHECK (severity IN ('error', 'warning'));
ALTER TABLE documents ADD COLUMN forms TEXT;
-- The list filters documents and facts by the kind and severity of a failed check.
CREATE INDEX checks_failed ON checks (kind, severity, document_id) WHERE ok = 0;
