-- Differential test: B-tree indexes. Every indexable type's ordering as an
-- index scan returns it (ORDER BY ... LIMIT reads the index), range, IN and
-- equality lookups through indexes, multi-column keys, DESC / NULLS FIRST
-- keys, and unique violations. Format: see tests/src/diff.rs.
set extra_float_digits = 1;

create table ti (id int primary key, i2 smallint, i4 int, i8 bigint, f4 real, f8 double precision, n numeric, t text, v varchar(10), b bytea, bo boolean, d date, tm time, ts timestamp, tz timestamptz, iv interval, u uuid);
insert into ti values
  (1, 1, -5, 9000000000, 1.5, 'NaN', 1.0, 'b', 'b', '\x01', true, '2020-01-01', '10:00', '2020-01-01 10:00', '2020-01-01 10:00+00', '1 day', '00000000-0000-0000-0000-000000000002'),
  (2, -1, 7, -9000000000, 'Infinity', 'Infinity', 1.00, 'a', 'a', '\x00', false, '1999-12-31', '00:00', '1999-12-31 23:59:59', '1999-12-31 23:59:59+00', '24 hours', '00000000-0000-0000-0000-000000000001'),
  (3, null, 0, 0, '-Infinity', '-Infinity', 'NaN', '', '', '', null, 'infinity', '23:59:59.999999', 'infinity', '-infinity', '1 mon', null),
  (4, 32767, null, 1, 'NaN', 0, -0.5, 'é', 'Z', '\xff', true, '-infinity', null, '-infinity', 'infinity', '-1 day', 'ffffffff-ffff-ffff-ffff-ffffffffffff'),
  (5, -32768, 2147483647, null, -0.0, -1e300, 123456789.123456789, 'ab', 'ab', '\x0102', false, null, '12:30', null, null, null, '00000000-0000-0000-0000-000000000003'),
  (6, 0, -2147483648, 9223372036854775807, 0, 1e300, 1e-20, null, null, null, true, '2000-01-01', '12:30', '2000-01-01 00:00', '2000-01-01 00:00+00', '30 days', '00000000-0000-0000-0000-000000000000');
create index ti_i2 on ti (i2);
create index ti_i4 on ti (i4);
create index ti_i8 on ti (i8);
create index ti_f4 on ti (f4);
create index ti_f8 on ti (f8);
create index ti_n on ti (n);
create index ti_t on ti (t);
create index ti_v on ti (v);
create index ti_b on ti (b);
create index ti_bo on ti (bo);
create index ti_d on ti (d);
create index ti_tm on ti (tm);
create index ti_ts on ti (ts);
create index ti_tz on ti (tz);
create index ti_iv on ti (iv);
create index ti_u on ti (u);

-- Each type's order, forwards and backwards, NULLs last / first.
select id, i2 from ti order by i2, id limit 10;
select id, i2 from ti order by i2 desc, id limit 10;
select id, i4 from ti order by i4 limit 10;
select id, i4 from ti order by i4 desc limit 10;
select id, i8 from ti order by i8 limit 10;
select id, i8 from ti order by i8 desc nulls last limit 10;
select id, f4 from ti order by f4, id limit 10;
select id, f4 from ti order by f4 desc, id limit 10;
select id, f8 from ti order by f8 limit 10;
select id, f8 from ti order by f8 desc limit 10;
select id, n from ti order by n, id limit 10;
select id, n from ti order by n desc, id limit 10;
select id, t from ti order by t limit 10;
select id, t from ti order by t desc limit 10;
select id, v from ti order by v limit 10;
select id, b from ti order by b limit 10;
select id, b from ti order by b desc limit 10;
select id, bo from ti order by bo, id limit 10;
select id, d from ti order by d limit 10;
select id, d from ti order by d desc limit 10;
select id, tm from ti order by tm, id limit 10;
select id, ts from ti order by ts limit 10;
select id, tz from ti order by tz desc limit 10;
select id, iv from ti order by iv, id limit 10;
select id, u from ti order by u limit 10;
select id, u from ti order by u desc limit 10;

