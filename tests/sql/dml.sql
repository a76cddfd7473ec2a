-- Differential test: INSERT, UPDATE, DELETE, RETURNING and their errors.
-- Format (see tests/src/diff.rs): one statement per line group ending in
-- `;` at end of line; `--` lines are comments; rows are compared in order
-- when the statement has a top-level ORDER BY, as a multiset otherwise
-- (or with a trailing `-- unordered`); errors by SQLSTATE.
create table t (id int not null, name text default 'anon', score numeric(5, 1), flag bool default false, note varchar(5));
insert into t values (1, 'a', 1.5, true, 'x');
insert into t values (2, 'b', 2.25, false, null), (3, 'c', null, null, 'yy'), (4, default, 4, default, default);
insert into t (id) values (5);
insert into t (id, score) values (6, 66.66), (7, '7');
insert into t default values;
insert into t (id, name) values (null, 'n');
insert into t (id, nosuch) values (8, 1);
insert into nosuch values (1);
insert into t (id, flag) values (8, 'maybe');
insert into t (id, flag) values (8, 1);
insert into t (id, flag) values (8, 1::int);
insert into t (id, name) values ('8', 8);
insert into t (id, score) values (8, 'abc');
insert into t (id, score) values (8, 12345.6);
insert into t (id, note) values (8, 'toolong');
insert into t (id, note) values (8, 'ok   ');
insert into t (id, id) values (9, 9);
insert into t values (9, 'x', 1, true, 'n', 'extra');
insert into t (id, name) values (9);
insert into t (id, name) select 1;
insert into t (id) values (2147483648);
insert into t (id) values (9.6);
insert into t (id, score) values (10, 1.25), (11, 1.35), (12, -1.25);
select * from t order by id;
insert into t (id, name) values (20, 'r') returning *;
insert into t (id, name) values (21, 'r2'), (22, 'r3') returning id, upper(name) as up, score is null;
insert into t (id, name) select id + 100, name || '!' from t where id < 3;
insert into t (id, name) select id + 200, name from t where false returning id;
select id, name from t where id > 100 order by id;
insert into t (id) select 'x';
insert into t select 300, 'sel';

-- UPDATE
update t set score = score * 2 where id <= 2;
update t set name = default, flag = not flag where id = 1 returning id, name, flag;
update t set score = null where score > 100 returning *;
update t set name = name || '?' where id > 1000;
update t set nosuch = 1;
update t set id = null where id = 1;
update t set note = 'toolong' where id = 1;
update t set id = id + 1000 where id > 100 returning id;
update t set score = 1 / 0 where id = 1;
update t set name = 'all';
select id, name, score, flag, note from t order by id;
update nosuch set x = 1;
update t set score = score + 1, score = 2;

-- DELETE
delete from t where id > 1000 returning id, name;
delete from t where score is null;
delete from t where id = 1 returning *;
delete from t where nosuch = 1;
delete from nosuch;
delete from t where id = 'x';
select id from t order by id;
delete from t;
select count(*) from t;

-- transactions around DML
begin;
insert into t (id) values (1), (2);
select count(*) from t;
rollback;
select count(*) from t;
begin;
insert into t (id) values (1);
insert into t (id) values (null);
select 1;
rollback;
select count(*) from t;
begin;
insert into t (id) values (3);
savepoint s;
insert into t (id) values (4);
rollback to s;
insert into t (id) values (5);
commit;
select id from t order by id;

-- types on insert
create table typed (a int2, b int8, c float4, d date, e timestamptz, f jsonb, g uuid, h bytea, i interval, j char(3));
insert into typed values (1, 2, 3.5, '2024-01-02', '2024-01-02 03:04:05+00', '{"b": 1, "a": 2}', 'a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11', '\xdead', '1 day', 'ab');
insert into typed (a) values (40000);
insert into typed (d) values ('2024-02-30');
insert into typed (f) values ('{');
insert into typed (a) values (1.5);
insert into typed (b) values ('1.5');
insert into typed (d) values (1);
select * from typed;
