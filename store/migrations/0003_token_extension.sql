-- A room token may speak for an extension: an operator (config group
-- "operators") whose token calls people out while that extension is in the
-- conference. Empty: the token speaks for nobody in particular.
ALTER TABLE tokens ADD COLUMN extension TEXT NOT NULL DEFAULT '';
