-- Differential test: one-dimensional arrays — text input and output,
-- quoting, NULL elements, subscripts and slices, operators, functions,
-- unnest and array_agg, storage in tables, = ANY with an index, errors.
-- Format: see tests/src/diff.rs.
set timezone = 'UTC';
set extra_float_digits = 1;

-- constructors and text output
select array[1,2,3], array[1,null,3], array['a','b'], array[1.5, 2], array[true, false];
select array[1, 2.5], array[1::int2, 2::int8], array['x'::varchar, 'y'];
select array['a b', null, 'c"d', '', 'NULL', 'null', 'x\y', 'a,b', '{}', ' lead', 'tab	x'];
select array[now() - now()], array['2024-01-02'::date], array['2024-01-02 03:04:05'::timestamp];
select array['2024-01-02 03:04:05+02'::timestamptz], array['1 day'::interval, '-2 hours'];
select array['a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11'::uuid], array['\x0102'::bytea, '\x'::bytea];
select array[1.5::float4, 'NaN', 'Infinity'], array[0.1::float8, 1e100, -0.0];
select array['{"a": 1}'::jsonb], array['1'::numeric, 'NaN'];
select array[]::int[], array[]::text[], cardinality(array[]::int[]);
select array(select generate_series(1, 4)), array(select 'x' where false);
select array(select n from (values (3), (1), (2)) v(n) order by n desc);
select array[];
select array(select 1, 2);

-- text input
select '{1,2,3}'::int[], '{}'::int[], '{ 1 , 2 }'::int[], '{NULL, null,3}'::int[];
select '{a,"b c",  d  ,"",\\x, "e\"f"}'::text[];
select '{"NULL",NULL,nUlL}'::text[], '{"a" ,  b c  }'::text[];
select '[0:2]={7,8,9}'::int[], '[-1:0]={a,b}'::text[], '[1:2]={1,2}'::int[];
select '{1.5,2}'::numeric[], '{t,f,yes}'::bool[], '{2024-01-01,infinity}'::date[];
select '{1,2}'::int2[], '{1,2}'::int8[], '{1.5,-2}'::float8[], '{1.5}'::real[];
select '{abc,de}'::varchar(2)[];
select '{abc}'::char(2)[];
select '{1,2'::int[];
select '1,2'::int[];
select '{1,,2}'::int[];
select '{1,2}x'::int[];
select '{a}'::int[];
select '{99999999999}'::int[];
select '[1:3]={1,2}'::int[];
select '[3:1]={1}'::int[];
select '{"a"b}'::text[];
select ''::int[];

-- casts
select '{1,2}'::int[]::bigint[], array[1,2]::text[], array['1','2']::int[], array[1.7,2.2]::int[];
select array[1,2]::text, '{1,2}'::int[]::varchar, array['a','b']::varchar[];
select array['x']::int[];
select 1::int[];
select array[1]::int;

-- subscripts and slices
select (array[1,2,3])[1], (array[1,2,3])[3], (array[1,2,3])[0], (array[1,2,3])[4], (array[1,2,3])[null];
select (array[1,2,3])[2:3], (array[1,2,3])[:2], (array[1,2,3])[2:], (array[1,2,3])[3:2], (array[1,2,3])[0:10];
select ('[0:2]={7,8,9}'::int[])[0], ('[0:2]={7,8,9}'::int[])[0:1], ('[0:2]={7,8,9}'::int[])[:];
select (array['a','b'])[1.6], (array['a','b'])[2::int8];
select (array[1,2])['x'];
select (1)[1];

