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

// The next diagnostics published for a document (the manifest unless told).
function nextDiagnostics(timeoutMs = 5000, forUri = uri) {
  const seen = diagnostics.length;
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no publishDiagnostics for ${forUri}`)), timeoutMs);
    diagnosticsWaiter = () => {
      const fresh = diagnostics.slice(seen).filter((d) => d.uri === forUri);
      if (fresh.length > 0) {
        clearTimeout(timer);
        diagnosticsWaiter = null;
        resolve(fresh[fresh.length - 1]);
      }
    };
  });
}

const position = (line, character) => ({ textDocument: { uri }, position: { line, character } });
const { test, run } = require('../suite');

// Speaks raw bytes to a fresh nimbus-lsp and reads its answers with the client library's
// own frame reader: for what a well-behaved client would never send.
async function rawSession(chunks, expected, timeoutMs = 10000) {
  const raw = cp.spawn(server, ['--stdio'], { stdio: ['pipe', 'pipe', 'inherit'] });
  const reader = new rpc.StreamMessageReader(raw.stdout);
  const answers = [];
  const done = new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`only ${answers.length} answers: ${JSON.stringify(answers)}`)), timeoutMs);
    reader.listen((message) => {
      answers.push(message);
      if (answers.length >= expected) { clearTimeout(timer); resolve(); }
    });
  });
  for (const chunk of chunks) raw.stdin.write(chunk);
  await done;
  raw.kill();
  return answers;
}
const frame = (body) => {
  const bytes = Buffer.isBuffer(body) ? body : Buffer.from(typeof body === 'string' ? body : JSON.stringify(body));
  return Buffer.concat([Buffer.from(`Content-Length: ${bytes.length}\r\n\r\n`), bytes]);
};

test('requests before initialize get ServerNotInitialized', async () => {
  const answers = await rawSession([frame({ jsonrpc: '2.0', id: 1, method: 'textDocument/hover', params: {} })], 1);
  assert.strictEqual(answers[0].id, 1);
  assert.strictEqual(answers[0].error.code, -32002);
});

test('malformed frames, invalid JSON and binary get ParseError; the server carries on', async () => {
  const answers = await rawSession([
    Buffer.from('Content-Length: nope\r\n\r\n'),
    frame('{"jsonrpc": "2.0", "id": 1, "method": '),
    frame(Buffer.from([0, 1, 2, 0xff, 0xfe])),
    frame({ jsonrpc: '2.0', id: 2, method: 'initialize', params: { capabilities: {} } }),
  ], 4);
  assert.deepStrictEqual(answers.slice(0, 3).map((a) => a.error && a.error.code), [-32700, -32700, -32700]);
  assert.strictEqual(answers[3].id, 2);
  assert.ok(answers[3].result.capabilities.hoverProvider);
});

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

test('the quick fix codeAction offers, applied as an incremental change, clears the diagnostic', async () => {
  const last = diagnostics.filter((d) => d.uri === uri).pop();
  const actions = await connection.sendRequest(lsp.CodeActionRequest.type, {
    textDocument: { uri }, range: last.diagnostics[0].range, context: { diagnostics: last.diagnostics },
  });
  const fix = actions.find((a) => a.title === "Change to 'memorySize'");
  assert.ok(fix, JSON.stringify(actions));
  assert.strictEqual(fix.kind, lsp.CodeActionKind.QuickFix);
  const edit = fix.edit.documentChanges[0].edits[0];
  assert.deepStrictEqual(edit.range, { start: { line: 11, character: 4 }, end: { line: 11, character: 14 } });
  const waiting = nextDiagnostics();
  connection.sendNotification(lsp.DidChangeTextDocumentNotification.type, {
    textDocument: { uri, version: 2 },
    contentChanges: [{ range: edit.range, text: edit.newText }],
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
  assert.ok(labels.includes('timeout') && labels.includes('environment'), labels.join());
  assert.ok(!labels.includes('handler'), 'handler is already set');
  for (const other of ['httpHandler', 'httpService', 'path', 'image'])
    assert.ok(!labels.includes(other), `${other} belongs to another kind of function`);
  for (const outside of ['service', 'provider', 'stage', 'region'])
    assert.ok(!labels.includes(outside), `${outside} is not a function key`);
  const timeout = result.items.find((i) => i.label === 'timeout');
  assert.strictEqual(timeout.kind, lsp.CompletionItemKind.Property);
  assert.deepStrictEqual(timeout.textEdit.range, { start: { line: 12, character: 4 }, end: { line: 12, character: 7 } });
  connection.sendNotification(lsp.DidChangeTextDocumentNotification.type, {
    textDocument: { uri, version: 6 },
    contentChanges: [{ range: { start: { line: 12, character: 0 }, end: { line: 13, character: 0 } }, text: '' }],
  });
});

test('completion offers enum values for runtime, and nothing else', async () => {
  const result = await connection.sendRequest(lsp.CompletionRequest.type, position(4, 20));
  const labels = result.items.map((i) => i.label);
  assert.ok(labels.includes('nodejs20.x') && labels.includes('python3.12') && labels.includes('provided.al2023'), labels.join());
  assert.ok(labels.every((l) => /^(nodejs|python|provided|java|dotnet|ruby|go)/.test(l)), labels.join());
});

test('completion offers snippets for a new function and for each event type', async () => {
  connection.sendNotification(lsp.DidChangeTextDocumentNotification.type, {
    textDocument: { uri, version: 7 },
    contentChanges: [{ range: { start: { line: 14, character: 0 }, end: { line: 14, character: 0 } }, text: '  \n' }],
  });
  const fn = await connection.sendRequest(lsp.CompletionRequest.type, position(14, 2));
  const snippets = fn.items.filter((i) => i.insertTextFormat === lsp.InsertTextFormat.Snippet).map((i) => i.label);
  assert.deepStrictEqual(snippets.sort(), ['event function', 'http function', 'http service']);
  assert.match(fn.items.find((i) => i.label === 'event function').textEdit.newText, /handler: \$\{2:/);
  connection.sendNotification(lsp.DidChangeTextDocumentNotification.type, {
    textDocument: { uri, version: 8 },
    contentChanges: [{ range: { start: { line: 14, character: 0 }, end: { line: 15, character: 0 } }, text: '      - \n' }],
  });
  const events = await connection.sendRequest(lsp.CompletionRequest.type, position(14, 8));
  const byLabel = Object.fromEntries(events.items.map((i) => [i.label, i]));
  for (const type of ['http', 'httpApi', 'schedule', 'sqs', 's3'])
    assert.strictEqual(byLabel[type] && byLabel[type].insertTextFormat, lsp.InsertTextFormat.Snippet, type);
  assert.match(byLabel.schedule.textEdit.newText, /rate\(5 minutes\)/);
  connection.sendNotification(lsp.DidChangeTextDocumentNotification.type, {
    textDocument: { uri, version: 9 },
    contentChanges: [{ range: { start: { line: 14, character: 0 }, end: { line: 15, character: 0 } }, text: '' }],
  });
});

test('completion offers HTTP methods and ${self:} paths', async () => {
  connection.sendNotification(lsp.DidChangeTextDocumentNotification.type, {
    textDocument: { uri, version: 10 },
    contentChanges: [{ range: { start: { line: 14, character: 0 }, end: { line: 14, character: 0 } },
      text: '      - http:\n          method: \n  later:\n    handler: handler.other\n    description: ${self:cus\n' }],
  });
  const methods = await connection.sendRequest(lsp.CompletionRequest.type, position(15, 18));
  const verbs = methods.items.map((i) => i.label);
  assert.ok(['GET', 'POST', 'PUT', 'DELETE', 'ANY'].every((m) => verbs.includes(m)), verbs.join());
  const self = await connection.sendRequest(lsp.CompletionRequest.type, position(18, 27));
  const paths = self.items.map((i) => i.label);
  assert.ok(paths.includes('custom.greeting') && paths.includes('provider.runtime'), paths.join());
  assert.strictEqual(self.items.find((i) => i.label === 'custom.greeting').textEdit.newText, 'custom.greeting}');
  connection.sendNotification(lsp.DidChangeTextDocumentNotification.type, {
    textDocument: { uri, version: 11 },
    contentChanges: [{ range: { start: { line: 14, character: 0 }, end: { line: 19, character: 0 } }, text: '' }],
  });
});

test('completion offers handler modules and their functions', async () => {
  const modules = await connection.sendRequest(lsp.CompletionRequest.type, position(9, 13));
  assert.ok(modules.items.some((i) => i.label === 'handler'));
  const functions = await connection.sendRequest(lsp.CompletionRequest.type, position(9, 21));
  const labels = functions.items.map((i) => i.label);
  assert.ok(labels.includes('handler.hello') && labels.includes('handler.other'), labels.join());
});

test('hover on a key shows the schema description and allowed values', async () => {
  const schema = JSON.parse(fs.readFileSync(path.join(__dirname, '../../../resources/schema/serverless.schema.json'), 'utf8'));
  const hover = await connection.sendRequest(lsp.HoverRequest.type, position(4, 4));
  assert.strictEqual(hover.contents.kind, 'markdown');
  assert.ok(hover.contents.value.includes(schema.definitions.runtime.description), hover.contents.value);
  for (const runtime of ['python3.11', 'nodejs20.x', 'provided.al2'])
    assert.ok(hover.contents.value.includes(runtime), runtime);
  assert.deepStrictEqual(hover.range, { start: { line: 4, character: 2 }, end: { line: 4, character: 9 } });
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
  assert.deepStrictEqual(handler.range, { start: { line: 0, character: 4 }, end: { line: 0, character: 9 } });
  const variable = await connection.sendRequest(lsp.DefinitionRequest.type, position(10, 30));
  assert.deepStrictEqual(variable.range.start, { line: 6, character: 2 });
});

test('find references from the handler function to the manifest', async () => {
  const refs = await connection.sendRequest(lsp.ReferencesRequest.type, {
    textDocument: { uri: `file://${path.join(project, 'handler.py')}` }, position: { line: 0, character: 6 }, context: { includeDeclaration: false },
  });
  assert.strictEqual(refs.length, 1);
  assert.strictEqual(refs[0].uri, uri);
  assert.deepStrictEqual(refs[0].range, { start: { line: 9, character: 13 }, end: { line: 9, character: 26 } });
  const withDeclaration = await connection.sendRequest(lsp.ReferencesRequest.type, {
    textDocument: { uri: `file://${path.join(project, 'handler.py')}` }, position: { line: 0, character: 6 }, context: { includeDeclaration: true },
  });
  assert.strictEqual(withDeclaration.length, 2);
  const other = await connection.sendRequest(lsp.ReferencesRequest.type, {
    textDocument: { uri: `file://${path.join(project, 'handler.py')}` }, position: { line: 4, character: 6 }, context: { includeDeclaration: false },
  });
  assert.deepStrictEqual(other, [], 'other is no handler');
});

