-- A ticket export whose creation dates stop on 14 Oct and solved dates on
-- 17 Oct, beside a survey table sent up to 28 Oct and answered up to 31 Oct.
CREATE TABLE tickets (ticket_id VARCHAR, created_at TIMESTAMP, first_response_at TIMESTAMP, resolved_at TIMESTAMP);
INSERT INTO tickets VALUES
 ('a', '2026-09-02 00:00', '2026-09-02 01:00', '2026-09-02 02:00'),
 ('b', '2026-09-16 00:00', '2026-09-16 09:00', '2026-09-16 10:00'),
 ('c', '2026-10-03 00:00', '2026-10-03 03:00', '2026-10-03 04:00'),
 ('d', '2026-10-14 00:00', '2026-10-14 05:00', '2026-10-17 00:00');
CREATE TABLE surveys (survey_id VARCHAR, sent_at DATE, responded_at DATE, nps INTEGER);
INSERT INTO surveys VALUES
 ('s1', '2026-09-05', '2026-09-06', 10), ('s2', '2026-09-20', '2026-09-21', 9),
 ('s3', '2026-09-29', NULL, NULL), ('s4', '2026-09-30', NULL, NULL),
 ('s5', '2026-10-10', '2026-10-12', 10), ('s6', '2026-10-28', '2026-10-31', 0),
 ('s7', '2026-10-26', NULL, NULL);
