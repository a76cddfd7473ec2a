"""What the Python driver scripts share: the connection parameters the
Rust test passes in the environment, and one row with a value of every
type heapgres supports."""

import datetime
import decimal
import os
import uuid


def dsn():
    return "host=127.0.0.1 port={} user=postgres dbname=postgres".format(
        os.environ["HEAPGRES_PORT"]
    )


def port():
    return int(os.environ["HEAPGRES_PORT"])


ROW = {
    "b": True,
    "i2": -32768,
    "i4": 2147483647,
    "i8": -9223372036854775808,
    "f4": 1.5,
    "f8": 2.718281828459045,
    "n": decimal.Decimal("123456789.125"),
    "t": "text with 'quotes', \\backslashes\\ and ünïcödé",
    "vc": "varchar",
    "c": "ab ",
    "by": b"\x00\x01\xfe\xff'\\",
    "d": datetime.date(2024, 2, 29),
    "tm": datetime.time(13, 14, 15, 123456),
    "ts": datetime.datetime(1999, 12, 31, 23, 59, 59, 999999),
    "tstz": datetime.datetime(2024, 6, 1, 12, 0, 0, 500000, tzinfo=datetime.timezone.utc),
    "iv": datetime.timedelta(days=3, hours=4, minutes=5, seconds=6),
    "u": uuid.UUID("a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11"),
    "j": {"a": [1, 2, None], "b": "x"},
    "jb": {"k": {"nested": True}, "n": 1.5},
}


def check_row(driver, got):
    """Compares a fetched row (a dict by column) with ROW."""
    for k, want in ROW.items():
        have = got[k]
        if k == "tstz" and have is not None:
            have = have.astimezone(datetime.timezone.utc)
        if have != want:
            raise AssertionError(f"{driver}: column {k}: sent {want!r}, got {have!r}")