-- = ANY / ALL
select 2 = any(array[1,2]), 3 = any(array[1,2]), 3 <> all(array[1,2]), 2 <> all(array[1,2]);
select 1 < any(array[0,5]), 10 > all(array[1,2,3]), 'b' >= all(array['a','b']), 1 <= some(array[1]);
select null::int = any(array[1]), 1 = any(array[]::int[]), null::int = any(array[]::int[]), null::int = all(array[]::int[]);
select 3 = any(array[1,null]), 1 = any(array[1,null]), 3 <> all(array[1,null]), 1 <> all(array[1,null]);
select 1 = any(null::int[]), 2 = any('{1,2}'), 'b' = any('{a,b}'), 2.0 = any(array[1,2]), 2 = any(array[1.5,2.0]);
select 1 = any(1);
select 1 = any('{a}');

-- comparisons and containment
select array[1,2] = array[1,2], array[1,2] <> array[2,1], array[1,2] < array[1,3], array[1,2] < array[1,2,0];
select array[1,null] = array[1,null], array[1,null] > array[1,2], array[2] > array[1,9], array[]::int[] < array[1];
select '[0:1]={1,2}'::int[] = '{1,2}'::int[], array['a'] = '{a}', array[1,2] >= '{1,2}';
select array[1,2,3] @> array[2,1], array[1,2] @> array[1,4], array[1] <@ array[1,2], array[]::int[] <@ array[1];
select array[1,null] @> array[null::int], array[1,2] && array[2,3], array[1,2] && array[3], array[null::int] && array[null::int];
select array['a','b'] @> '{a}', '{1,2}' <@ array[1,2,3];
select array[1] @> 1;
select array[1,2] = array[1.0,2.0];

-- || and the array functions
select array[1,2] || 3, 0 || array[1,2], array[1,2] || array[3,4], array[1,2] || '{5}', '{0}' || array[1];
select array[1,2] || null::int, null::int || array[1], null::int[] || array[1], array[1] || null::int[];
select array['a'] || 'b'::text, 'z'::text || array['a'];
select array['a'] || 'b';
select array_append(array[1,2], 3), array_append(null::int[], 1), array_prepend(0, array[1]), array_prepend(0, '[0:1]={1,2}'::int[]);
select array_cat(array[1], array[2,3]), array_cat(null::int[], array[1]), array_cat(array[1], null), array_cat('{}'::int[], '[5:5]={3}'::int[]);
select array_cat('[0:1]={1,2}'::int[], '{3}'::int[]), array_append('[0:1]={1,2}'::int[], 3), array_cat(null::int[], null::int[]);
select array_length(array[1,2,3], 1), array_length(array[1,2], 2), array_length('{}'::int[], 1), array_length(null::int[], 1);
select array_lower('[0:2]={1,2,3}'::int[], 1), array_upper('[0:2]={1,2,3}'::int[], 1), array_lower('{}'::int[], 1), array_upper(array[1], 2);
select array_ndims(array[1]), array_ndims('{}'::int[]), array_dims(array[1,2]), array_dims('[2:3]={1,2}'::int[]), array_dims('{}'::int[]);
select cardinality(array[1,2,3]), cardinality('{}'::int[]), cardinality(null::int[]), cardinality(array[null::int]);
select array_to_string(array[1,null,3], ','), array_to_string(array[1,null,3], ',', '*'), array_to_string(array['a','b'], ''), array_to_string('{}'::text[], ',');
select array_to_string(array[1.5, 2], ' | '), array_to_string(array[true, false], ','), array_to_string(array[1,2], null), array_to_string(array[1,null], ',', null);
select array_to_string(array['2024-01-02'::date], ',');
select string_to_array('a,b,,c', ','), string_to_array('a,b,,c', ',', ''), string_to_array('', ','), string_to_array('abc', null), string_to_array('abc', '');
select string_to_array('a<>b<>c', '<>'), string_to_array(null, ','), string_to_array('x,NULL,y', ',', 'NULL'), string_to_array(',a,', ',');
select array_position(array['a','b','c'], 'b'), array_position(array[1,2,1], 1, 2), array_position(array[1,null], null), array_position(array[1], 5);
select array_position('[0:2]={5,6,7}'::int[], 7), array_position(null::int[], 1), array_positions(array[1,2,1], 1), array_positions(array[1], 2);
select array_positions(array[null, 1, null]::int[], null), array_positions(null::int[], 1);
select array_position(array[1,2], 1, null);
select array_remove(array[1,2,1,3], 1), array_remove(array[1,null,2], null), array_remove('[0:2]={1,2,1}'::int[], 1), array_remove(array[1], 1);
select array_replace(array[1,2,1], 1, 9), array_replace(array[1,null], null, 0), array_replace(array['a'], 'a', null);

