DROP TABLE volunteer_themes;
DROP TABLE volunteers;
DROP TABLE application_themes;
DROP TABLE applications;
