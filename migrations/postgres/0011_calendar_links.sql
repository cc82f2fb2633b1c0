-- A member's secret calendar link (/calendar.ics?key=...): a random token, replaced when the
-- member resets it. It only reads the club's screenings, so it is kept as is, to be shown again.
ALTER TABLE users ADD COLUMN calendar_token TEXT;
CREATE UNIQUE INDEX users_calendar_token ON users (calendar_token);
