// pgjdbc (Debian's libpostgresql-jdbc-java) against heapgres: Statement and
// PreparedStatement with every supported type (text and, past
// prepareThreshold, binary transfer), NULLs, batch inserts, transactions
// committed and rolled back, an error's SQLSTATE and DatabaseMetaData.
// Run with `java -cp /usr/share/java/postgresql.jar JdbcTest.java PORT`.

import java.math.BigDecimal;
import java.sql.*;
import java.time.*;
import java.util.*;

public class JdbcTest {
    static void check(boolean ok, String what) {
        if (!ok) throw new AssertionError(what);
    }

    static void eq(Object want, Object have, String what) {
        if (!Objects.equals(want, have))
            throw new AssertionError(what + ": expected " + want + ", got " + have);
    }

    public static void main(String[] args) throws Exception {
        String url = "jdbc:postgresql://127.0.0.1:" + args[0] + "/postgres?user=postgres&prepareThreshold=2";
        try (Connection c = DriverManager.getConnection(url)) {
            DatabaseMetaData md = c.getMetaData();
            eq(15, md.getDatabaseMajorVersion(), "server major version");
            try (Statement s = c.createStatement()) {
                s.execute("drop table if exists jdbc_items");
                s.execute("create table jdbc_items (id int primary key, b boolean, i2 smallint, i4 integer,"
                        + " i8 bigint, f4 real, f8 double precision, n numeric(12, 3), t text, vc varchar(20),"
                        + " c char(3), by bytea, d date, tm time, ts timestamp, tstz timestamptz,"
                        + " u uuid, j json, jb jsonb)");
            }
            String insert = "insert into jdbc_items (id, b, i2, i4, i8, f4, f8, n, t, vc, c, by, d, tm, ts, tstz, u, j, jb)"
                    + " values (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?::json, ?::jsonb)";
            byte[] bytes = {0, 1, (byte) 0xfe, (byte) 0xff, '\'', '\\'};
            UUID uuid = UUID.fromString("a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11");
            OffsetDateTime tstz = OffsetDateTime.of(2024, 6, 1, 12, 0, 0, 500_000_000, ZoneOffset.UTC);
            // Several executions: pgjdbc switches to a named server-side
            // statement (and binary transfer) past prepareThreshold.
            try (PreparedStatement ps = c.prepareStatement(insert)) {
                for (int id = 1; id <= 4; id++) {
                    ps.setInt(1, id);
                    ps.setBoolean(2, true);
                    ps.setShort(3, (short) -32768);
                    ps.setInt(4, Integer.MAX_VALUE);
                    ps.setLong(5, Long.MIN_VALUE);
                    ps.setFloat(6, 1.5f);
                    ps.setDouble(7, Math.E);
                    ps.setBigDecimal(8, new BigDecimal("123456789.125"));
                    ps.setString(9, "text with 'quotes' and ünïcödé");
                    ps.setString(10, "varchar");
                    ps.setString(11, "ab ");
                    ps.setBytes(12, bytes);
                    ps.setObject(13, LocalDate.of(2024, 2, 29));
                    ps.setObject(14, LocalTime.of(13, 14, 15, 123_456_000));
                    ps.setObject(15, LocalDateTime.of(1999, 12, 31, 23, 59, 59, 999_999_000));
                    ps.setObject(16, tstz);
                    ps.setObject(17, uuid);
                    ps.setString(18, "{\"a\": [1, 2, null]}");
                    ps.setString(19, "{\"k\": {\"nested\": true}}");
                    eq(1, ps.executeUpdate(), "insert count");
                }
                ps.setInt(1, 5);
                for (int i = 2; i <= 19; i++) ps.setNull(i, Types.OTHER);
                ps.executeUpdate();
            }
            try (PreparedStatement ps = c.prepareStatement(
                    "select b, i2, i4, i8, f4, f8, n, t, vc, c, by, d, tm, ts, tstz, u, j::text, jb::text from jdbc_items where id = ?")) {
                for (int id = 1; id <= 4; id++) {
                    ps.setInt(1, id);
                    try (ResultSet rs = ps.executeQuery()) {
                        check(rs.next(), "row " + id);
                        eq(true, rs.getBoolean(1), "b");
                        eq((short) -32768, rs.getShort(2), "i2");
                        eq(Integer.MAX_VALUE, rs.getInt(3), "i4");
                        eq(Long.MIN_VALUE, rs.getLong(4), "i8");
                        eq(1.5f, rs.getFloat(5), "f4");
                        eq(Math.E, rs.getDouble(6), "f8");
                        eq(new BigDecimal("123456789.125"), rs.getBigDecimal(7), "n");
                        eq("text with 'quotes' and ünïcödé", rs.getString(8), "t");
                        eq("varchar", rs.getString(9), "vc");
                        eq("ab ", rs.getString(10), "c");
                        check(Arrays.equals(bytes, rs.getBytes(11)), "by");
                        eq(LocalDate.of(2024, 2, 29), rs.getObject(12, LocalDate.class), "d");
                        eq(LocalTime.of(13, 14, 15, 123_456_000), rs.getObject(13, LocalTime.class), "tm");
                        eq(LocalDateTime.of(1999, 12, 31, 23, 59, 59, 999_999_000), rs.getObject(14, LocalDateTime.class), "ts");
                        eq(tstz.toInstant(), rs.getObject(15, OffsetDateTime.class).toInstant(), "tstz");
                        eq(uuid, rs.getObject(16, UUID.class), "u");
                        eq("{\"a\": [1, 2, null]}", rs.getString(17), "j");
                        eq("{\"k\": {\"nested\": true}}", rs.getString(18), "jb");
                        check(!rs.next(), "one row");
                    }
                }
                ps.setInt(1, 5);
                try (ResultSet rs = ps.executeQuery()) {
                    check(rs.next(), "null row");
                    for (int i = 1; i <= 18; i++) {
                        check(rs.getObject(i) == null, "column " + i + " is null");
                    }
                }
            }
            // ResultSetMetaData from the RowDescription.
            try (Statement s = c.createStatement(); ResultSet rs = s.executeQuery("select id, n, vc from jdbc_items limit 1")) {
                ResultSetMetaData rm = rs.getMetaData();
                eq("int4", rm.getColumnTypeName(1), "type of id");
                eq("numeric", rm.getColumnTypeName(2), "type of n");
                eq(12, rm.getPrecision(2), "precision of n");
                eq(3, rm.getScale(2), "scale of n");
                eq("varchar", rm.getColumnTypeName(3), "type of vc");
            }

            // Batch insert, then a transaction rolled back and one committed.
            c.setAutoCommit(false);
            try (PreparedStatement ps = c.prepareStatement("insert into jdbc_items (id, t) values (?, ?)")) {
                for (int id = 100; id < 150; id++) {
                    ps.setInt(1, id);
                    ps.setString(2, "batch " + id);
                    ps.addBatch();
                }
                int[] counts = ps.executeBatch();
                eq(50, counts.length, "batch results");
                for (int n : counts) check(n == 1 || n == Statement.SUCCESS_NO_INFO, "batch count " + n);
            }
            c.rollback();
            try (Statement s = c.createStatement()) {
                try (ResultSet rs = s.executeQuery("select count(*) from jdbc_items")) {
                    rs.next();
                    eq(5L, rs.getLong(1), "rows after rollback");
                }
                eq(1, s.executeUpdate("update jdbc_items set t = 'changed' where id = 1"), "update count");
                eq(1, s.executeUpdate("delete from jdbc_items where id = 5"), "delete count");
            }
            c.commit();
            // An error inside a transaction: its SQLSTATE, then the
            // transaction is aborted until rollback.
            try (Statement s = c.createStatement()) {
                try {
                    s.executeUpdate("insert into jdbc_items (id) values (1)");
                    throw new AssertionError("duplicate key accepted");
                } catch (SQLException e) {
                    eq("23505", e.getSQLState(), "unique violation");
                }
                try {
                    s.executeQuery("select 1");
                    throw new AssertionError("statement in aborted transaction accepted");
                } catch (SQLException e) {
                    eq("25P02", e.getSQLState(), "aborted transaction");
                }
                c.rollback();
                try (ResultSet rs = s.executeQuery("select t from jdbc_items where id = 1")) {
                    rs.next();
                    eq("changed", rs.getString(1), "committed update");
                }
            }
            c.setAutoCommit(true);

            // DatabaseMetaData over the catalog.
            try (ResultSet rs = md.getTables(null, "public", "jdbc_items", new String[] {"TABLE"})) {
                check(rs.next(), "getTables finds jdbc_items");
                eq("jdbc_items", rs.getString("TABLE_NAME"), "table name");
            }
            List<String> cols = new ArrayList<>();
            try (ResultSet rs = md.getColumns(null, "public", "jdbc_items", null)) {
                while (rs.next()) cols.add(rs.getString("COLUMN_NAME") + " " + rs.getString("TYPE_NAME"));
            }
            eq("id int4", cols.get(0), "first column");
            eq("n numeric", cols.get(7), "numeric column");
            eq(19, cols.size(), "column count");
        }
        System.out.println("jdbc ok");
    }
}
