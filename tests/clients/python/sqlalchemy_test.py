"""SQLAlchemy 2 ORM against heapgres (through psycopg 3, and psycopg2):
metadata.create_all, sessions adding, querying, updating and deleting
mapped objects with a one-to-many relationship, typed columns, NULLs, a
rolled-back session and an error's SQLSTATE.

heapgres has no FOREIGN KEY constraints yet (0A000), so the relationship
is declared with an explicit join condition instead of a ForeignKey
column; the ORM's behaviour is the same."""

import datetime
import decimal
import sys
import uuid

from sqlalchemy import String, create_engine, func, select, text
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import DeclarativeBase, Mapped, Session, mapped_column, relationship
from sqlalchemy.types import JSON, LargeBinary, Numeric

from common import port


class Base(DeclarativeBase):
    pass


class Author(Base):
    __tablename__ = "sa_authors"
    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(50), unique=True)
    born: Mapped[datetime.date | None]
    books: Mapped[list["Book"]] = relationship(
        back_populates="author", cascade="all, delete-orphan", order_by="Book.id",
        primaryjoin="Author.id == foreign(Book.author_id)")


class Book(Base):
    __tablename__ = "sa_books"
    id: Mapped[int] = mapped_column(primary_key=True)
    title: Mapped[str]
    price: Mapped[decimal.Decimal | None] = mapped_column(Numeric(8, 2))
    in_print: Mapped[bool] = mapped_column(default=True)
    published: Mapped[datetime.datetime | None]
    code: Mapped[uuid.UUID | None]
    cover: Mapped[bytes | None] = mapped_column(LargeBinary)
    extra: Mapped[dict | None] = mapped_column(JSON)
    rating: Mapped[float | None]
    author_id: Mapped[int] = mapped_column(index=True)
    author: Mapped[Author] = relationship(back_populates="books", primaryjoin="Author.id == foreign(Book.author_id)")


def run(url):
    engine = create_engine(url)
    Base.metadata.drop_all(engine)
    Base.metadata.create_all(engine)

    code = uuid.UUID("a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11")
    when = datetime.datetime(2024, 6, 1, 12, 30, 15, 250000)
    with Session(engine) as s:
        a = Author(name="Le Guin", born=datetime.date(1929, 10, 21))
        a.books = [
            Book(title="A Wizard of Earthsea", price=decimal.Decimal("9.99"), published=when, code=code,
                 cover=b"\x00\xff", extra={"series": "Earthsea", "n": 1}, rating=4.5),
            Book(title="The Dispossessed"),
        ]
        s.add(a)
        s.add(Author(name="Anonymous"))
        s.commit()

    with Session(engine) as s:
        a = s.scalars(select(Author).where(Author.name == "Le Guin")).one()
        assert a.born == datetime.date(1929, 10, 21)
        assert [b.title for b in a.books] == ["A Wizard of Earthsea", "The Dispossessed"]
        b = a.books[0]
        assert (b.price, b.in_print, b.published, b.code, b.cover, b.extra, b.rating) == (
            decimal.Decimal("9.99"), True, when, code, b"\x00\xff", {"series": "Earthsea", "n": 1}, 4.5)
        b2 = a.books[1]
        assert (b2.price, b2.published, b2.code, b2.cover, b2.extra, b2.rating) == (None,) * 6
        assert s.scalars(select(Book.author_id).where(Book.title == "The Dispossessed")).one() == a.id
        # A join through the relationship and an aggregate.
        rows = s.execute(select(Author.name, func.count(Book.id)).outerjoin(Author.books)
                         .group_by(Author.name).order_by(Author.name)).all()
        assert [tuple(r) for r in rows] == [("Anonymous", 0), ("Le Guin", 2)], rows
        b2.price = decimal.Decimal("12.50")
        b.in_print = False
        s.commit()

    with Session(engine) as s:
        assert s.scalars(select(Book.price).where(Book.title == "The Dispossessed")).one() == decimal.Decimal("12.50")
        # A rolled-back session leaves nothing behind.
        s.add(Author(name="Temporary"))
        s.flush()
        s.rollback()
        assert s.scalars(select(func.count()).select_from(Author)).one() == 2
        # An error's SQLSTATE, through the driver's exception.
        s.add(Author(name="Le Guin"))
        try:
            s.commit()
            raise AssertionError("duplicate name accepted")
        except IntegrityError as e:
            state = getattr(e.orig, "sqlstate", None) or getattr(e.orig, "pgcode", None)
            assert state == "23505", state
        s.rollback()
        # Deleting the author deletes its books (cascade in the ORM).
        a = s.scalars(select(Author).where(Author.name == "Le Guin")).one()
        s.delete(a)
        s.commit()
        assert s.scalars(select(func.count()).select_from(Book)).one() == 0
        assert s.execute(text("select count(*) from sa_authors where name = :n"), {"n": "Anonymous"}).scalar() == 1
    Base.metadata.drop_all(engine)
    engine.dispose()


def main():
    for driver in ("psycopg2", "psycopg"):
        run(f"postgresql+{driver}://postgres@127.0.0.1:{port()}/postgres")
    print("sqlalchemy ok")


if __name__ == "__main__":
    sys.exit(main())