test('document symbols, folding ranges and code lenses', async () => {
  const symbols = await connection.sendRequest(lsp.DocumentSymbolRequest.type, { textDocument: { uri } });
  const functions = symbols.find((s) => s.name === 'functions');
  assert.strictEqual(functions.children[0].name, 'hello');
  assert.strictEqual(functions.children[0].children[0].name, 'httpApi GET /hello');
  assert.strictEqual(symbols.find((s) => s.name === 'conformance').kind, lsp.SymbolKind.Module);
  const folds = await connection.sendRequest(lsp.FoldingRangeRequest.type, { textDocument: { uri } });
  const fold = (start) => folds.find((f) => f.startLine === start);
  assert.ok(fold(2) && fold(2).endLine === 4, JSON.stringify(folds)); // provider
  assert.ok(fold(7) && fold(7).endLine === 13, JSON.stringify(folds)); // functions
  assert.ok(fold(8) && fold(8).endLine === 13, JSON.stringify(folds)); // hello
  const lenses = await connection.sendRequest(lsp.CodeLensRequest.type, { textDocument: { uri } });
  assert.deepStrictEqual(lenses.map((l) => [l.command.title, l.command.command]), [['▶ Invoke', 'nimbus.invoke'], ['Debug', 'nimbus.debug']]);
  assert.deepStrictEqual(lenses[0].range.start, { line: 8, character: 2 });
  assert.deepStrictEqual(lenses[0].command.arguments, [project, 'hello']);
  const launch = await connection.sendRequest(lsp.ExecuteCommandRequest.type, { command: lenses[1].command.command, arguments: lenses[1].command.arguments });
  assert.deepStrictEqual(launch, { type: 'nimbus', request: 'launch', name: 'Debug hello', project, function: 'hello', event: {} });
});

