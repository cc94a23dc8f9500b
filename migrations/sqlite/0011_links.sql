-- Links across documents: the normalized keys of each document (its own 发文字号 and title,
-- the numbers and titles it cites, the projects and departments it names with the facts
-- stating their figures), written when its facts are stored, so that citations and the same
-- project in other years are found by an indexed equality. `links_indexed` records which
-- documents have their keys: documents stored before this migration get theirs when a
-- server next starts (the keys are computed in Rust, from the stored facts and forms).
CREATE TABLE document_links (
    document_id INTEGER NOT NULL REFERENCES documents (id) ON DELETE CASCADE,
    kind        TEXT    NOT NULL
                CHECK (kind IN ('number', 'title', 'cites_number', 'cites_title',
                                'project', 'department')),
    link_key    TEXT    NOT NULL,
    -- For a project's figure: budget, spent, grade, amount or rating; '' for the project itself.
    label       TEXT    NOT NULL DEFAULT '',
    -- The fact (its seq in the document) a citation or a figure comes from.
    fact_seq    INTEGER
);
CREATE INDEX document_links_key ON document_links (link_key, kind, document_id);
CREATE INDEX document_links_document ON document_links (document_id, kind);

CREATE TABLE links_indexed (
    document_id INTEGER PRIMARY KEY REFERENCES documents (id) ON DELETE CASCADE
);

-- A cross-document finding names the other report it disagrees with.
ALTER TABLE checks ADD COLUMN other_document_id INTEGER REFERENCES documents (id) ON DELETE CASCADE;
