-- Differential test: literals, casts and output of every type.
-- Format (see tests/src/diff.rs): one statement per line group ending in
-- `;` at end of line; `--` lines are comments; rows are compared in order
-- when the statement has a top-level ORDER BY, as a multiset otherwise
-- (or with a trailing `-- unordered`); errors by SQLSTATE.
set timezone = 'UTC';
set datestyle = 'ISO, MDY';
set intervalstyle = 'postgres';
set extra_float_digits = 1;

-- bool
select true, false, 't'::bool, 'yes'::bool, 'off'::bool, '0'::boolean, ' TRUE '::bool;
select 'maybe'::bool;
select null::bool, 1::bool, 0::bool;
select true and false, true or false, not true;
select true::text, false::int;

-- int2 / int4 / int8
select 1::int2, -32768::int2, 32767::int2;
select 32768::int2;
select '-32769'::smallint;
select 2147483647::int4, (-2147483648)::int4;
select 2147483648::int4;
select 2147483647 + 1;
select (-2147483648)::int4 - 1;
select 9223372036854775807::int8;
select 9223372036854775807::int8 + 1;
select '9223372036854775808'::int8;
select 100000 * 100000;
select 100000::int8 * 100000;
select 32767::int2 + 1::int2;
select ' 42 '::int, '+7'::int4, '-0'::int;
select '4 2'::int;
select ''::int;
select 'abc'::int8;
select 3.5::int, 2.5::int, -2.5::int, 3.49::int4, (-0.5)::int;
select 1.5::float8::int, 2.5::float8::int, (-1.5)::float8::int;
select 1e10::int4;
select 1e10::float8::int8, 'NaN'::float8::int;
select abs(-2147483648::int8), -(-32768)::int2;

-- float4 / float8
select 1e16::float8, 1e15::float8, 1.5e-7::float8, 123456789012345678::float8;
select 0.1::float8 + 0.2::float8, 0.1::float4 + 0.2::float4;
select 1.0::float8 / 3, 1::float4 / 3;
select 'NaN'::float8, 'Infinity'::float8, '-Infinity'::float8, 'inf'::float4, '-inf'::float8;
select 'nan'::float8 = 'nan'::float8, 'nan'::float8 > 'infinity'::float8;
select 3.14::float4, 3.14::float8, 1e38::float4, 1e-45::float4;
select 1e39::float4;
select '1e309'::float8;
select 1e308::float8 * 10;
select 0.0::float8 / 0.0;
select 1::float8 / 0;
select -0.0::float8, '-0'::float8, 0.0::float8 * -1;
select 100::float8, 1e100::float8, 2.5e-5::float8, 1e-5::float4;
select 12345.678::float4, 1234567.0::float4, 12345678.0::float4;
select 'abc'::float8;
select ' 1.5 '::float8, '1.5e3'::float4;
select 1.5::float8::numeric, 0.1::float4::numeric, 1e20::float8::numeric;
select 'infinity'::float8::numeric, 'nan'::float8::numeric;
select 123.456::numeric::float8, 1e-10::numeric::float4;

-- numeric
select 1.5, 0.1 + 0.2, 1.00 + 2.000, 10.0 / 4, 1 / 3.0, 2.0 * 3.50;
select 1::numeric / 3, 2::numeric / 3, 10::numeric / 7, 1.0 / 7.000000;
select 123.456::numeric(5, 2), 123.455::numeric(6, 2), -123.455::numeric(6, 2), 0.005::numeric(3, 2);
select 12345.6::numeric(5, 2);
select 99.995::numeric(4, 2);
select 1.23456789012345678901234567890::numeric * 2;
select 99999999999999999999999999999999 + 1;
select 'NaN'::numeric, 'Infinity'::numeric, '-Infinity'::numeric, 'nan'::numeric + 1;
select 'infinity'::numeric - 'infinity'::numeric;
select 1::numeric / 0;
select 0::numeric / 0;
select 7::numeric % 3, -7::numeric % 3, 7.5 % 2;
select round(2.5), round(-2.5), round(1.2345, 2), round(1.2355, 3), round(1234.5, -2);
select trunc(1.999, 2), trunc(-1.999), ceil(1.1), floor(-1.1), ceil(-0.5);
select abs(-1.50), sign(-3.2), sign(0.0), sqrt(2::numeric), sqrt(16::numeric);
select 1e3::numeric, 1.5e-3::numeric, '  12.50 '::numeric, '-0.00'::numeric;
select 'abc'::numeric;
select 0.1::numeric = 0.10, 1.0::numeric < 1.01, 'nan'::numeric > 'infinity'::numeric;
select 2::numeric ^ 10, 2.0 ^ 0.5;
select power(2::numeric, 100);
select 10000000000000000000000::numeric * 10000000000000000000000;
select sum(x), avg(x) from (values (1.5), (2.25), (3)) v(x);
select avg(x) from (values (1), (2)) v(x);
select avg(x) from (values (1::int8), (2), (2)) v(x);
select 5 / 2.0, 5.0 / 2, 1 / 8.0, 100.0 / 3;
select numeric '12.345', 12.345::numeric(10, 1), 0.0001::numeric(5, 4);
select 1.5::numeric::int, 2.5::numeric::int2, 1e20::numeric::int8;