test('rename a function; document links; semantic tokens', async () => {
  // A document of its own: the tests above edit the main one.
  const dir = path.join(project, 'extra');
  fs.mkdirSync(dir, { recursive: true });
  fs.writeFileSync(path.join(dir, 'handler.py'), 'def hello(event, context):\n    return 1\n');
  const extraUri = `file://${path.join(dir, 'serverless.yml')}`;
  const text = 'service: x\nprovider:\n  name: aws\n  runtime: python3.11\nfunctions:\n  hello:\n' +
    '    handler: handler.hello\n    description: "🚀 ${sls:stage}"\n    environment:\n      H: ${self:functions.hello.handler}\n';
  const opened = nextDiagnostics(5000, extraUri);
  connection.sendNotification(lsp.DidOpenTextDocumentNotification.type, { textDocument: { uri: extraUri, languageId: 'yaml', version: 1, text } });
  await opened;
  const at = (line, character) => ({ textDocument: { uri: extraUri }, position: { line, character } });
  const prepared = await connection.sendRequest(lsp.PrepareRenameRequest.type, at(5, 3));
  assert.strictEqual(prepared.placeholder, 'hello');
  const renamed = await connection.sendRequest(lsp.RenameRequest.type, { ...at(5, 3), newName: 'greet' });
  assert.deepStrictEqual(renamed.changes[extraUri].map((e) => [e.range.start.line, e.range.start.character, e.newText]),
                         [[5, 2, 'greet'], [9, 26, 'greet']]);
  const links = await connection.sendRequest(lsp.DocumentLinkRequest.type, { textDocument: { uri: extraUri } });
  assert.ok(links.some((l) => l.target.endsWith('extra/handler.py#L1') && l.range.start.line === 6), JSON.stringify(links));
  const legend = ['variable', 'function', 'method'];
  const tokens = await connection.sendRequest(lsp.SemanticTokensRequest.type, { textDocument: { uri: extraUri } });
  // Decoded: the function key, the handler, and the variables (one after an emoji: UTF-16).
  const decoded = [];
  for (let i = 0, line = 0, start = 0; i < tokens.data.length; i += 5) {
    line += tokens.data[i];
    start = tokens.data[i] === 0 ? start + tokens.data[i + 1] : tokens.data[i + 1];
    decoded.push([line, start, tokens.data[i + 2], legend[tokens.data[i + 3]]]);
  }
  assert.deepStrictEqual(decoded, [[5, 2, 5, 'function'], [6, 13, 13, 'method'], [7, 21, 12, 'variable'],
                                   [9, 9, 31, 'variable']]);
  connection.sendNotification(lsp.DidCloseTextDocumentNotification.type, { textDocument: { uri: extraUri } });
});

