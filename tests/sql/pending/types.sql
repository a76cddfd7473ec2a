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
