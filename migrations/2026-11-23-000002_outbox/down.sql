DROP INDEX outbox_due_idx;
DROP INDEX outbox_message_id_key;
DROP TABLE outbox;