test('a syntax error is reported where it is made, and the rest is still served', async () => {
  fs.mkdirSync(path.join(project, 'broken'), { recursive: true });
  const brokenUri = `file://${path.join(project, 'broken', 'serverless.yml')}`;
  const waiting = nextDiagnostics(5000, brokenUri);
  connection.sendNotification(lsp.DidOpenTextDocumentNotification.type, { textDocument: { uri: brokenUri, languageId: 'yaml', version: 1,
    text: 'service: b\nfunctions:\n  one:\n    handler: h.one\n    ti\n  two:\n    handler: h.two\n' } });
  const published = await waiting;
  assert.strictEqual(published.diagnostics.length, 1, JSON.stringify(published.diagnostics));
  assert.strictEqual(published.diagnostics[0].range.start.line, 4);
  assert.match(published.diagnostics[0].message, /'ti' is not a key/);
  const symbols = await connection.sendRequest(lsp.DocumentSymbolRequest.type, { textDocument: { uri: brokenUri } });
  assert.ok(JSON.stringify(symbols).includes('"two"'), JSON.stringify(symbols));
  connection.sendNotification(lsp.DidCloseTextDocumentNotification.type, { textDocument: { uri: brokenUri } });
});

test('an http function\'s lens attaches the debugger; a service has none', async () => {
  const web = fs.mkdtempSync(path.join(os.tmpdir(), 'nimbus-lsp-web-'));
  const webUri = `file://${path.join(web, 'serverless.yml')}`;
  const text = 'service: web\nprovider:\n  name: aws\n  runtime: python3.11\nfunctions:\n' +
    '  page:\n    httpHandler: app.page\n  svc:\n    httpService:\n      command: python3 -m http.server $PORT\n';
  fs.writeFileSync(path.join(web, 'app.py'), 'def page(request):\n    return "hi"\n');
  fs.writeFileSync(path.join(web, 'serverless.yml'), text);
  connection.sendNotification(lsp.DidOpenTextDocumentNotification.type, { textDocument: { uri: webUri, languageId: 'yaml', version: 1, text } });
  const lenses = await connection.sendRequest(lsp.CodeLensRequest.type, { textDocument: { uri: webUri } });
  assert.deepStrictEqual(lenses.map((l) => [l.range.start.line, l.command.title]), [[5, 'Debug (attach)']]);
  const attach = await connection.sendRequest(lsp.ExecuteCommandRequest.type, { command: lenses[0].command.command, arguments: lenses[0].command.arguments });
  assert.deepStrictEqual(attach, { type: 'nimbus', request: 'attach', name: 'Attach to page', project: web, function: 'page' });
  await assert.rejects(connection.sendRequest(lsp.ExecuteCommandRequest.type, { command: 'nimbus.debug', arguments: [web, 'svc'] }), (e) => e.code === lsp.LSPErrorCodes.RequestFailed && /http service/.test(e.message));
  connection.sendNotification(lsp.DidCloseTextDocumentNotification.type, { textDocument: { uri: webUri } });
  fs.rmSync(web, { recursive: true, force: true });
});

