-- Undo looks for the fact's newest decision that no undo points at. With this index that
-- check is one probe per decision looked at, newest first, instead of reading every undo
-- in the fact's history.
CREATE INDEX review_log_undoes ON review_log (undoes) WHERE undoes IS NOT NULL;
