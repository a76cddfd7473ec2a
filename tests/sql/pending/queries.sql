-- Pending: SQL from queries.sql that heapgres does not support yet (0A000). Not run.
create table emp (name text, dept text);
select dept, string_agg(name, ',' order by name) from emp group by dept;