test('nimbus.listFunctions and nimbus.invoke work for real', async () => {
  const list = await connection.sendRequest(lsp.ExecuteCommandRequest.type, { command: 'nimbus.listFunctions', arguments: [project] });
  assert.strictEqual(list[0].name, 'hello');
  assert.deepStrictEqual(list[0].routes[0], { type: 'httpApi', method: 'GET', path: '/hello' });
  assert.strictEqual(list[0].kind, 'event');
  assert.strictEqual(list[0].runtime, 'python3.11');
  assert.strictEqual(list[0].handler, 'handler.hello');
  const outcome = await connection.sendRequest(lsp.ExecuteCommandRequest.type, { command: 'nimbus.invoke', arguments: [project, 'hello', { a: 1 }] });
  assert.deepStrictEqual(outcome.result, { ok: true });
  assert.strictEqual(outcome.functionError, false);
  assert.match(outcome.logs, /START RequestId: [0-9a-f-]{36}/);
  assert.match(outcome.logs, /REPORT RequestId: /);
});

test('a running nimbus.invoke does not block the server and can be cancelled', async () => {
  const slowProject = fs.mkdtempSync(path.join(os.tmpdir(), 'nimbus-lsp-slow-'));
  fs.writeFileSync(path.join(slowProject, 'slow.py'), 'import time\n\ndef slow(event, context):\n    time.sleep(4)\n    return 1\n');
  fs.writeFileSync(path.join(slowProject, 'serverless.yml'), 'service: slow\nprovider:\n  name: aws\n  runtime: python3.11\nfunctions:\n  slow:\n    handler: slow.slow\n    timeout: 10\n');
  // A second folder of the workspace, added as an editor adds one (commands take only those).
  await connection.sendNotification(lsp.DidChangeWorkspaceFoldersNotification.type, { event: { added: [{ uri: `file://${slowProject}`, name: 'slow' }], removed: [] } });
  const started = Date.now();
  const source = new rpc.CancellationTokenSource();
  const running = connection.sendRequest(lsp.ExecuteCommandRequest.type, { command: 'nimbus.invoke', arguments: [slowProject, 'slow'] }, source.token);
  const hover = await connection.sendRequest(lsp.HoverRequest.type, position(4, 4));
  assert.ok(hover && Date.now() - started < 2000, 'hover waited for the invocation');
  source.cancel();
  await assert.rejects(running, (e) => e.code === lsp.LSPErrorCodes.RequestCancelled || e.code === -32800);
  assert.ok(Date.now() - started < 3000, `cancelled after ${Date.now() - started} ms`);
  fs.rmSync(slowProject, { recursive: true, force: true });
});

