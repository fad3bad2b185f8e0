// Proves weir's MCP front works with the official MCP TypeScript SDK as the
// client, over both transports: `weir mcp` on stdio and `weir serve` at /mcp
// (Streamable HTTP, with bearer tokens). Each client initializes (the SDK
// offers 2025-11-25), lists the tools and calls them against real SQLite
// files; a write through the read-only path is refused by the engine, a bad
// argument is a tool error, a tool defined in the config is listed with its
// schema and called, a truncated result pages with its cursor, a reload that
// adds a tool is announced (notifications/tools/list_changed), a scoped token
// sees one database and its tools.
//
// usage: node check.js <weir binary> <plugin dir>
'use strict';
const assert = require('node:assert/strict');
const { spawn } = require('node:child_process');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const { Client } = require('@modelcontextprotocol/sdk/client/index.js');
const { StdioClientTransport } = require('@modelcontextprotocol/sdk/client/stdio.js');
const { StreamableHTTPClientTransport } = require('@modelcontextprotocol/sdk/client/streamableHttp.js');
const { ToolListChangedNotificationSchema } = require('@modelcontextprotocol/sdk/types.js');

const [weir, pluginDir] = process.argv.slice(2);
const FULL = 'full-token-0123456789abcdef';
const SCOPED = 'scoped-token-0123456789abcdef';

const project = fs.mkdtempSync(path.join(os.tmpdir(), 'weir-mcp-sdk-'));
const configPath = path.join(project, 'weir.json');
const config = {
  listen: '127.0.0.1:0',
  plugin_dirs: [pluginDir],
  workspace: { root: project },
  databases: {
    app: { backend: 'sqlite', connection: { path: 'app.db' } },
    notes: { backend: 'sqlite', connection: { path: 'notes.db' } },
  },
  mcp: {
    writable: ['notes'],
    tools: {
      note_count: {
        description: 'How many notes contain a word',
        database: 'notes',
        statement: "select count(*) as n from note where body like '%' || ? || '%'",
        parameters: [{ name: 'word', type: 'string', description: 'the word' }],
      },
    },
  },
  auth: {
    tokens: [
      { name: 'full', token: FULL, databases: ['*'] },
      { name: 'scoped', token: SCOPED, databases: ['app'] },
    ],
  },
};
fs.writeFileSync(configPath, JSON.stringify(config));

// A reload (SIGHUP to `pid`) that adds a tool: the client is told (notifications/tools/list_changed,
// on stdio's stdout or HTTP's GET stream) and lists it; the config is then put back.
async function reloadIsAnnounced(client, pid, label) {
  const announced = new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`${label}: no tools/list_changed within 10 s`)), 10000);
    client.setNotificationHandler(ToolListChangedNotificationSchema, () => { clearTimeout(timer); resolve(); });
  });
  const added = structuredClone(config);
  added.mcp.tools.note_total = { description: 'How many notes', database: 'notes', statement: 'select count(*) from note' };
  fs.writeFileSync(configPath, JSON.stringify(added));
  try {
    process.kill(pid, 'SIGHUP');
    await announced;
    const tools = (await client.listTools()).tools.map((t) => t.name);
    assert.ok(tools.includes('note_total'), `${label}: ${tools}`);
  } finally {
    fs.writeFileSync(configPath, JSON.stringify(config));
  }
}

function structured(result) {
  assert.equal(result.isError, false, JSON.stringify(result));
  assert.deepEqual(JSON.parse(result.content[0].text), result.structuredContent);
  return result.structuredContent;
}
function toolError(result) {
  assert.equal(result.isError, true, JSON.stringify(result));
  return JSON.parse(result.content[0].text).error;
}

