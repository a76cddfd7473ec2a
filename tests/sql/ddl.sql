-- Differential test: CREATE/DROP TABLE, schemas, search_path, identifiers, transactional DDL.
-- Format (see tests/src/diff.rs): one statement per line group ending in
-- `;` at end of line; `--` lines are comments; rows are compared in order
-- when the statement has a top-level ORDER BY, as a multiset otherwise
-- (or with a trailing `-- unordered`); errors by SQLSTATE.
create table a (x int);
create table a (x int);
create table if not exists a (y text);
select * from a;
create table b (x int, x text);
create table c (x nosuchtype);
drop table a;
drop table a;
drop table if exists a;
drop table if exists a, nosuch;
create table a1 (x int);
create table a2 (x int);
drop table a1, a2;
select * from a1;

-- quoted and case-folded identifiers
create table MixedCase (Id int, "Name" text, "select" int);
insert into mixedcase values (1, 'x', 2);
select id, "Name", "select" from MIXEDCASE;
select "Id" from mixedcase;
select name from mixedcase;
select * from "MixedCase";
create table "Quoted Table" ("a b" int);
insert into "Quoted Table" values (1);
select "a b" from "Quoted Table";
select * from quoted_table;
create table "UPPER" (v int);
select * from upper;
select * from "UPPER";

-- schemas and search_path
create schema s1;
create schema s1;
create schema if not exists s1;
create table s1.t (v text);
insert into s1.t values ('in s1');
select * from s1.t;
select * from t;
set search_path = s1, public;
select * from t;
create table t2 (v int);
select * from s1.t2;
set search_path = public;
select * from t2;
select * from nosuchschema.t;
create table nosuchschema.t (v int);
create table public.t (v text);
insert into t values ('in public');
select * from t;
set search_path = s1, public;
select * from t;
set search_path = "$user", public;
select * from t;
drop schema s1;
drop schema s1 cascade;
select * from s1.t;
drop schema if exists s1;
drop schema nosuch;
create schema "S2";
create table "S2".x (v int);
select * from s2.x;
select * from "S2".x;
drop schema "S2" cascade;

-- transactional DDL
begin;
create table tx (v int);
insert into tx values (1);
select * from tx;
rollback;
select * from tx;
begin;
create table tx (v int);
commit;
select * from tx;
begin;
drop table tx;
select * from tx;
rollback;
select * from tx;
begin;
create schema txs;
create table txs.t (v int);
rollback;
select * from txs.t;
create table txs.t (v int);
begin;
create table ty (v int);
create table ty (v int);
select 1;
rollback;
select * from ty;
begin;
savepoint sp;
create table tz (v int);
rollback to sp;
select * from tz;
commit;

-- defaults and not null in DDL
create table d (a int not null default 7, b text default 'x' || 'y', c timestamp default '2024-01-01', d int null);
insert into d default values;
select * from d;
create table bad_default (a int default 'abc');
create table bad_default2 (a int default 1 + 'x');
drop table d cascade;
