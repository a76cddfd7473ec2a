"""psycopg 3 against heapgres: server-side parameter binding (extended
protocol) in text and binary formats, prepared statements, pipeline mode,
NULLs, DML, a rolled-back transaction, an error's SQLSTATE and
LISTEN/NOTIFY."""

import sys

import psycopg
from psycopg import errors
from psycopg.types.json import Json, Jsonb

from common import ROW, check_row, dsn

COLS = ", ".join(ROW.keys())


def values():
    return [Json(v) if k == "j" else Jsonb(v) if k == "jb" else v for k, v in ROW.items()]


def main():
    with psycopg.connect(dsn()) as conn:
        assert conn.info.server_version >= 150000, conn.info.server_version
        conn.execute("drop table if exists p3_items")
        conn.execute(
            """create table p3_items (
                id int primary key, b boolean, i2 smallint, i4 integer, i8 bigint,
                f4 real, f8 double precision, n numeric(12, 3), t text,
                vc varchar(20), c char(3), by bytea, d date, tm time,
                ts timestamp, tstz timestamptz, iv interval, u uuid,
                j json, jb jsonb)"""
        )
        conn.commit()

        marks = ", ".join(["%s"] * len(ROW))
        bmarks = ", ".join(["%b"] * len(ROW))
        with conn.cursor() as cur:
            # Text parameters, then binary ones (%b), then NULLs.
            cur.execute(f"insert into p3_items (id, {COLS}) values (%s, {marks})", [1] + values())
            cur.execute(f"insert into p3_items (id, {COLS}) values (%b, {bmarks})", [2] + values())
            cur.execute(f"insert into p3_items (id, {COLS}) values (%s, {marks})", [3] + [None] * len(ROW))
        conn.commit()

        for binary in (False, True):
            with conn.cursor(binary=binary) as cur:
                for id in (1, 2):
                    cur.execute(f"select {COLS} from p3_items where id = %s", (id,))
                    check_row(f"psycopg 3 (binary={binary}, row {id})", dict(zip(ROW.keys(), cur.fetchone())))
                cur.execute(f"select {COLS} from p3_items where id = %s", (3,))
                assert cur.fetchone() == (None,) * len(ROW)

        # Arrays, as text and as binary parameters and results.
        conn.execute("create table p3_arrays (id int, a int[], t text[])")
        for binary in (False, True):
            with conn.cursor(binary=binary) as cur:
                cur.execute("insert into p3_arrays values (%s, %s, %s)", (int(binary), [1, None, 3], ["x", 'q"uote', None]))
                cur.execute("select a, t from p3_arrays where id = %s", (int(binary),))
                assert cur.fetchone() == ([1, None, 3], ["x", 'q"uote', None])
        conn.rollback()

        # Prepared statements: after prepare_threshold executions psycopg
        # prepares a named statement and reuses it.
        with conn.cursor() as cur:
            for i in range(8):
                cur.execute("select %s::int8 * 2, %s::text", (i, f"v{i}"), prepare=i > 2)
                assert cur.fetchone() == (i * 2, f"v{i}")
            cur.execute("update p3_items set t = %s where id = %s", ("changed", 1))
            assert cur.rowcount == 1
            cur.execute("select t from p3_items where id = %s", (1,))
            assert cur.fetchone()[0] == "changed"
        conn.commit()

        # A rolled-back transaction.
        with conn.transaction(force_rollback=True):
            conn.execute("delete from p3_items")
            assert conn.execute("select count(*) from p3_items").fetchone()[0] == 0
        assert conn.execute("select count(*) from p3_items").fetchone()[0] == 3

        # Errors carry their SQLSTATE.
        try:
            conn.execute("insert into p3_items (id) values (%s)", (1,))
            raise AssertionError("duplicate key accepted")
        except errors.UniqueViolation as e:
            assert e.sqlstate == "23505", e.sqlstate
        conn.rollback()
        try:
            conn.execute("select 1 / %s", (0,))
            raise AssertionError("division by zero accepted")
        except errors.DivisionByZero as e:
            assert e.sqlstate == "22012"
        conn.rollback()

        # Pipeline mode: many statements sent before any result is read.
        with conn.pipeline():
            with conn.cursor() as cur:
                for i in range(10, 30):
                    cur.execute("insert into p3_items (id, t) values (%s, %s)", (i, f"p{i}"))
                cur.execute("select count(*), sum(id) from p3_items where id >= %s", (10,))
                assert cur.fetchone() == (20, sum(range(10, 30)))
        conn.commit()
        # An error inside a pipeline aborts it and raises.
        try:
            with conn.pipeline():
                conn.execute("insert into p3_items (id) values (%s)", (100,))
                conn.execute("insert into p3_items (id) values (%s)", (100,))
                conn.execute("insert into p3_items (id) values (%s)", (101,))
            raise AssertionError("pipeline error not raised")
        except errors.UniqueViolation:
            pass
        conn.rollback()
        assert conn.execute("select count(*) from p3_items where id >= 100").fetchone()[0] == 0

        with conn.cursor() as cur:
            cur.execute("delete from p3_items where id >= %s", (10,))
            assert cur.rowcount == 20, cur.rowcount
        conn.commit()

    # LISTEN / NOTIFY between two autocommit connections: delivered at the
    # notifier's commit, not before.
    with psycopg.connect(dsn(), autocommit=True) as listener, psycopg.connect(dsn()) as notifier:
        listener.execute("listen p3_channel")
        notifier.execute("select pg_notify('p3_channel', %s)", ("first",))
        notifier.execute("notify p3_channel, 'second'")
        assert list(listener.notifies(timeout=0.3)) == [], "delivered before commit"
        notifier.commit()
        got = [(n.channel, n.payload, n.pid) for n in listener.notifies(timeout=5, stop_after=2)]
        pid = notifier.info.backend_pid
        assert got == [("p3_channel", "first", pid), ("p3_channel", "second", pid)], got
        notifier.execute("notify p3_channel, 'lost'")
        notifier.rollback()
        assert list(listener.notifies(timeout=0.3)) == [], "a rolled-back notification arrived"

    # Autocommit connection, client-side binding cursor.
    with psycopg.connect(dsn(), autocommit=True) as conn:
        cur = psycopg.ClientCursor(conn)
        cur.execute("select %s, %s", ("it's", None))
        assert cur.fetchone() == ("it's", None)
    print("psycopg 3 ok")


if __name__ == "__main__":
    sys.exit(main())
