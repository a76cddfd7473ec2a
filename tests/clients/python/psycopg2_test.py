"""psycopg2 (libpq, simple protocol with client-side parameter
interpolation) against heapgres: every supported type as a parameter and
back, NULLs, DML, a rolled-back transaction and an error's SQLSTATE."""

import datetime
import decimal
import sys
import uuid

import psycopg2
import psycopg2.errors
import psycopg2.extras

from common import ROW, check_row, dsn

psycopg2.extras.register_uuid()


def main():
    conn = psycopg2.connect(dsn())
    cur = conn.cursor()
    cur.execute("select version()")
    version = cur.fetchone()[0]
    assert version.startswith("PostgreSQL 15"), version
    assert conn.server_version >= 150000, conn.server_version

    cur.execute("drop table if exists p2_items")
    cur.execute(
        """create table p2_items (
            id int primary key, b boolean, i2 smallint, i4 integer, i8 bigint,
            f4 real, f8 double precision, n numeric(12, 3), t text,
            vc varchar(20), c char(3), by bytea, d date, tm time,
            ts timestamp, tstz timestamptz, iv interval, u uuid,
            j json, jb jsonb)"""
    )
    conn.commit()

    cols = ", ".join(ROW.keys())
    marks = ", ".join(["%s"] * len(ROW))
    values = [psycopg2.extras.Json(v) if k in ("j", "jb") else v for k, v in ROW.items()]
    cur.execute(f"insert into p2_items (id, {cols}) values (1, {marks})", values)
    cur.execute(f"insert into p2_items (id, {cols}) values (2, {marks})", [None] * len(ROW))
    conn.commit()

    cur.execute(f"select {cols} from p2_items where id = %s", (1,))
    got = dict(zip(ROW.keys(), cur.fetchone()))
    got["by"] = bytes(got["by"])
    check_row("psycopg2", got)
    cur.execute(f"select {cols} from p2_items where id = 2")
    assert cur.fetchone() == (None,) * len(ROW)

    cur.execute("update p2_items set t = %s, i4 = i4 - 1 where id = %s", ("changed", 1))
    assert cur.rowcount == 1, cur.rowcount
    conn.commit()
    cur.execute("select t, i4 from p2_items where id = 1")
    assert cur.fetchone() == ("changed", ROW["i4"] - 1)

    # A rolled-back transaction leaves nothing behind.
    cur.execute("insert into p2_items (id, t) values (3, 'gone')")
    cur.execute("delete from p2_items where id = 1")
    conn.rollback()
    cur.execute("select id from p2_items order by id")
    assert cur.fetchall() == [(1,), (2,)]

    # The SQLSTATE of an error, as psycopg2's exception class and pgcode.
    try:
        cur.execute("insert into p2_items (id) values (1)")
        raise AssertionError("duplicate key accepted")
    except psycopg2.errors.UniqueViolation as e:
        assert e.pgcode == "23505", e.pgcode
    conn.rollback()
    try:
        cur.execute("select * from no_such_table")
        raise AssertionError("missing table accepted")
    except psycopg2.errors.UndefinedTable as e:
        assert e.pgcode == "42P01"
    conn.rollback()

    cur.execute("delete from p2_items where id = %s", (2,))
    assert cur.rowcount == 1
    conn.commit()

    # Arrays as parameters (ARRAY[...] literals) and results.
    cur.execute("create table p2_arrays (a int[], t text[])")
    cur.execute("insert into p2_arrays values (%s, %s)", ([1, None, 3], ["x", 'q"uote', None]))
    cur.execute("select a, t from p2_arrays")
    assert cur.fetchone() == ([1, None, 3], ["x", 'q"uote', None])
    conn.rollback()

    # Autocommit and the server-side settings psycopg2 reads.
    conn.autocommit = True
    cur.execute("set datestyle to 'ISO'")
    cur.execute("show datestyle")
    assert cur.fetchone()[0].startswith("ISO")
    cur.execute("select %s::int + 1, %s", (41, "it's"))
    assert cur.fetchone() == (42, "it's")
    conn.close()
    print("psycopg2 ok")


if __name__ == "__main__":
    sys.exit(main())
