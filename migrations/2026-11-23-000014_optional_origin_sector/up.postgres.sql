-- PostgreSQL part of migration 000014, run before up.sql.
ALTER TABLE applications ALTER COLUMN origin_sector DROP NOT NULL;
ALTER TABLE volunteers ALTER COLUMN origin_sector DROP NOT NULL;
