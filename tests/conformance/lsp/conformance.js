'use strict';
// Conformance: nimbus-lsp driven by vscode-jsonrpc + vscode-languageserver-protocol, the
// client libraries VS Code uses, through every capability the server announces.
//   node conformance.js PATH/TO/nimbus-lsp
const assert = require('assert');
const cp = require('child_process');
const fs = require('fs');
const os = require('os');
const path = require('path');
const rpc = require('vscode-jsonrpc/node');
const lsp = require('vscode-languageserver-protocol');

const server = process.argv[2];
const project = fs.mkdtempSync(path.join(os.tmpdir(), 'nimbus-lsp-conformance-'));
const manifestPath = path.join(project, 'serverless.yml');
const uri = `file://${manifestPath}`;
fs.writeFileSync(path.join(project, 'handler.py'), 'def hello(event, context):\n    return {"ok": True}\n\n\ndef other(event, context):\n    return 1\n');
const manifest = [
  '# Nimbus conformance — ünïcödé 🚀 before the fields',          // 0
  'service: conformance',                                          // 1
  'provider:',                                                     // 2
  '  name: aws',                                                   // 3
  '  runtime: python3.11',                                         // 4
  'custom:',                                                       // 5
  '  greeting: hello',                                             // 6
  'functions:',                                                    // 7
  '  hello:',                                                      // 8
  '    handler: handler.hello',                                    // 9
  '    description: "🚀 ${self:custom.greeting}"',                  // 10
  '    memroySize: 512',                                           // 11
  '    events:',                                                   // 12
  '      - httpApi: GET /hello',                                   // 13
  '',
].join('\n');

fs.writeFileSync(manifestPath, manifest); // the project on disk, as the editor opens it
const child = cp.spawn(server, ['--stdio'], { stdio: ['pipe', 'pipe', 'inherit'] });
const connection = rpc.createMessageConnection(new rpc.StreamMessageReader(child.stdout), new rpc.StreamMessageWriter(child.stdin));
const diagnostics = [];
let diagnosticsWaiter = null;
connection.onNotification(lsp.PublishDiagnosticsNotification.type, (params) => {
  diagnostics.push(params);
  if (diagnosticsWaiter) diagnosticsWaiter();
});
const registrations = [];
connection.onRequest(lsp.RegistrationRequest.type, (params) => {
  registrations.push(...params.registrations);
  return null;
});
connection.listen();

function nextDiagnostics(timeoutMs = 5000) {
  const seen = diagnostics.length;
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error('no publishDiagnostics')), timeoutMs);
    diagnosticsWaiter = () => {
      if (diagnostics.length > seen) {
        clearTimeout(timer);
        diagnosticsWaiter = null;
        resolve(diagnostics[diagnostics.length - 1]);
      }
    };
  });
}

const position = (line, character) => ({ textDocument: { uri }, position: { line, character } });
const tests = [];
const test = (name, fn) => tests.push([name, fn]);

test('initialize announces the capabilities', async () => {
  const result = await connection.sendRequest(lsp.InitializeRequest.type, { processId: process.pid, rootUri: `file://${project}`, capabilities: { workspace: { didChangeWatchedFiles: { dynamicRegistration: true } } } });
  const caps = result.capabilities;
  assert.strictEqual(caps.textDocumentSync.change, lsp.TextDocumentSyncKind.Incremental);
  for (const key of ['hoverProvider', 'definitionProvider', 'referencesProvider', 'documentSymbolProvider', 'foldingRangeProvider'])
    assert.ok(caps[key], key);
  assert.ok(caps.completionProvider && caps.codeLensProvider);
  assert.deepStrictEqual(caps.executeCommandProvider.commands.slice(0, 2), ['nimbus.listFunctions', 'nimbus.invoke']);
  connection.sendNotification(lsp.InitializedNotification.type, {});
});

test('diagnostics on open, on the exact token, in UTF-16', async () => {
  const waiting = nextDiagnostics();
  connection.sendNotification(lsp.DidOpenTextDocumentNotification.type, { textDocument: { uri, languageId: 'yaml', version: 1, text: manifest } });
  const published = await waiting;
  assert.strictEqual(published.diagnostics.length, 1, JSON.stringify(published.diagnostics));
  const d = published.diagnostics[0];
  assert.match(d.message, /did you mean 'memorySize'/);
  assert.deepStrictEqual(d.range, { start: { line: 11, character: 4 }, end: { line: 11, character: 14 } });
});

