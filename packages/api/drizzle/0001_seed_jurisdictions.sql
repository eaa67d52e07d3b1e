-- Reference data: the jurisdictions supported in v1. Ids are part of the public API.
INSERT INTO "jurisdictions" ("id", "name") VALUES
  ('jur_uk_eng', 'England'),
  ('jur_uk_sct', 'Scotland'),
  ('jur_uk_wls', 'Wales'),
  ('jur_uk_nir', 'Northern Ireland')
ON CONFLICT ("id") DO NOTHING;
