-- Reference data that staff can extend: expertise and request themes.
-- Portable SQL: the same file runs on SQLite and PostgreSQL.
CREATE TABLE themes (
    id VARCHAR(64) PRIMARY KEY NOT NULL,
    label TEXT NOT NULL,
    position INTEGER NOT NULL,
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL,
    -- A retired theme is offered no more but stays on old records and in reports.
    retired_at TIMESTAMP
);

CREATE UNIQUE INDEX themes_label_key ON themes (label);

INSERT INTO themes (id, label, position, created_at, updated_at) VALUES
    ('teletravail', 'Télétravail', 1, '2020-03-23 00:00:00', '2020-03-23 00:00:00'),
    ('si-medico-social', 'SI médico-social / DUI', 2, '2020-03-23 00:00:00', '2020-03-23 00:00:00'),
    ('pca', 'Plan de continuité d''activité (PCA)', 3, '2020-03-23 00:00:00', '2020-03-23 00:00:00'),
    ('telemedecine', 'Télémédecine / télésanté', 4, '2020-03-23 00:00:00', '2020-03-23 00:00:00'),
    ('cybersecurite', 'Cybersécurité', 5, '2020-03-23 00:00:00', '2020-03-23 00:00:00'),
    ('messagerie-securisee', 'Messagerie sécurisée (MSSanté)', 6, '2020-03-23 00:00:00', '2020-03-23 00:00:00'),
    ('infrastructure-reseau', 'Infrastructure et réseau', 7, '2020-03-23 00:00:00', '2020-03-23 00:00:00'),
    ('outils-collaboratifs', 'Outils collaboratifs / visioconférence', 8, '2020-03-23 00:00:00', '2020-03-23 00:00:00'),
    ('achats-materiel', 'Achats et matériel', 9, '2020-03-23 00:00:00', '2020-03-23 00:00:00'),
    ('protection-donnees', 'Protection des données (RGPD)', 10, '2020-03-23 00:00:00', '2020-03-23 00:00:00'),
    ('interoperabilite', 'Interopérabilité', 11, '2020-03-23 00:00:00', '2020-03-23 00:00:00'),
    ('ins', 'Identité nationale de santé (INS)', 12, '2020-03-23 00:00:00', '2020-03-23 00:00:00'),
    ('gouvernance-si', 'Gouvernance et pilotage SI', 13, '2020-03-23 00:00:00', '2020-03-23 00:00:00');