test('incremental change fixes the mistake and the diagnostics follow', async () => {
  const waiting = nextDiagnostics();
  connection.sendNotification(lsp.DidChangeTextDocumentNotification.type, {
    textDocument: { uri, version: 2 },
    contentChanges: [{ range: { start: { line: 11, character: 4 }, end: { line: 11, character: 14 } }, text: 'memorySize' }],
  });
  const published = await waiting;
  assert.strictEqual(published.version, 2);
  assert.deepStrictEqual(published.diagnostics, []);
});

test('a change after non-ASCII text lands where UTF-16 says', async () => {
  // Line 10 holds an emoji (two UTF-16 code units) before the variable.
  const waiting = nextDiagnostics();
  connection.sendNotification(lsp.DidChangeTextDocumentNotification.type, {
    textDocument: { uri, version: 3 },
    // custom.greeting spans UTF-16 columns 28-43 (the emoji before it counts two).
    contentChanges: [{ range: { start: { line: 10, character: 28 }, end: { line: 10, character: 43 } }, text: 'missing' }],
  });
  const published = await waiting;
  assert.strictEqual(published.diagnostics.length, 1, JSON.stringify(published.diagnostics));
  assert.match(published.diagnostics[0].message, /has no key 'missing'/);
  assert.strictEqual(published.diagnostics[0].range.start.character, 21); // where the variable starts
  const restore = nextDiagnostics();
  connection.sendNotification(lsp.DidChangeTextDocumentNotification.type, {
    textDocument: { uri, version: 4 },
    contentChanges: [{ range: { start: { line: 10, character: 28 }, end: { line: 10, character: 35 } }, text: 'custom.greeting' }],
  });
  assert.deepStrictEqual((await restore).diagnostics, []);
});

test('completion offers the keys of the mapping at the cursor, and only those', async () => {
  connection.sendNotification(lsp.DidChangeTextDocumentNotification.type, {
    textDocument: { uri, version: 5 },
    contentChanges: [{ range: { start: { line: 12, character: 0 }, end: { line: 12, character: 0 } }, text: '    tim\n' }],
  });
  const result = await connection.sendRequest(lsp.CompletionRequest.type, position(12, 7));
  const labels = result.items.map((i) => i.label);
  assert.ok(labels.includes('timeout'), labels.join());
  assert.ok(!labels.includes('handler'), 'handler is already set');
  assert.ok(!labels.includes('service'), 'service is a top-level key');
  connection.sendNotification(lsp.DidChangeTextDocumentNotification.type, {
    textDocument: { uri, version: 6 },
    contentChanges: [{ range: { start: { line: 12, character: 0 }, end: { line: 13, character: 0 } }, text: '' }],
  });
});

test('completion offers enum values for runtime', async () => {
  const result = await connection.sendRequest(lsp.CompletionRequest.type, position(4, 20));
  assert.ok(result.items.some((i) => i.label === 'nodejs20.x'));
});

test('completion offers handler modules and their functions', async () => {
  const modules = await connection.sendRequest(lsp.CompletionRequest.type, position(9, 13));
  assert.ok(modules.items.some((i) => i.label === 'handler'));
  const functions = await connection.sendRequest(lsp.CompletionRequest.type, position(9, 21));
  const labels = functions.items.map((i) => i.label);
  assert.ok(labels.includes('handler.hello') && labels.includes('handler.other'), labels.join());
});

test('hover on a key shows the schema description', async () => {
  const hover = await connection.sendRequest(lsp.HoverRequest.type, position(4, 4));
  assert.match(hover.contents.value, /runtime/);
  assert.match(hover.contents.value, /python3.11/);
});

test('hover on a handler shows its signature; on a variable, its value', async () => {
  const handler = await connection.sendRequest(lsp.HoverRequest.type, position(9, 16));
  assert.match(handler.contents.value, /def hello\(event, context\):/);
  const variable = await connection.sendRequest(lsp.HoverRequest.type, position(10, 25));
  assert.match(variable.contents.value, /hello/);
});

test('go to definition: handler to source, ${self:} to its key', async () => {
  const handler = await connection.sendRequest(lsp.DefinitionRequest.type, position(9, 16));
  assert.strictEqual(handler.uri, `file://${path.join(project, 'handler.py')}`);
  assert.strictEqual(handler.range.start.line, 0);
  const variable = await connection.sendRequest(lsp.DefinitionRequest.type, position(10, 30));
  assert.deepStrictEqual(variable.range.start, { line: 6, character: 2 });
});

