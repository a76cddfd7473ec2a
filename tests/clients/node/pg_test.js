// node-postgres (`pg`) against heapgres: parameterized queries (the
// extended protocol with text parameters and server-side type inference),
// every supported type, NULLs, DML, transactions committed and rolled
// back, an error's SQLSTATE and a pool of connections.
'use strict';

const assert = require('node:assert/strict');
const { Client, Pool } = require('pg');

const config = {
  host: '127.0.0.1',
  port: Number(process.env.HEAPGRES_PORT),
  user: 'postgres',
  database: 'postgres',
};

const ROW = {
  b: true,
  i2: -32768,
  i4: 2147483647,
  i8: '-9223372036854775808',
  f4: 1.5,
  f8: 2.718281828459045,
  n: '123456789.125',
  t: "text with 'quotes', \\backslashes\\ and ünïcödé",
  vc: 'varchar',
  c: 'ab ',
  by: Buffer.from([0, 1, 0xfe, 0xff, 0x27, 0x5c]),
  d: '2024-02-29',
  tm: '13:14:15.123456',
  ts: '1999-12-31 23:59:59.999999',
  tstz: new Date(Date.UTC(2024, 5, 1, 12, 0, 0, 500)),
  iv: '3 days 04:05:06',
  u: 'a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11',
  j: { a: [1, 2, null], b: 'x' },
  jb: { k: { nested: true }, n: 1.5 },
};
const COLS = Object.keys(ROW);

// Keep dates and timestamps as the server's text: the comparison is then
// exact and independent of the test machine's time zone.
const { types } = require('pg');
for (const oid of [1082, 1114]) types.setTypeParser(oid, (v) => v);

function paramValue(k, v) {
  return k === 'j' || k === 'jb' ? JSON.stringify(v) : v;
}

async function main() {
  const client = new Client(config);
  await client.connect();
  const version = (await client.query('select version()')).rows[0].version;
  assert.match(version, /^PostgreSQL 15\./);

  await client.query('drop table if exists node_items');
  await client.query(`create table node_items (
      id int primary key, b boolean, i2 smallint, i4 integer, i8 bigint,
      f4 real, f8 double precision, n numeric(12, 3), t text,
      vc varchar(20), c char(3), by bytea, d date, tm time,
      ts timestamp, tstz timestamptz, iv interval, u uuid,
      j json, jb jsonb)`);
  const marks = COLS.map((_, i) => `$${i + 2}`).join(', ');
  const insert = `insert into node_items (id, ${COLS.join(', ')}) values ($1, ${marks})`;
  let r = await client.query(insert, [1, ...COLS.map((k) => paramValue(k, ROW[k]))]);
  assert.equal(r.rowCount, 1);
  await client.query(insert, [2, ...COLS.map(() => null)]);

  r = await client.query(`select ${COLS.join(', ')} from node_items where id = $1`, [1]);
  const got = r.rows[0];
  for (const k of COLS) {
    const want = ROW[k];
    const have = got[k];
    if (k === 'iv') {
      assert.deepEqual({ ...have }, { days: 3, hours: 4, minutes: 5, seconds: 6 }, k);
    } else if (want instanceof Date) {
      assert.equal(have.getTime(), want.getTime(), k);
    } else {
      assert.deepEqual(have, want, `column ${k}`);
    }
  }
  r = await client.query(`select ${COLS.join(', ')} from node_items where id = $1`, [2]);
  for (const k of COLS) assert.equal(r.rows[0][k], null, k);

  // Parameters whose types the server infers from their use.
  r = await client.query('select $1::int + 1 as a, $2 || \'!\' as b, $3 = 1.5 as c', [41, 'hi', 1.5]);
  assert.deepEqual(r.rows[0], { a: 42, b: 'hi!', c: true });

  r = await client.query('update node_items set t = $1, i2 = i2 + $2 where id = $3', ['changed', 1, 1]);
  assert.equal(r.rowCount, 1);
  assert.equal(r.command, 'UPDATE');
  r = await client.query({ text: 'select t, i2 from node_items where id = $1', values: [1], rowMode: 'array' });
  assert.deepEqual(r.rows, [['changed', -32767]]);

  // Arrays as parameters and results; = ANY($1) with an array parameter.
  await client.query('create table node_arrays (id int, a int[], t text[])');
  await client.query('insert into node_arrays values ($1, $2, $3)', [1, [1, null, 3], ['x', 'q"uote', null]]);
  r = await client.query('select a, t from node_arrays where id = any($1)', [[1, 2]]);
  assert.deepEqual(r.rows, [{ a: [1, null, 3], t: ['x', 'q"uote', null] }]);
  await client.query('drop table node_arrays');

  // A named prepared statement reused.
  for (let i = 0; i < 3; i++) {
    r = await client.query({ name: 'by_id', text: 'select id from node_items where id = $1', values: [1] });
    assert.deepEqual(r.rows, [{ id: 1 }]);
  }

  // Transactions: one rolled back, one committed.
  await client.query('begin');
  await client.query('delete from node_items');
  assert.equal((await client.query('select count(*)::int as n from node_items')).rows[0].n, 0);
  await client.query('rollback');
  assert.equal((await client.query('select count(*)::int as n from node_items')).rows[0].n, 2);
  await client.query('begin');
  await client.query('insert into node_items (id, t) values ($1, $2)', [3, 'three']);
  await client.query('commit');
  assert.equal((await client.query('select count(*)::int as n from node_items')).rows[0].n, 3);

  // Errors carry their SQLSTATE; the connection stays usable.
  await assert.rejects(client.query('insert into node_items (id) values ($1)', [1]), (e) => e.code === '23505');
  await assert.rejects(client.query('select * from no_such_table'), (e) => e.code === '42P01');
  await client.query('begin');
  await assert.rejects(client.query('select 1 / $1::int', [0]), (e) => e.code === '22012');
  await assert.rejects(client.query('select 1'), (e) => e.code === '25P02');
  await client.query('rollback');

  r = await client.query('delete from node_items where id > $1', [1]);
  assert.equal(r.rowCount, 2);
  await client.end();

  // A pool: concurrent queries on several connections.
  const pool = new Pool({ ...config, max: 4 });
  const results = await Promise.all(
    Array.from({ length: 20 }, (_, i) => pool.query('select $1::int * 2 as v', [i])),
  );
  assert.deepEqual(results.map((x) => x.rows[0].v), Array.from({ length: 20 }, (_, i) => i * 2));
  const pc = await pool.connect();
  try {
    await pc.query('begin');
    await pc.query('insert into node_items (id) values (10)');
    await pc.query('rollback');
  } finally {
    pc.release();
  }
  assert.equal((await pool.query('select count(*)::int as n from node_items')).rows[0].n, 1);
  await pool.end();
  console.log('node-postgres ok');
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
