-- Pending: SQL from types.sql that heapgres does not support yet (it
-- answers 0A000 or 42883 for a missing function). Not run by the
-- differential test; move a statement back into tests/sql/types.sql when
-- the feature lands. Same format as tests/sql/*.sql.
set timezone = 'Europe/Berlin';
select timestamptz '2024-06-15 10:30:00+00' at time zone 'UTC', timestamp '2024-06-15 10:30:00' at time zone 'Asia/Tokyo';
select justify_hours(interval '36 hours'), justify_days(interval '45 days'), justify_interval(interval '1 month -1 hour');
select '{"a": 1}'::json -> 'a', '{"a": {"b": "c"}}'::json -> 'a' ->> 'b', '[10, 20]'::json -> 1, '[10, 20]'::json ->> 5;
select '{"a": 1, "b": 2}'::jsonb = '{"b": 2, "a": 1}'::jsonb, '{"a": 1}'::jsonb @> '{}'::jsonb, '{"a": 1, "b": 2}'::jsonb @> '{"a": 1}'::jsonb;
select '{"a": {"b": [1, 2]}}'::jsonb -> 'a' -> 'b' -> 0, '{"a": "x"}'::jsonb ->> 'a', '{"a": 1}'::jsonb ? 'a', '{"a": 1}'::jsonb ? 'b';
select jsonb_typeof('[1]'::jsonb), jsonb_typeof('1.5'::jsonb), json_typeof('"a"'::json);
-- pg_typeof does not exist yet (42883)
select pg_typeof(1), pg_typeof(1::int2 + 1::int2), pg_typeof(1::int2 + 1), pg_typeof(1 + 1::int8);
select pg_typeof(2147483648), pg_typeof(9223372036854775808), pg_typeof(1.5);
select pg_typeof(1.5::float4 + 1), pg_typeof(1.5::float4 + 1.5::float8), pg_typeof(1::int + 1.5::float4);