test('find references from the handler function to the manifest', async () => {
  const refs = await connection.sendRequest(lsp.ReferencesRequest.type, {
    textDocument: { uri: `file://${path.join(project, 'handler.py')}` }, position: { line: 0, character: 6 }, context: { includeDeclaration: false },
  });
  assert.strictEqual(refs.length, 1);
  assert.strictEqual(refs[0].uri, uri);
  assert.strictEqual(refs[0].range.start.line, 9);
});

test('document symbols, folding ranges and code lenses', async () => {
  const symbols = await connection.sendRequest(lsp.DocumentSymbolRequest.type, { textDocument: { uri } });
  const functions = symbols.find((s) => s.name === 'functions');
  assert.strictEqual(functions.children[0].name, 'hello');
  assert.strictEqual(functions.children[0].children[0].name, 'httpApi GET /hello');
  const folds = await connection.sendRequest(lsp.FoldingRangeRequest.type, { textDocument: { uri } });
  assert.ok(folds.some((f) => f.startLine === 7));
  const lenses = await connection.sendRequest(lsp.CodeLensRequest.type, { textDocument: { uri } });
  assert.deepStrictEqual(lenses.map((l) => l.command.command), ['nimbus.invoke', 'nimbus.debug']);
});

test('nimbus.listFunctions and nimbus.invoke work for real', async () => {
  const list = await connection.sendRequest(lsp.ExecuteCommandRequest.type, { command: 'nimbus.listFunctions', arguments: [project] });
  assert.strictEqual(list[0].name, 'hello');
  assert.deepStrictEqual(list[0].routes[0], { type: 'httpApi', method: 'GET', path: '/hello' });
  const outcome = await connection.sendRequest(lsp.ExecuteCommandRequest.type, { command: 'nimbus.invoke', arguments: [project, 'hello', { a: 1 }] });
  assert.deepStrictEqual(outcome.result, { ok: true });
  assert.match(outcome.logs, /REPORT RequestId: /);
});

test('the server watches handler files through the client, and sees them change', async () => {
  for (let i = 0; i < 50 && registrations.length === 0; ++i) await new Promise((r) => setTimeout(r, 20));
  const watch = registrations.find((r) => r.method === 'workspace/didChangeWatchedFiles');
  assert.ok(watch, 'no client/registerCapability for workspace/didChangeWatchedFiles');
  assert.ok(watch.registerOptions.watchers.some((w) => w.globPattern === '**/*.py'));
  const handlerPath = path.join(project, 'handler.py');
  const original = fs.readFileSync(handlerPath, 'utf8');
  fs.writeFileSync(handlerPath, 'def renamed(event, context):\n    return 1\n');
  let waiting = nextDiagnostics();
  connection.sendNotification(lsp.DidChangeWatchedFilesNotification.type, { changes: [{ uri: `file://${handlerPath}`, type: lsp.FileChangeType.Changed }] });
  const broken = await waiting;
  assert.strictEqual(broken.diagnostics.length, 1, JSON.stringify(broken.diagnostics));
  assert.match(broken.diagnostics[0].message, /does not define 'hello'/);
  assert.strictEqual(broken.diagnostics[0].range.start.line, 9);
  fs.writeFileSync(handlerPath, original);
  waiting = nextDiagnostics();
  connection.sendNotification(lsp.DidChangeWatchedFilesNotification.type, { changes: [{ uri: `file://${handlerPath}`, type: lsp.FileChangeType.Changed }] });
  assert.deepStrictEqual((await waiting).diagnostics, []);
});

test('unknown methods get MethodNotFound and the server carries on', async () => {
  await assert.rejects(connection.sendRequest('nimbus/nothing', {}), (e) => e.code === rpc.ErrorCodes.MethodNotFound);
  const hover = await connection.sendRequest(lsp.HoverRequest.type, position(4, 4));
  assert.ok(hover);
});

test('shutdown and exit end the process with status 0', async () => {
  await connection.sendRequest(lsp.ShutdownRequest.type);
  const exited = new Promise((resolve) => child.on('exit', (code) => resolve(code)));
  connection.sendNotification(lsp.ExitNotification.type);
  assert.strictEqual(await exited, 0);
});

(async () => {
  let passed = 0;
  let failed = 0;
  for (const [name, fn] of tests) {
    try {
      await fn();
      passed++;
      console.log(`ok - ${name}`);
    } catch (e) {
      failed++;
      console.log(`FAIL - ${name}\n  ${e.stack || e}`);
    }
  }
  console.log(`${passed} passed, ${failed} failed`);
  fs.rmSync(project, { recursive: true, force: true });
  child.kill();
  process.exit(failed ? 1 : 0);
})();