-- text / varchar(n) / char(n)
select 'abc'::text, ''::text, 'it''s', E'a\tb', E'new\nline';
select 'abc'::varchar(2);
select 'abc'::char(2), 'ab'::char(5), 'ab   '::varchar(2);
select length('ab'::char(5)), octet_length('ab'::char(5)), 'ab'::char(5) || 'c';
select 'ab'::char(5) = 'ab', 'ab '::char(3) = 'ab'::char(2);
select 'a'::char, 'abc'::char, 'abc'::character varying;
select 123::text, 1.50::text, true::text, 'x'::text::varchar(10);
create table strs (v varchar(3), c char(3), t text);
insert into strs values ('ab', 'ab', 'ab');
insert into strs values ('abcd', 'x', 'x');
insert into strs values ('x', 'abcd', 'x');
insert into strs values ('abc   ', 'xy   ', 'x');
select v, c, t, length(c), v || '|', c || '|' from strs order by v;
select 'é'::varchar(1), length('héllo'), octet_length('héllo'), upper('héllo');

-- bytea
select '\x0102ff'::bytea, 'abc'::bytea, E'\\000'::bytea, ''::bytea;
select '\xzz'::bytea;
select octet_length('\x0102ff'::bytea), length('abc'::bytea), '\x01'::bytea || '\x02'::bytea;
select 'ab\\c'::bytea;
select '\x0102'::bytea = '\x0102'::bytea, '\x01'::bytea < '\x0102'::bytea;

-- date
select '2024-02-29'::date, '1999-01-08'::date, 'January 8, 1999'::date, '2024-1-5'::date;
select '2023-02-29'::date;
select 'infinity'::date, '-infinity'::date, '4713-11-24 BC'::date, '5874897-12-31'::date;
select '2024-03-01'::date - '2024-02-01'::date, '2024-01-31'::date + 1, '2024-03-01'::date - 1;
select '2024-01-31'::date + interval '1 month', '2024-01-01'::date + time '10:30';
select date '2024-06-15' < date '2024-06-16', extract(year from date '2024-06-15'), extract(dow from date '2024-06-15');
select date_part('doy', date '2024-12-31'), date_trunc('month', date '2024-06-15');
select 'bogus'::date;
select '0001-01-01'::date - 1;

-- time
select '10:30'::time, '23:59:59.999999'::time, '24:00:00'::time, '00:00:00.5'::time;
select '25:00'::time;
select time '10:00' + interval '3 hours', time '10:00' - time '08:30', time '23:00' + interval '2 hours';
select '10:30:00.1234567'::time, '10:30'::time(0), '10:30:59.6'::time(0);

-- timestamp
select '2024-06-15 10:30:00'::timestamp, '2024-06-15T10:30:00.123456'::timestamp, '2024-06-15'::timestamp;
select '2024-06-15 10:30:00.1234567'::timestamp, '2024-06-15 10:30:00.5'::timestamp(0);
select 'infinity'::timestamp, '-infinity'::timestamp, 'epoch'::timestamp;
select timestamp '2024-01-31 12:00' + interval '1 month', timestamp '2024-03-31' - interval '1 month';
select timestamp '2024-06-15 10:00' - timestamp '2024-06-14 08:30', timestamp '2024-01-01' - timestamp '2023-01-01';
select timestamp '2024-06-15 10:00' + interval '1 day 2 hours', timestamp '2024-06-15 10:00' - interval '90 minutes';
select date_trunc('hour', timestamp '2024-06-15 10:59:59'), date_trunc('year', timestamp '2024-06-15 10:59:59');
select extract(epoch from timestamp '2024-06-15 10:00'), extract(hour from timestamp '2024-06-15 10:20:30'), extract(second from timestamp '2024-06-15 10:20:30.5');
select '2024-13-01 00:00'::timestamp;
select '2024-06-15 10:00'::timestamp::date, '2024-06-15'::date::timestamp, '2024-06-15 10:00:01'::timestamp::time;
select '1999-12-31 23:59:59 BC'::timestamp, '294276-12-31 23:59:59'::timestamp;

