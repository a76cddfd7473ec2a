-- Pending: SQL from expressions.sql that heapgres does not support yet
-- (0A000, 42883 for a missing function, or a parser difference). Not run.
select 'a_c' like 'a!_c' escape '!';
select 5 between symmetric 10 and 1;
select to_hex(255), to_hex(-1);
select div(7, 2), div(-7, 2);
select cbrt(27), ln(10), log(100), log(2, 8);
select ln(0);
select pi(), degrees(pi()), radians(180), sin(0), cos(0), atan2(1, 1);
select @ -5, |/ 25;
select 2 << 3, 256 >> 2, 5 & 3, 5 | 3, 5 # 3, ~5;
select translate('hello', 'el', 'ip');
select exp(1);
-- heapgres accepts a chained comparison that PostgreSQL rejects with 42601
-- (sqlparser parses comparison operators as associative).
select 1 < 2 = true;
