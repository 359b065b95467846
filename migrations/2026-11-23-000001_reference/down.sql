DROP INDEX themes_label_key;
DROP TABLE themes;