-- Equality and ranges through the index.
select id from ti where i4 = 7;
select id from ti where i8 = 9000000000;
select id from ti where i4 = 9000000000;
select id from ti where i2 = 1::bigint;
select id from ti where f8 = 'NaN';
select id from ti where n = 1;
select id from ti where n = 1.000;
select id from ti where t = 'ab';
select id from ti where v = 'ab';
select id from ti where d < '2000-01-01' order by id;
select id from ti where ts >= '2000-01-01' order by id;
select id from ti where i4 > 0 and i4 <= 2147483647 order by id;
select id from ti where i4 between -5 and 7 order by id;
select id from ti where i4 > null;
select id from ti where i4 in (7, 0, 7, null, 123) order by id;
select id from ti where t in ('a', 'b', 'zz') order by id;
select id from ti where u = '00000000-0000-0000-0000-000000000003';
select id from ti where iv = '24 hours';
select id from ti where tz > '1999-12-31 23:59:59+00' order by id;

-- Multi-column keys, DESC and NULLS FIRST keys.
create table tm2 (a int, b text, c int);
insert into tm2 values (1, 'x', 1), (1, 'y', 2), (1, null, 3), (2, 'x', 4), (2, 'a', 5), (null, 'q', 6), (3, 'x', 7), (1, 'x', 8);
create index tm2_ab on tm2 (a, b);
create index tm2_desc on tm2 (c desc nulls last);
select c from tm2 where a = 1 order by b, c;
select c from tm2 where a = 1 and b = 'x' order by c;
select c from tm2 where a = 1 and b > 'x' order by c;
select c from tm2 where a >= 2 order by a, b;
select a, b from tm2 order by a desc, b desc limit 4;
select a, b from tm2 order by a, b limit 5;
select c from tm2 order by c desc limit 3;
select c from tm2 order by c limit 3;
select c from tm2 where a in (2, 3) order by c;

-- Uniqueness.
create table tu (k int primary key, s text unique);
insert into tu values (1, 'one'), (2, 'two');
insert into tu values (1, 'uno');
insert into tu values (3, 'one');
insert into tu values (3, null), (4, null);
update tu set k = 2 where k = 1;
update tu set s = 'three' where k = 3;
select k, s from tu order by k;
insert into tu values (null, 'x');
create unique index tu_dup on tm2 (a);
create unique index tu_ok on tm2 (c);
insert into tm2 values (9, 'z', 1);
begin;
delete from tu where k = 1;
insert into tu values (1, 'again');
commit;
select k, s from tu order by k;
create index ti_i4 on ti (i4);
create index if not exists ti_i4 on ti (i4);
drop index ti_i4;
drop index ti_i4;
drop index if exists ti_i4;
select id from ti where i4 = 7;
drop index tu_pkey;

-- INSERT ... ON CONFLICT through the arbiter index.
create table up (k int primary key, v text unique, n int default 0);
insert into up values (1, 'a') on conflict do nothing;
insert into up values (1, 'b') on conflict do nothing;
insert into up values (5, 'a') on conflict do nothing;
insert into up values (1, 'c'), (2, 'd') on conflict (k) do update set v = excluded.v, n = up.n + 1;
insert into up values (1, 'x') on conflict (k) do update set v = excluded.v where up.n > 5;
insert into up values (3, 'e') on conflict (k) do update set v = excluded.v returning k, v, n;
insert into up values (1, 'y'), (1, 'z') on conflict (k) do update set v = excluded.v;
insert into up values (1, 'q') on conflict (n) do nothing;
insert into up values (1, 'q') on conflict do update set v = 'r';
insert into up as u values (2, 'w') on conflict on constraint up_pkey do update set v = u.v || excluded.v returning *;
insert into up values (9, 'c') on conflict (k) do update set v = 'never';
insert into up values (3, 'zz') on conflict on constraint nosuch do nothing;
select * from up order by k;

-- Joins that probe an index per outer row.
create table cust (id int primary key, name text);
create table ord (id int primary key, cust_id int, amount int);
insert into cust values (1, 'ann'), (2, 'bob'), (3, 'cy');
insert into ord values (1, 1, 10), (2, 1, 20), (3, 3, 5), (4, null, 7), (5, 9, 1);
select o.id, c.name from ord o join cust c on c.id = o.cust_id where o.id = 3;
select o.id, c.name from ord o left join cust c on c.id = o.cust_id where o.id in (1, 4, 5, 99) order by o.id;
select c.name, o.amount from cust c join ord o on o.cust_id = c.id where c.id = 1 order by o.amount;
select o.id, c.name from ord o join cust c on c.id = o.cust_id and c.name <> 'ann' where o.id in (1, 3);
