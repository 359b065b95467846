ALTER TABLE help_requests DROP COLUMN last_wave;
ALTER TABLE help_requests DROP COLUMN wave;
