-- Exports of different eras: visits of April 2021 (one KPI), calls Jan–Mar
-- 2021 (three), orders of 2019 (three) and chats of 1998 (two).
CREATE TABLE visits (visit_id VARCHAR, visit_date DATE);
INSERT INTO visits VALUES ('v1', '2021-04-06'), ('v2', '2021-04-07');
CREATE TABLE calls (call_id VARCHAR, call_date DATE, answered BOOLEAN);
INSERT INTO calls VALUES ('c1', '2021-01-05', true), ('c2', '2021-02-10', false), ('c3', '2021-03-15', true), ('c4', '2021-03-20', true);
CREATE TABLE orders (order_id VARCHAR, order_date DATE, amount DOUBLE);
INSERT INTO orders VALUES ('o1', '2019-02-01', 10), ('o2', '2019-12-15', 30);
CREATE TABLE chats (chat_id VARCHAR, chat_date DATE);
INSERT INTO chats VALUES ('h1', '1998-04-02'), ('h2', '1998-06-09');
