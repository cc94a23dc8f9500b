-- OCR confidence of a fact, as a column the review list can filter and sort by: the
-- confidence (0–1) of its `ocr_page` provenance in hundredths (0–100), NULL for facts not
-- read by OCR. Provenance keeps two decimals, so hundredths are exact. Filled here for the
-- facts stored before; the store writes it with every fact from now on.
ALTER TABLE facts ADD COLUMN confidence BIGINT;

UPDATE facts
SET confidence = ROUND((provenance::jsonb ->> 'confidence')::numeric * 100)::bigint
WHERE provenance LIKE '%"ocr_page"%'
  AND provenance::jsonb ->> 'source' = 'ocr_page'
  AND provenance::jsonb ->> 'confidence' IS NOT NULL;

-- A document's doubtful facts, least sure first; only OCR'd facts are in it.
CREATE INDEX facts_confidence ON facts (document_id, confidence) WHERE confidence IS NOT NULL;
