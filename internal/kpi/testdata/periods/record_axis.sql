-- A 311-style export: requests created up to 29 Oct (the record axis), closed
-- up to 10 Nov (tickets that closed after the export's cut-off).
CREATE TABLE requests (request_id VARCHAR, created_at TIMESTAMP, resolved_at TIMESTAMP);
INSERT INTO requests VALUES
 ('t1', '2026-09-01 00:00', '2026-09-01 10:00'),
 ('t2', '2026-09-10 00:00', '2026-09-10 20:00'),
 ('t3', '2026-09-28 00:00', '2026-09-30 00:00'),
 ('t4', '2026-10-05 00:00', '2026-10-05 04:00'),
 ('t5', '2026-10-20 00:00', '2026-10-20 08:00'),
 ('t6', '2026-10-29 12:00', '2026-10-31 12:00'),
 ('t7', '2026-10-25 00:00', '2026-11-10 00:00');
