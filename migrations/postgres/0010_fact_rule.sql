-- The extractor's rule that produced each fact (a stable dotted id such as `amount.inline`),
-- so review decisions can be counted per rule. Facts stored before rules were recorded keep
-- NULL.
ALTER TABLE facts ADD COLUMN rule TEXT;
CREATE INDEX facts_rule ON facts (rule, status);
