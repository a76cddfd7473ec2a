"""asyncpg against heapgres: the extended protocol with binary parameters
and results everywhere, named prepared statements, pg_type introspection
of the types it meets, a connection pool, NULLs, DML, a rolled-back
transaction and an error's SQLSTATE."""

import asyncio
import json
import sys

import asyncpg

from common import ROW, check_row, port

COLS = ", ".join(ROW.keys())


async def main():
    conn = await asyncpg.connect(host="127.0.0.1", port=port(), user="postgres", database="postgres")
    v = conn.get_server_version()
    assert v.major == 15, v
    # json and jsonb travel as text by default; decode them as Python values.
    for t in ("json", "jsonb"):
        await conn.set_type_codec(t, encoder=json.dumps, decoder=json.loads, schema="pg_catalog")

    await conn.execute("drop table if exists apg_items")
    await conn.execute(
        """create table apg_items (
            id int primary key, b boolean, i2 smallint, i4 integer, i8 bigint,
            f4 real, f8 double precision, n numeric(12, 3), t text,
            vc varchar(20), c char(3), by bytea, d date, tm time,
            ts timestamp, tstz timestamptz, iv interval, u uuid,
            j json, jb jsonb)"""
    )
    marks = ", ".join(f"${i + 2}" for i in range(len(ROW)))
    insert = f"insert into apg_items (id, {COLS}) values ($1, {marks})"
    await conn.execute(insert, 1, *ROW.values())
    await conn.execute(insert, 2, *([None] * len(ROW)))

    row = await conn.fetchrow(f"select {COLS} from apg_items where id = $1", 1)
    check_row("asyncpg", dict(row))
    row = await conn.fetchrow(f"select {COLS} from apg_items where id = $1", 2)
    assert all(row[k] is None for k in ROW), dict(row)

    # A named prepared statement, executed many times.
    stmt = await conn.prepare("select $1::int8 + i8 from apg_items where id = $2")
    assert [a.name for a in stmt.get_attributes()] == ["?column?"]
    for i in range(5):
        assert await stmt.fetchval(i, 1) == ROW["i8"] + i

    status = await conn.execute("update apg_items set t = $1 where id = $2", "changed", 1)
    assert status == "UPDATE 1", status
    assert await conn.fetchval("select t from apg_items where id = $1", 1) == "changed"

    # A rolled-back transaction.
    try:
        async with conn.transaction():
            await conn.execute("delete from apg_items")
            assert await conn.fetchval("select count(*) from apg_items") == 0
            raise RuntimeError("roll back")
    except RuntimeError:
        pass
    assert await conn.fetchval("select count(*) from apg_items") == 2

    # Errors carry their SQLSTATE.
    try:
        await conn.execute("insert into apg_items (id) values ($1)", 1)
        raise AssertionError("duplicate key accepted")
    except asyncpg.UniqueViolationError as e:
        assert e.sqlstate == "23505", e.sqlstate
    try:
        await conn.fetchval("select 1 / $1::int", 0)
        raise AssertionError("division by zero accepted")
    except asyncpg.DivisionByZeroError as e:
        assert e.sqlstate == "22012"

    # A statement that fails to prepare (Parse, Describe and Flush, no
    # Sync): the error must arrive without a Sync.
    try:
        await asyncio.wait_for(conn.prepare("select * from no_such_table"), 10)
        raise AssertionError("preparing a missing table's query succeeded")
    except asyncpg.UndefinedTableError as e:
        assert e.sqlstate == "42P01"

    # Arrays in binary, with NULL elements: asyncpg learns their element
    # types from pg_type (its introspection query joins pg_range too).
    await conn.execute("drop table if exists apg_arrays")
    await conn.execute("create table apg_arrays (id int, a int[], t text[])")
    await conn.execute("insert into apg_arrays values ($1, $2, $3)", 1, [1, None, 3], ["x", 'q"uote', None])
    row = await conn.fetchrow("select a, t from apg_arrays where id = $1", 1)
    assert (row["a"], row["t"]) == ([1, None, 3], ["x", 'q"uote', None]), dict(row)
    assert await conn.fetchval("select $1::int8[]", [4, 5]) == [4, 5]

    # executemany and a cursor inside a transaction.
    await conn.executemany("insert into apg_items (id, t) values ($1, $2)", [(i, f"m{i}") for i in range(10, 20)])
    async with conn.transaction():
        seen = [r["id"] async for r in conn.cursor("select id from apg_items where id >= $1 order by id", 10, prefetch=3)]
    assert seen == list(range(10, 20)), seen
    status = await conn.execute("delete from apg_items where id >= $1", 10)
    assert status == "DELETE 10", status
    await conn.close()

    # A pool of connections working at once.
    pool = await asyncpg.create_pool(host="127.0.0.1", port=port(), user="postgres", database="postgres", min_size=2, max_size=4)

    async def work(i):
        async with pool.acquire() as c:
            return await c.fetchval("select $1::int * 2", i)

    assert await asyncio.gather(*(work(i) for i in range(20))) == [i * 2 for i in range(20)]
    await pool.close()
    print("asyncpg ok")


if __name__ == "__main__":
    sys.exit(asyncio.run(main()))
