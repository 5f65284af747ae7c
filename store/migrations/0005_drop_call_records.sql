-- Nothing ever wrote call_records: who joined, when and how is kept by
-- attendance. The empty table and its indexes go.
DROP INDEX IF EXISTS call_records_room_started;
DROP INDEX IF EXISTS call_records_started;
DROP INDEX IF EXISTS call_records_call_id;
DROP TABLE IF EXISTS call_records;