-- timestamptz
select '2024-06-15 10:30:00+02'::timestamptz, '2024-06-15 10:30:00 America/New_York'::timestamptz;
select '2024-06-15 10:30:00'::timestamptz, '2024-06-15 10:30:00-08:30'::timestamptz;
set timezone = 'Europe/Berlin';
select '2024-06-15 10:30:00'::timestamptz, '2024-01-15 10:30:00'::timestamptz, '2024-06-15 10:30:00Z'::timestamptz;
select '2024-03-31 02:30:00'::timestamptz, '2024-10-27 02:30:00'::timestamptz;
select timestamptz '2024-03-30 12:00' + interval '1 day', timestamptz '2024-03-30 12:00' + interval '24 hours';
select '2024-06-15 10:30:00+00'::timestamptz::timestamp, '2024-06-15 10:30:00'::timestamp::timestamptz;
select '2024-06-15 10:30:00+00'::timestamptz::date, date_trunc('day', timestamptz '2024-06-15 23:30:00+00');
set timezone = 'UTC';
select timestamptz '2024-06-15 10:30:00+05' - timestamptz '2024-06-15 10:30:00+00';
select '2024-06-15 10:30:00 Mars/Olympus'::timestamptz;
select extract(epoch from timestamptz '1970-01-01 00:00:01+00'), extract(timezone from timestamptz '2024-06-15 10:30:00+02');

-- interval
select interval '1 day', interval '1 year 2 months 3 days 04:05:06.789', interval '-1 day +2 hours';
select interval '36 hours', interval '90 minutes', interval '1.5 days', interval '1.5 months';
select interval 'P1Y2M3DT4H5M6S', interval '@ 1 day ago', interval '0';
select interval '1 day' + interval '25 hours', interval '1 month' - interval '1 day', interval '2 hours' * 3;
select interval '1 hour' / 4, interval '1 day' * 0.5, -interval '1 day 2 hours';
select interval '1 month' = interval '30 days', interval '1 day' = interval '24 hours', interval '1 day' < interval '25 hours';
select extract(epoch from interval '1 day 1 hour'), extract(hour from interval '25 hours'), extract(month from interval '14 months');
select interval 'bogus';
select '3 4'::interval;
select interval '1 day' / 0;
select interval '1 week', interval '10 years', interval '1 millisecond', interval '1 microsecond';

-- uuid
select 'a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11'::uuid, 'A0EEBC999C0B4EF8BB6D6BB9BD380A11'::uuid, '{a0eebc99-9c0b4ef8-bb6d6bb9-bd380a11}'::uuid;
select 'not-a-uuid'::uuid;
select 'a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11'::uuid < 'b0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11'::uuid, 'a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11'::uuid::text;

-- json
select '{"b": 1, "a": [1, 2.50, "x"], "a": null}'::json, '  [1,  2 ]'::json, '"str"'::json, 'null'::json;
select '{bad}'::json;

-- jsonb
select '{"b": 1, "a": [1, 2.50, "x"], "a": null}'::jsonb, '  [1,  2 ]'::jsonb, '{"z": {"y": 1, "x": 2}}'::jsonb;
select '{"aa": 1, "b": 2, "a": 3}'::jsonb, '1.000'::jsonb, '1e3'::jsonb, '"\u00e9"'::jsonb, 'true'::jsonb;
select '{bad}'::jsonb;
select '{"a": 1}'::jsonb::text, '[1, "2"]'::json::jsonb, '{"a":1}'::jsonb::json;

-- casts between families
select 'true'::text::bool, 42::text, 42::int8::text::int2, '1.5'::text::numeric;
select 42::bool;
select 1::int4::float4, 16777217::int4::float4, 9007199254740993::int8::float8;
select cast('2024-06-15' as date), cast(12 as text), cast('12' as int) + 1;
select 'abc'::uuid;
select 1::date;
select date '2024-06-15'::text, 1.5::float8::text, interval '1 day'::text;
select '{"a": 1, "b": 2}'::jsonb = '{"b": 2, "a": 1}'::jsonb, '{"a": [1, 2]}'::jsonb = '{"a": [2, 1]}'::jsonb;
