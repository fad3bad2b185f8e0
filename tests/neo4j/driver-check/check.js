// Proves weir's scripted Bolt test server speaks real Bolt: the official
// neo4j-driver connects to it, runs each shared script and must decode
// exactly the scripted values; the server in turn checks every message the
// driver sent against the same script the plugin's own tests use.
//
// usage: node check.js <bolt_test_server binary> <scripts dir>
'use strict';
const assert = require('node:assert/strict');
const { spawn } = require('node:child_process');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const neo4j = require('neo4j-driver');

const [serverBinary, scriptsDir] = process.argv.slice(2);

// `tlsDir`: serve TLS only, with a certificate the server makes there.
function startServer(script, vars = {}, tlsDir = null) {
  const args = ['--script', path.join(scriptsDir, script)];
  for (const [k, v] of Object.entries(vars)) args.push('--var', `${k}=${v}`);
  if (tlsDir) args.push('--tls', tlsDir);
  const child = spawn(serverBinary, args, { stdio: ['pipe', 'pipe', 'inherit'] });
  let output = '';
  return new Promise((resolve, reject) => {
    child.on('error', reject);
    child.stdout.on('data', (chunk) => {
      output += chunk;
      const m = output.match(/LISTENING (\d+)/);
      if (m && !child.port) {
        child.port = Number(m[1]);
        resolve({
          address: `127.0.0.1:${child.port}`,
          // Closing stdin stops the server; it reports script failures on exit.
          stop: () => new Promise((done) => {
            child.on('exit', (code) => done({ code, output }));
            child.stdin.end();
          }),
        });
      }
    });
    child.on('exit', (code) => { if (!child.port) reject(new Error(`${script}: server exited ${code}: ${output}`)); });
  });
}

async function withServers(specs, body) {
  const servers = [];
  try {
    for (const [script, vars, tlsDir] of specs) servers.push(await startServer(script, vars(servers), tlsDir));
    await body(servers);
  } finally {
    for (const s of servers) {
      const { code, output } = await s.stop();
      assert.equal(code, 0, `the test server saw the driver deviate from its script:\n${output}`);
    }
  }
}

const auth = neo4j.auth.basic('neo4j', 'secret');
const noVars = () => ({});

async function checkValues() {
  await withServers([['values.json', noVars]], async ([server]) => {
    const driver = neo4j.driver(`bolt://${server.address}`, auth, { disableLosslessIntegers: false });
    try {
      const session = driver.session({ database: 'movies' });
      const result = await session.run('RETURN $n AS n, $day AS day',
        { n: neo4j.int(42), day: new neo4j.types.Date(2024, 1, 31) });
      await session.close();
      assert.equal(result.records.length, 1);
      const r = result.records[0];
      assert.equal(r.get('null'), null);
      assert.equal(r.get('bool'), true);
      assert.equal(r.get('int_tiny').toString(), '-16');
      assert.equal(r.get('int_large').toString(), '9007199254740993');
      assert.equal(r.get('float'), 1.5);
      assert.equal(r.get('string'), 'grüße');
      assert.deepEqual(Array.from(r.get('bytes'), (b) => b & 0xff), [0, 1, 2, 255]);
      const list = r.get('list');
      assert.equal(list[0].toString(), '1');
      assert.equal(list[1], 'two');
      assert.deepEqual(list[2], [3.0]);
      assert.equal(r.get('map').k, 'v');
      assert.equal(r.get('map').nested.n.toString(), '1');
      const node = r.get('node');
      assert.ok(neo4j.isNode(node));
      assert.deepEqual(node.labels, ['Person']);
      assert.equal(node.elementId, '4:db:1');
      assert.equal(node.properties.name, 'Ada');
      const rel = r.get('relationship');
      assert.ok(neo4j.isRelationship(rel));
      assert.equal(rel.type, 'KNOWS');
      assert.equal(rel.startNodeElementId, '4:db:1');
      assert.equal(rel.endNodeElementId, '4:db:2');
      const p = r.get('path');
      assert.ok(neo4j.isPath(p));
      assert.equal(p.segments.length, 2);
      assert.equal(p.start.elementId, '4:db:1');
      assert.equal(p.end.elementId, '4:db:3');
      assert.equal(p.segments[1].relationship.type, 'LIVES_IN');
      assert.equal(p.segments[1].relationship.startNodeElementId, '4:db:3');
      assert.equal(r.get('date').toString(), '2024-01-31');
      assert.equal(r.get('time').toString(), '10:15:30.000000001+01:00');
      assert.equal(r.get('localtime').toString(), '23:59:59');
      assert.equal(r.get('datetime').toString(), '2024-01-31T10:15:30+01:00');
      assert.equal(r.get('datetime_zone').toString(), '2024-07-01T10:00:00+02:00[Europe/Paris]');
      assert.equal(r.get('localdatetime').toString(), '1969-12-31T23:59:59.500000000');
      assert.equal(r.get('duration').toString(), 'P1M2DT3.000000004S');
      const p2 = r.get('point2d');
      assert.equal(p2.srid.toString(), '4326');
      assert.deepEqual([p2.x, p2.y, p2.z], [1.5, -2.25, undefined]);
      const p3 = r.get('point3d');
      assert.deepEqual([p3.srid.toString(), p3.x, p3.y, p3.z], ['9157', 1, 2, 3]);
      assert.equal(session.lastBookmarks()[0], 'FB:values-1');
    } finally {
      await driver.close();
    }
  });
}

