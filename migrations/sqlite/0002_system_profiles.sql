-- The named weight profiles (popular, critical, industry, cultural, people). Weights are
-- normalised when used, so Crowd Pleaser's sum of 0.95 is deliberate and harmless.
INSERT INTO weight_profiles (slug, name, w_popular, w_critical, w_industry, w_cultural, w_people, is_default, is_system, created_at) VALUES
    ('balanced',        'Balanced',        0.20,  0.20,  0.20, 0.20, 0.20, 1, 1, 0),
    ('award-winner',    'Award Winner',    0.125, 0.125, 0.45, 0.20, 0.10, 0, 1, 0),
    ('critics-choice',  'Critics'' Choice', 0.25,  0.25,  0.15, 0.30, 0.05, 0, 1, 0),
    ('crowd-pleaser',   'Crowd Pleaser',   0.20,  0.20,  0.10, 0.40, 0.05, 0, 1, 0),
    ('cult-classic',    'Cult Classic',    0.20,  0.20,  0.10, 0.35, 0.15, 0, 1, 0);
