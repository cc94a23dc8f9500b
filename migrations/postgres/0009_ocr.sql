-- OCR of scanned documents: what read them (JSON {"engine", "pages", "confidence"}, NULL when
-- the text layer was read), and while a worker is at it, pages done of pages to read, so the
-- list and the API show how far it is.
ALTER TABLE documents ADD COLUMN ocr TEXT;
ALTER TABLE documents ADD COLUMN ocr_pages_done BIGINT;
ALTER TABLE documents ADD COLUMN ocr_pages BIGINT;