// A zoned DateTime over Bolt 4.4 (wall clock + zone) and 5.4 (UTC + zone):
// the driver reads the scripted values as the same wall clock in the zone,
// and the parameter it sends decodes to the reading the script expects, so
// the test server's two encodings are the ones a real client speaks.
async function checkZonedDateTime() {
  for (const bolt of ['4.4', '5.4']) {
    await withServers([['zoned_datetime.json', () => ({ BOLT: bolt })]], async ([server]) => {
      const driver = neo4j.driver(`bolt://${server.address}`, auth);
      try {
        const session = driver.session();
        const t = new neo4j.types.DateTime(2024, 7, 1, 10, 0, 0, 0, 7200, 'Europe/Paris');
        const result = await session.run('RETURN $t AS t', { t });
        await session.close();
        const r = result.records[0];
        for (const [key, nanos] of [['t', 789000000], ['instant', 0], ['wall_clock', 0]]) {
          const d = r.get(key);
          assert.deepEqual([d.year, d.month, d.day, d.hour, d.minute, d.second, d.nanosecond, d.timeZoneId]
            .map(String), ['2024', '7', '1', '10', '0', '0', String(nanos), 'Europe/Paris'], `Bolt ${bolt}, ${key}`);
        }
      } finally {
        await driver.close();
      }
    });
  }
}

async function checkTransaction() {
  await withServers([['transaction.json', noVars]], async ([server]) => {
    await playTransaction(neo4j.driver(`bolt://${server.address}`, auth));
  });
}

// The driver's own TLS, verifying the server's certificate and address
// against that certificate as its only CA: proves the test server's TLS is
// what a real client expects, so the plugin's TLS tests hold it to that.
async function checkTransactionOverTls() {
  const tlsDir = fs.mkdtempSync(path.join(os.tmpdir(), 'weir-bolt-tls-'));
  try {
    await withServers([['transaction.json', noVars, tlsDir]], async ([server]) => {
      await playTransaction(neo4j.driver(`bolt://${server.address}`, auth, {
        encrypted: 'ENCRYPTION_ON',
        trust: 'TRUST_CUSTOM_CA_SIGNED_CERTIFICATES',
        trustedCertificates: [path.join(tlsDir, 'localhost.crt')],
      }));
    });
  } finally {
    fs.rmSync(tlsDir, { recursive: true, force: true });
  }
}

async function playTransaction(driver) {
  try {
    const session = driver.session({ bookmarks: ['FB:before'] });
    const tx = await session.beginTransaction();
    const result = await tx.run('CREATE (p:Person {name: $name}) RETURN p.name AS name', { name: 'Grace' });
    assert.equal(result.records[0].get('name'), 'Grace');
    await tx.commit();
    assert.deepEqual(session.lastBookmarks(), ['FB:after-commit']);
    await session.close();
  } finally {
    await driver.close();
  }
}

async function checkFailureThenReset() {
  await withServers([['failure_reset.json', noVars]], async ([server]) => {
    const driver = neo4j.driver(`bolt://${server.address}`, auth);
    try {
      const session = driver.session();
      await assert.rejects(session.run('RETRUN 1'), (e) => {
        assert.equal(e.code, 'Neo.ClientError.Statement.SyntaxError');
        assert.match(e.message, /Invalid input 'RETRUN'/);
        return true;
      });
      const result = await session.run('RETURN 1 AS one');
      assert.equal(result.records[0].get('one').toString(), '1');
      await session.close();
    } finally {
      await driver.close();
    }
  });
}

async function checkRouting() {
  await withServers([
    ['routing_reader.json', noVars],
    ['routing_router.json', (s) => ({ WRITER: '127.0.0.1:9', READER: s[0].address })],
  ], async ([reader, router]) => {
    const driver = neo4j.driver(`neo4j://${router.address}`, auth);
    try {
      const session = driver.session({ defaultAccessMode: neo4j.session.READ });
      const result = await session.run('MATCH (n) RETURN count(n) AS n');
      assert.equal(result.records[0].get('n').toString(), '7');
      assert.equal(result.summary.server.address, reader.address);
      await session.close();
    } finally {
      await driver.close();
    }
  });
}

(async () => {
  for (const [name, check] of Object.entries({ checkValues, checkZonedDateTime, checkTransaction, checkTransactionOverTls, checkFailureThenReset, checkRouting })) {
    await check();
    console.log(`ok - ${name}`);
  }
})().catch((e) => {
  console.error(e);
  process.exit(1);
});