-- unnest and array_agg
select unnest(array[1,2,3]);
select unnest(array['a',null,'c']), unnest(array[1,2]);
select * from unnest(array[3,1,2]) with ordinality;
select * from unnest('{a,b}'::text[]) as u(x);
select x, n from unnest(array[10,20]) with ordinality as t(x, n) order by n desc;
select unnest('{}'::int[]), unnest(null::int[]);
select unnest('{1,2}');
select array_agg(x) from (values (1), (null), (3)) v(x);
select array_agg(x order by x desc) from (values (1), (2), (3)) v(x);
select array_agg(distinct x) from (values (2), (1), (2)) v(x);
select array_agg(x) from (values (1)) v(x) where false;
select g, array_agg(v order by v) from (values (1, 'a'), (1, 'b'), (2, 'c')) t(g, v) group by g order by g;
select array_agg(x) filter (where x > 1) from generate_series(1, 4) x;
select array_agg('lit');

-- tables
create table arr (id int primary key, tags text[], nums int8[], ds date[], amounts numeric(5,2)[], codes varchar(3)[]);
insert into arr values (1, '{a,b}', '{1,2}', '{2024-01-01}', '{1.234,5}', '{ab}');
insert into arr values (2, array['c', null], null, array[]::date[], null, array['xyz']);
insert into arr values (3, '{}', array[3,4,5], null, '{}', '{}');
insert into arr values (4, array['a b', 'c,d', '"q"'], '{-9223372036854775808}', '{infinity}', '{99.999}', null);
insert into arr values (5, null, null, null, null, '{abcd}');
select * from arr order by id;
select id, tags[1], nums[2:], cardinality(tags), array_length(nums, 1) from arr order by id;
select id from arr where 'a' = any(tags) order by id;
select id from arr where tags @> '{a}' order by id;
select id from arr where nums && array[2::int8, 5] order by id;
select id, tags from arr order by tags, id;
select tags, count(*) from arr group by tags order by tags;
select distinct nums from arr order by nums;
update arr set tags = array_append(tags, 'z') where id = 1 returning tags;
update arr set nums = nums || 6::int8 where id = 3 returning nums;
select u, count(*) from arr, unnest(tags) u group by u order by u;
select id, u, n from arr, unnest(nums) with ordinality as x(u, n) order by id, n;
select array_agg(id order by id) from arr where tags is not null;
select string_agg(array_to_string(tags, '+'), ';' order by id) from arr;
delete from arr where nums @> '{4}' returning id;

-- = ANY over an index
create table ix (id int primary key, v text);
insert into ix select g, 'v' || g from generate_series(1, 200) g;
create index ix_v on ix (v);
select id from ix where id = any('{5,3,NULL,5,300}') order by id;
select id from ix where id = any(array[7, 1]) order by id;
select id from ix where id = any('{}') order by id;
select id from ix where id = any(null::int[]) order by id;
select id from ix where id = any('{1,2}'::int8[]) order by id;
select id from ix where id = any(array[2147483648, 9]) order by id;
select v from ix where v = any('{v10,v2,nope}') order by v;
select id from ix where id = any('{1,2,3}') and v <> 'v2' order by id;
select id from ix where id <> all('{1,2,3}') and id < 6 order by id;
select id from ix where id in (4, 2, 4) order by id;
select count(*) from ix where id = any(array(select generate_series(10, 20)));
