-- Differential test: scalar expressions, operators and functions.
-- Format (see tests/src/diff.rs): one statement per line group ending in
-- `;` at end of line; `--` lines are comments; rows are compared in order
-- when the statement has a top-level ORDER BY, as a multiset otherwise
-- (or with a trailing `-- unordered`); errors by SQLSTATE.
set timezone = 'UTC';
set extra_float_digits = 1;

-- precedence
select 1 + 2 * 3, (1 + 2) * 3, 2 ^ 3 ^ 2, -2 ^ 2, 10 - 4 - 3, 2 * 3 % 4, - 5 + 3;
select (1 < 2) = true, not 1 = 2, not true and false, true or false and false, not (true or false);
select 'a' || 'b' || 1, 1 || 2, 'x' || null, 3 + 4 || 'y';
select true || 'x', 'x' || false, concat(true, false);
select 1 = 1 is true, null is null, 1 is not null, (1 < 2) is not false;

-- three-valued logic
select null and true, null and false, null or true, null or false, not null::bool;
select null = null, null <> 1, 1 = null, null::int < 2;
select 1 in (1, null), 2 in (1, null), 2 not in (1, null), 1 not in (1, null), null in (1, 2), 3 not in (1, 2);
select null::int in (select 1 where false), 1 not in (select null::int);
select null is true, null is not true, null is unknown, false is not unknown;
select case when null then 'a' else 'b' end, case null when null then 'x' else 'y' end;

-- CASE / COALESCE / NULLIF / GREATEST / LEAST
select case when 1 > 2 then 'a' when 2 > 1 then 'b' end, case 3 when 1 then 'one' when 3 then 'three' else 'other' end, case when false then 1 end;
select case when true then 1 else 2.5 end, case when false then 1 else 'x' end;
select case when true then 1 else 'x' end;
select coalesce(null, null, 3, 4), coalesce(null::text, 'd'), coalesce(1, null), coalesce(null::int);
select nullif(1, 1), nullif(1, 2), nullif('a', 'b'), nullif(null::int, 1);
select greatest(1, 5, 3), least(1, 5, 3), greatest(1, null, 3), least(null::int, null), greatest('a', 'b'), least(1, 2.5);
select coalesce(1, 'x');
select greatest(1, 'x');

-- LIKE / ILIKE / BETWEEN / IS DISTINCT FROM
select 'abc' like 'a%', 'abc' like '_b_', 'abc' like 'A%', 'abc' ilike 'A%', 'abc' not like '%c', 'a%c' like 'a\%c', 'abc' like 'a\%c';
select 'abc' not ilike 'ABC', null like 'a', 'ab' like 'a', '' like '%', 'line\nx' like 'line%';
select 5 between 1 and 10, 5 between 10 and 1, 5 not between 1 and 4, null between 1 and 2, 'b' between 'a' and 'c';
select 1 is distinct from 1, 1 is distinct from null, null is distinct from null, null is not distinct from null, 1 is not distinct from 2;

-- string functions
select length('hello'), char_length(''), octet_length('abc'), upper('MiXed'), lower('MiXed'), initcap('hello wORLD foo-bar');
select substring('hello' from 2 for 3), substring('hello', 2), substring('hello', 0, 3), substring('hello', -1, 3), substr('hello', 3), substr('hello', 2, 2);
select substring('hello', 2, -1);
select position('ll' in 'hello'), position('z' in 'hello'), strpos('hello', 'lo'), replace('hello', 'l', 'L'), reverse('abc'), repeat('ab', 3), repeat('x', 0);
select trim('  x  '), ltrim('  x  '), rtrim('  x  '), trim(both 'x' from 'xxaxx'), trim(leading 'x' from 'xxa'), btrim('xyaxy', 'xy'), ltrim('xxa', 'x');
select lpad('abc', 6), lpad('abc', 6, '12'), rpad('abc', 5, '-'), lpad('abcdef', 3), rpad('ab', 0);
select left('hello', 2), right('hello', 2), left('hello', -2), right('hello', -2), split_part('a,b,c', ',', 2), split_part('a,b,c', ',', 5);
select concat('a', null, 1, true), concat_ws('-', 'a', null, 'b'), 'x' || 1.50, ascii('A'), chr(66), md5('abc');
select starts_with('hello', 'he');
select string_agg(x, ',') from (values ('a'), ('b')) v(x) where false;

-- math functions
select abs(-5), abs(-5.5), abs(-2.5::float8), mod(7, 3), mod(-7, 3);
select sqrt(16), sqrt(2), power(2, 10), power(2.0, -1);
select sqrt(-1);
select floor(2.7), ceil(2.1), ceiling(-2.1), round(2.567, 2), round(2.5::float8), round(3.5::float8), round(-2.5::float8), trunc(2.7::float8), sign(-2::float8);
select greatest(2::float8, 1e308 * 10);

-- integer division and modulo
select 7 / 2, -7 / 2, 7 / -2, -7 / -2, 7 % 3, -7 % 3, 7 % -3, -7 % -3;
select 7::int8 / 2, -7::int2 / 2, 7.0 / 2, 7 / 2.0, 7::float8 / 2;
select (-2147483648) / -1;
select (-2147483648) % -1, (-9223372036854775808)::int8 % -1;
select (-32768)::int2 / (-1)::int2;
select 1 / 0;
select 1 % 0;
select 1::int8 / 0;
select 1.5 / 0;
select 1.5 % 0;
select 1::float8 / 0::float8;
select 0 / 0;
select 5 / null, null / 0;
select -(-2147483648), -(-9223372036854775808), -(-32768::int2);
select -(-2147483648::int4);