// What every client checks, whatever its transport.
async function exercise(client, label) {
  assert.equal(client.getServerVersion().name, 'weir', label);
  const tools = (await client.listTools()).tools;
  assert.deepEqual(tools.map((t) => t.name), ['list_databases', 'describe_database', 'query', 'note_count'], label);
  assert.deepEqual(tools[3].inputSchema, {
    type: 'object',
    properties: { word: { type: 'string', description: 'the word' }, cursor: tools[2].inputSchema.properties.cursor },
    required: ['word'], additionalProperties: false,
  });
  assert.equal(tools[2].inputSchema.properties.cursor.type, 'string');
  assert.equal(tools[3].annotations.readOnlyHint, true);
  assert.deepEqual(tools[2].inputSchema.properties.database.enum, ['app', 'notes'], label);

  const dbs = structured(await client.callTool({ name: 'list_databases', arguments: {} }));
  assert.deepEqual(dbs.databases.map((d) => [d.name, d.writable]), [['app', false], ['notes', true]]);

  await client.callTool({ name: 'query', arguments: { database: 'notes', query: 'create table if not exists note (id integer primary key, body text not null)' } });
  const inserted = structured(await client.callTool({
    name: 'query', arguments: { database: 'notes', query: 'insert into note (body) values (?)', params: [label] },
  }));
  assert.equal(inserted.rows_affected, 1, label);
  const rows = structured(await client.callTool({
    name: 'query', arguments: { database: 'notes', query: 'select body from note where body = ?', params: [label] },
  }));
  assert.deepEqual(rows.rows, [[label]]);

  // A truncated result pages with its next_cursor until a page has none.
  const numbers = "with recursive n(x) as (select 1 union all select x + 1 from n where x < 5) select x from n";
  const pages = [];
  let cursor;
  do {
    const page = structured(await client.callTool({
      name: 'query', arguments: { database: 'app', query: numbers, max_rows: 2, ...(cursor ? { cursor } : {}) },
    }));
    pages.push(page.rows.map((r) => r[0]));
    assert.equal(page.truncated ?? false, page.next_cursor !== undefined, label);
    cursor = page.next_cursor;
  } while (cursor);
  assert.deepEqual(pages, [[1, 2], [3, 4], [5]], label);
  const wrongCursor = toolError(await client.callTool({
    name: 'query', arguments: { database: 'notes', query: numbers, max_rows: 2, cursor: '2.000000000000000000000000' },
  }));
  assert.equal(wrongCursor.code, 'invalid_arguments', label);

  const counted = structured(await client.callTool({ name: 'note_count', arguments: { word: label } }));
  assert.equal(counted.rows[0][0] >= 1, true, label);
  const badWord = toolError(await client.callTool({ name: 'note_count', arguments: { word: 7 } }));
  assert.equal(badWord.message, 'arguments.word must be a string');

  const schema = structured(await client.callTool({ name: 'describe_database', arguments: { database: 'notes' } }));
  assert.deepEqual(schema.tables[0].columns.map((c) => [c.name, c.type, c.primary_key]),
    [['id', 'INTEGER', true], ['body', 'TEXT', false]]);

  // "app" is not writable for MCP: the engine refuses, whatever the statement looks like.
  const refused = toolError(await client.callTool({
    name: 'query', arguments: { database: 'app', query: 'create table sneaky (x)' },
  }));
  assert.equal(refused.code, 'permission_denied');
  assert.equal(refused.message, 'the statement writes, but the request is declared read-only');

  const invalid = toolError(await client.callTool({ name: 'query', arguments: { database: 'app' } }));
  assert.deepEqual([invalid.code, invalid.message], ['invalid_arguments', 'arguments.query is required']);

  // A protocol error is a JSON-RPC error, which the SDK throws.
  await assert.rejects(client.callTool({ name: 'no_such_tool', arguments: {} }),
    (e) => e.code === -32602 && /unknown tool "no_such_tool"/.test(e.message));
  await client.ping();
}

async function overStdio() {
  const transport = new StdioClientTransport({
    command: weir, args: ['mcp', '--config', configPath], stderr: 'pipe', cwd: project,
  });
  let log = '';
  transport.stderr.on('data', (chunk) => { log += chunk; });
  const client = new Client({ name: 'weir-sdk-check', version: '1.0.0' });
  try {
    await client.connect(transport);
    await exercise(client, 'stdio');
    await reloadIsAnnounced(client, transport.pid, 'stdio');
    await client.close();
  } catch (e) {
    console.error(`weir mcp's log:\n${log}`);
    throw e;
  }
  // stdout carried only protocol (the SDK would have failed on anything else); the log went here.
  assert.match(log, /serving MCP on stdio/);
  console.log('stdio: ok');
}

function startGateway() {
  const child = spawn(weir, ['serve', '--config', configPath], { cwd: project, stdio: ['ignore', 'ignore', 'pipe'] });
  let log = '';
  return new Promise((resolve, reject) => {
    child.on('error', reject);
    child.on('exit', (code) => reject(new Error(`weir serve exited with ${code}: ${log}`)));
    child.stderr.on('data', (chunk) => {
      log += chunk;
      const m = log.match(/listening on http:\/\/127\.0\.0\.1:(\d+)/);
      if (m && !child.port) {
        child.port = Number(m[1]);
        child.removeAllListeners('exit');
        resolve(child);
      }
    });
  });
}

async function httpClient(port, token) {
  const transport = new StreamableHTTPClientTransport(new URL(`http://127.0.0.1:${port}/mcp`), {
    requestInit: { headers: { Authorization: `Bearer ${token}` } },
  });
  const client = new Client({ name: 'weir-sdk-check', version: '1.0.0' });
  await client.connect(transport);
  return { client, transport };
}

async function overHttp() {
  const gateway = await startGateway();
  try {
    const { client, transport } = await httpClient(gateway.port, FULL);
    assert.match(transport.sessionId, /^[0-9a-f]{32}$/);
    assert.equal(transport.protocolVersion, '2025-11-25');
    await exercise(client, 'http');
    await reloadIsAnnounced(client, gateway.pid, 'http');
    process.kill(gateway.pid, 'SIGHUP');  // back to the config the rest expects
    await transport.terminateSession();
    assert.equal(transport.sessionId, undefined);
    await client.close();

    const scoped = await httpClient(gateway.port, SCOPED);
    const tools = (await scoped.client.listTools()).tools;
    assert.deepEqual(tools.map((t) => t.name), ['list_databases', 'describe_database', 'query']);
    assert.deepEqual(tools[2].inputSchema.properties.database.enum, ['app']);
    const dbs = structured(await scoped.client.callTool({ name: 'list_databases', arguments: {} }));
    assert.deepEqual(dbs.databases.map((d) => d.name), ['app']);
    const other = toolError(await scoped.client.callTool({ name: 'query', arguments: { database: 'notes', query: 'select 1' } }));
    assert.equal(other.message, 'arguments.database names "notes", which is not a database you may use (see list_databases)');
    await scoped.client.close();

    // A wrong token never gets a session.
    await assert.rejects(httpClient(gateway.port, 'wrong-token-0123456789'),
      (e) => e.code === 401 && /the API token is not valid/.test(e.message));
    console.log('http: ok');
  } finally {
    gateway.kill('SIGTERM');
  }
}

(async () => {
  try {
    await overStdio();
    await overHttp();
  } finally {
    fs.rmSync(project, { recursive: true, force: true });
  }
})().catch((e) => {
  console.error(e);
  process.exit(1);
});
