-- Differential test: queries over tables with data.
-- Format (see tests/src/diff.rs): one statement per line group ending in
-- `;` at end of line; `--` lines are comments; rows are compared in order
-- when the statement has a top-level ORDER BY, as a multiset otherwise
-- (or with a trailing `-- unordered`); errors by SQLSTATE.
create table emp (id int not null, name text, dept text, salary numeric(10, 2), boss int, hired date);
insert into emp values
  (1, 'alice', 'eng', 120000, null, '2019-03-01'),
  (2, 'bob', 'eng', 95000.50, 1, '2020-07-15'),
  (3, 'carol', 'sales', 70000, 1, '2021-01-10'),
  (4, 'dave', 'sales', null, 3, '2021-06-30'),
  (5, 'eve', null, 50000, 3, null),
  (6, 'frank', 'ops', 95000.50, 1, '2018-11-11'),
  (7, 'Grace', 'eng', 130000, 1, '2017-05-05');
create table dept (code text, title text, floor int);
insert into dept values ('eng', 'Engineering', 3), ('sales', 'Sales', 1), ('hr', 'People', 2), (null, 'Nobody', null);

-- WHERE
select id, name from emp where salary > 90000;
select id from emp where dept = 'eng' and salary >= 100000 or name = 'eve';
select id from emp where dept is null or salary is null;
select id from emp where name like '%a%' and not (dept = 'sales');
select id from emp where hired between '2019-01-01' and '2021-01-10';
select id, name from emp where id in (1, 3, 5) and boss is not distinct from null;
select * from emp where false;
select * from emp where id = 'x';
select nosuch from emp;

-- ORDER BY / LIMIT / OFFSET
select id, name from emp order by name;
select id, salary from emp order by salary, id;
select id, salary from emp order by salary desc, id;
select id, salary from emp order by salary nulls first, id;
select id, salary from emp order by salary desc nulls last, id;
select id, dept from emp order by dept desc nulls first, id desc;
select name from emp order by id limit 3;
select name from emp order by id limit 3 offset 2;
select name from emp order by id offset 5;
select name from emp order by id limit 0;
select name from emp order by id limit all;
select id, salary * 2 as double from emp order by double desc nulls last, id;
select id, name from emp order by 2 desc;
select id from emp order by 9;
select name from emp order by lower(name);
select id, name from emp order by length(name), name;

-- DISTINCT
select distinct dept from emp;
select distinct dept, boss from emp;
select distinct salary from emp order by salary nulls first;
select count(distinct dept), count(dept), count(*), count(salary) from emp;

-- GROUP BY / HAVING / aggregates
select dept, count(*), sum(salary), avg(salary), min(salary), max(salary) from emp group by dept;
select dept, count(*) from emp group by dept having count(*) > 1;
select dept, min(name), max(hired) from emp group by dept order by dept nulls last;
select boss, count(*) as n from emp where boss is not null group by boss order by n desc, boss;
select count(*), sum(salary), avg(salary), min(name), max(name) from emp where false;
select sum(id), avg(id), sum(id::int8), avg(id::float8) from emp;
select dept, string_agg(name, ',') from emp where id in (1, 3, 6) group by dept;
select dept, string_agg(name, ',' order by name) from emp group by dept;
select bool_and(salary > 60000), bool_or(salary > 120000) from emp;
select count(*) filter (where salary > 90000), sum(salary) filter (where dept = 'eng') from emp;
select dept, round(avg(salary), 2) from emp group by dept having avg(salary) > 80000 order by 2;
select count(*) from emp having count(*) > 100;
select name, count(*) from emp;
select 1 from emp group by dept having name = 'x';
select dept, count(*) from emp group by 1 order by 1 nulls first;
select salary > 90000 as rich, count(*) from emp group by salary > 90000;

-- joins
select e.name, d.title from emp e join dept d on e.dept = d.code;
select e.name, d.title from emp e inner join dept d on e.dept = d.code and d.floor > 1;
select e.name, d.title from emp e left join dept d on e.dept = d.code;
select e.name, d.title from emp e right join dept d on e.dept = d.code;
select e.name, d.title from emp e full join dept d on e.dept = d.code;
select e.name, d.code from emp e full outer join dept d on e.dept = d.code where e.id is null or d.code is null;
select count(*) from emp cross join dept;
select e.name, b.name as boss from emp e left join emp b on e.boss = b.id order by e.id;
create table d2 (dept text, title text);
insert into d2 values ('eng', 'E'), ('ops', 'O');
select * from emp join d2 using (dept);
select dept, name, title from emp left join d2 using (dept);
select * from emp natural join d2;
select * from d2 natural full join (values ('eng', 'E'), ('x', 'X')) as v(dept, title);
select * from emp, d2 where emp.dept = d2.dept and emp.id < 3;
select name from emp join d2 on dept = d2.dept;
select e.name, x.title from emp e join (select * from dept where floor > 1) x on x.code = e.dept;

-- subqueries
select name from emp where salary = (select max(salary) from emp);
select name, (select title from dept where code = emp.dept) from emp;
select name from emp where dept in (select code from dept where floor >= 2);
select name from emp where dept not in (select code from dept);
select name from emp where dept not in (select code from dept where code is not null);
select name from emp e where exists (select 1 from emp s where s.boss = e.id);
select name from emp e where not exists (select 1 from emp s where s.boss = e.id);
select name from emp where salary > all (select salary from emp where dept = 'sales' and salary is not null);
select name from emp where salary > all (select salary from emp where dept = 'sales');
select name from emp where salary = any (select salary from emp where id in (2, 3));
select name from emp where salary < any (select salary from emp where dept = 'eng');
select name from emp e where salary > (select avg(salary) from emp i where i.dept = e.dept);
select (select name from emp where id = 1), (select name from emp where id = 99);
select (select name from emp);
select name from emp where id = (select id from emp where false);
select d, n from (select dept as d, count(*) as n from emp group by dept) s where n > 1;
select 1 in (select 1, 2);

-- set operations
select dept from emp union select code from dept;
select dept from emp union all select code from dept;
select dept from emp intersect select code from dept;
select dept from emp intersect all select dept from emp where id > 2;
select code from dept except select dept from emp;
select dept from emp except all select dept from emp where id < 3;
select 1 union select 2 union select 1 order by 1;
select 1 as a, 'x' as b union all select 2, 'y' order by a desc;
select 1 union select 'a';
select 1, 2 union select 3;
select 1.5 union select 2;
select null union select 1;

-- WITH
with rich as (select * from emp where salary > 90000) select name from rich where dept = 'eng';
with a as (select 1 as x), b as (select x + 1 as y from a) select * from a, b;
with c(n) as (select count(*) from emp) select n * 2 from c;
with d as (select dept, max(salary) as m from emp group by dept) select e.name from emp e join d on e.dept = d.dept and e.salary = d.m;

-- VALUES
values (1, 'a'), (2, null), (3, 'c');
select * from (values (1, 'a'), (2, 'b')) as t(n, s) where n > 1;
values (1), ('x');
values (1, 2), (3);
select column1, column2 from (values (1.5, true), (2, false)) v;
values (1), (2) order by 1 desc;

-- aggregates over unknown-typed literals
select bool_and('t'), bool_or('f') from emp;
select bool_and(salary > 60000) from emp where false;
select sum('1') from emp;
select min('b') from emp;
select avg('2') from emp;
