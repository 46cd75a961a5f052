-- Orders exported up to 28 Sep (three KPIs) beside a signups table that
-- runs to 10 Oct (one KPI): September is where most KPIs have data.
CREATE TABLE orders (order_id VARCHAR, customer_id VARCHAR, order_date DATE, amount DOUBLE);
INSERT INTO orders VALUES
 ('o1', 'a', '2026-08-04', 10), ('o2', 'b', '2026-08-20', 30),
 ('o3', 'a', '2026-09-02', 20), ('o4', 'a', '2026-09-15', 40), ('o5', 'c', '2026-09-28', 60);
CREATE TABLE customers (customer_id VARCHAR, signup_date DATE);
INSERT INTO customers VALUES ('a', '2026-08-01'), ('b', '2026-08-19'), ('c', '2026-09-27'), ('d', '2026-10-10');
