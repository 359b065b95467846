ALTER TABLE applications ALTER COLUMN origin_sector SET NOT NULL;
ALTER TABLE volunteers ALTER COLUMN origin_sector SET NOT NULL;