test('command errors are answered with their protocol codes', async () => {
  await assert.rejects(connection.sendRequest(lsp.ExecuteCommandRequest.type, { command: 'nimbus.fly', arguments: [project] }), (e) => e.code === rpc.ErrorCodes.InvalidParams);
  await assert.rejects(connection.sendRequest(lsp.ExecuteCommandRequest.type, { command: 'nimbus.invoke', arguments: [project, 'nope'] }), (e) => e.code === lsp.LSPErrorCodes.RequestFailed && /nope/.test(e.message));
});

test('every kind of diagnostic, each on its token', async () => {
  const other = fs.mkdtempSync(path.join(os.tmpdir(), 'nimbus-lsp-diagnostics-'));
  fs.writeFileSync(path.join(other, 'handler.py'), 'def hello(event, context):\n    return 1\n');
  const otherUri = `file://${path.join(other, 'serverless.yml')}`;
  const text = [
    'service: diagnostics',                    // 0
    'provider:',                               // 1
    '  name: aws',                             // 2
    '  runtime: python2.7',                    // 3  unknown runtime
    'functions:',                              // 4
    '  one:',                                  // 5
    '    handler: handler.hello',              // 6
    '    runtime: python3.11',                 // 7
    '    timeout: 901',                        // 8  out of range
    '    events:',                             // 9
    '      - httpApi: GET /a',                 // 10
    '      - schedule: cron(0 12 * * * *)',    // 11 both day fields set
    '  two:',                                  // 12
    '    handler: missing.hello',              // 13 handler file not found
    '    runtime: python3.11',                 // 14
    '    description: ${self:custom.nothing}', // 15 unresolved
    '    events:',                             // 16
    '      - http: GET /a',                    // 17 duplicate route
    '      - schedule: rate(2 minute)',        // 18 invalid rate
    '',
  ].join('\n');
  fs.writeFileSync(path.join(other, 'serverless.yml'), text);
  const waiting = nextDiagnostics(5000, otherUri);
  connection.sendNotification(lsp.DidOpenTextDocumentNotification.type, { textDocument: { uri: otherUri, languageId: 'yaml', version: 1, text } });
  const published = await waiting;
  assert.strictEqual(published.uri, otherUri);
  const found = published.diagnostics.map((d) => [d.range.start.line, d.range.start.character, d.code]).sort((a, b) => a[0] - b[0]);
  assert.deepStrictEqual(found, [
    [3, 11, 'invalid-value'],
    [8, 13, 'out-of-range'],
    [11, 18, 'invalid-schedule'],
    [13, 13, 'handler-not-found'],
    [15, 17, 'unresolved-variable'],
    [17, 8, 'duplicate-route'],
    [18, 18, 'invalid-schedule'],
  ], JSON.stringify(published.diagnostics, null, 1));
  connection.sendNotification(lsp.DidCloseTextDocumentNotification.type, { textDocument: { uri: otherUri } });
  fs.rmSync(other, { recursive: true, force: true });
});

test('a huge document is diagnosed, not fatal', async () => {
  const hugeUri = `file://${path.join(os.tmpdir(), 'nimbus-huge', 'serverless.yml')}`;
  const text = `service: ${'a'.repeat(300000)}\nprovider:\n  name: aws\n  memorySize: 1${'0'.repeat(400)}\n`;
  const waiting = nextDiagnostics(15000, hugeUri);
  connection.sendNotification(lsp.DidOpenTextDocumentNotification.type, { textDocument: { uri: hugeUri, languageId: 'yaml', version: 1, text } });
  const published = await waiting;
  assert.ok(published.diagnostics.some((d) => /above the maximum/.test(d.message)), JSON.stringify(published.diagnostics).slice(0, 500));
  const completion = await connection.sendRequest(lsp.CompletionRequest.type, { textDocument: { uri: hugeUri }, position: { line: 0, character: 300009 } });
  assert.ok(completion);
  connection.sendNotification(lsp.DidCloseTextDocumentNotification.type, { textDocument: { uri: hugeUri } });
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
  assert.match(hover.contents.value, /runtime/);
});

test('shutdown and exit end the process with status 0', async () => {
  await connection.sendRequest(lsp.ShutdownRequest.type);
  const exited = new Promise((resolve) => child.on('exit', (code) => resolve(code)));
  connection.sendNotification(lsp.ExitNotification.type);
  assert.strictEqual(await exited, 0);
});

run(() => {
  fs.rmSync(project, { recursive: true, force: true });
  child.kill();
});
