-- Where each table of a document stands in its text: per table, per row, the code-point span
-- of each cell, as JSON ([[[start, end], …], …]). The review page draws these as tables and
-- everything else as running text.
ALTER TABLE documents ADD COLUMN tables TEXT;
