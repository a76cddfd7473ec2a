-- Multi-dimensional arrays: heapgres answers 0A000 for now.
select array[array[1, 2], array[3, 4]];
select '{{1,2},{3,4}}'::int[];
select array_agg(array[1]) from generate_series(1, 2);
select ('{{1,2},{3,4}}'::int[])[2][1];
