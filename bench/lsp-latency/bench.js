'use strict';
// Times nimbus-lsp and yaml-language-server on the same generated manifest (5,000 lines,
// 500 functions), both driven through vscode-jsonrpc as VS Code drives them:
//   - completion latency while typing (a one-character edit, then completion at the cursor),
//   - diagnostics latency (an edit, then the publishDiagnostics that follows it),
//   - peak resident memory (VmHWM) of the server process.
//   node bench.js --nimbus PATH/TO/nimbus-lsp --schema PATH/TO/serverless.schema.json
//                 [--completions N] [--diagnostics N]
const cp = require('child_process');
const fs = require('fs');
const os = require('os');
const path = require('path');
const rpc = require('vscode-jsonrpc/node');
const lsp = require('vscode-languageserver-protocol');

function option(name, fallback) {
  const i = process.argv.indexOf(name);
  if (i < 0) return fallback;
  if (i + 1 >= process.argv.length) throw new Error(`${name} needs a value`);
  return process.argv[i + 1];
}
const nimbusLsp = option('--nimbus');
const schemaPath = option('--schema');
const completionRounds = Number(option('--completions', '300'));
const diagnosticRounds = Number(option('--diagnostics', '100'));
if (!nimbusLsp || !schemaPath) {
  console.error('usage: node bench.js --nimbus PATH/TO/nimbus-lsp --schema PATH/TO/serverless.schema.json [--completions N] [--diagnostics N]');
  process.exit(2);
}

// --- the project both servers are given --------------------------------------------------
const FUNCTIONS = 500;
const project = fs.mkdtempSync(path.join(os.tmpdir(), 'nimbus-bench-lsp-'));
const manifestPath = path.join(project, 'serverless.yml');
const uri = `file://${manifestPath}`;
const header = [
  'service: generated',
  'frameworkVersion: "3"',
  'provider:',
  '  name: aws',
  '  runtime: python3.11',
  '  stage: dev',
  '  region: eu-west-1',
  '  memorySize: 256',
  'custom:',
  '  table: items-${self:provider.stage}',
  'functions:',
];
const lines = [...header];
const functionLine = []; // first line of each function
for (let i = 0; i < FUNCTIONS; ++i) {
  functionLine.push(lines.length);
  lines.push(
    `  fn${i}:`,
    `    handler: src/handlers.fn${i}`,
    `    description: Function ${i} of the generated service`,
    '    memorySize: 512',
    '    timeout: 10',
    '    environment:',
    '      TABLE: ${self:custom.table}',
    '    events:',
    `      - httpApi: GET /items/${i}/{id}`,
    '      - schedule: rate(5 minutes)',
  );
}
lines.push('');
const manifest = lines.join('\n');
fs.mkdirSync(path.join(project, 'src'));
fs.writeFileSync(path.join(project, 'src', 'handlers.py'),
  Array.from({ length: FUNCTIONS }, (_, i) => `def fn${i}(event, context):\n    return {"n": ${i}}\n`).join('\n'));
fs.writeFileSync(manifestPath, manifest);

// Where the edits happen: the middle of the file, in function 250.
const target = functionLine[250];
const memoryLine = target + 3; // '    memorySize: 512'
const scenarios = [
  // A key being typed in a function's mapping: the server must offer memory-related keys.
  { name: 'key in a function', line: target + 5, indent: '    ', word: 'ephemeralStorage', expect: 'ephemeralStorageSize' },
  // A runtime value being typed under provider.
  { name: 'runtime value', line: 4, indent: '  runtime: ', word: 'python3', expect: 'python3.12', replaceLine: true },
  // An event type being typed in an events list.
  { name: 'event type', line: target + 9, indent: '      - ', word: 'httpA', expect: 'httpApi' },
];

// --- one server under the client ----------------------------------------------------------
function percentile(sorted, p) {
  if (sorted.length === 0) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))];
}
function peakRssMb(pid) {
  const status = fs.readFileSync(`/proc/${pid}/status`, 'utf8');
  const match = /VmHWM:\s+(\d+) kB/.exec(status);
  return match ? Number(match[1]) / 1024 : NaN;
}
const now = () => Number(process.hrtime.bigint()) / 1e6;

async function measure(server) {
  const child = cp.spawn(server.command[0], server.command.slice(1), { stdio: ['pipe', 'pipe', 'ignore'] });
  const connection = rpc.createMessageConnection(new rpc.StreamMessageReader(child.stdout), new rpc.StreamMessageWriter(child.stdin));
  let waiter = null;
  connection.onNotification(lsp.PublishDiagnosticsNotification.type, (params) => {
    if (params.uri === uri && waiter) waiter(params);
  });
  connection.onRequest(lsp.ConfigurationRequest.type, (params) =>
    params.items.map((item) => (item.section ? item.section.split('.').reduce((v, k) => (v ? v[k] : undefined), server.settings) ?? null : server.settings)));
  connection.onRequest(lsp.RegistrationRequest.type, () => null);
  connection.onRequest('window/workDoneProgress/create', () => null);
  connection.onNotification(() => {});
  connection.listen();
  const nextDiagnostics = (accept) => new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`${server.name}: no diagnostics within 30 s`)), 30000);
    waiter = (params) => {
      if (!accept(params)) return;
      clearTimeout(timer);
      waiter = null;
      resolve(params);
    };
  });

  await connection.sendRequest(lsp.InitializeRequest.type, {
    processId: process.pid,
    rootUri: `file://${project}`,
    workspaceFolders: [{ uri: `file://${project}`, name: 'generated' }],
    capabilities: {
      textDocument: {
        completion: { completionItem: { snippetSupport: true } },
        publishDiagnostics: { versionSupport: true },
        synchronization: { didSave: true },
      },
      workspace: { configuration: true },
    },
  });
  connection.sendNotification(lsp.InitializedNotification.type, {});
  connection.sendNotification(lsp.DidChangeConfigurationNotification.type, { settings: server.settings });

  let version = 1;
  let text = manifest.split('\n');
  const change = (line, newText) => {
    const old = text[line];
    text[line] = newText;
    connection.sendNotification(lsp.DidChangeTextDocumentNotification.type, {
      textDocument: { uri, version: ++version },
      contentChanges: [{ range: { start: { line, character: 0 }, end: { line, character: old.length } }, text: newText }],
    });
  };
  const insertLine = (line, newText) => {
    text.splice(line, 0, newText);
    connection.sendNotification(lsp.DidChangeTextDocumentNotification.type, {
      textDocument: { uri, version: ++version },
      contentChanges: [{ range: { start: { line, character: 0 }, end: { line, character: 0 } }, text: newText + '\n' }],
    });
  };
  const deleteLine = (line) => {
    text.splice(line, 1);
    connection.sendNotification(lsp.DidChangeTextDocumentNotification.type, {
      textDocument: { uri, version: ++version },
      contentChanges: [{ range: { start: { line, character: 0 }, end: { line: line + 1, character: 0 } }, text: '' }],
    });
  };

  // Open: the first full check of the file.
  const opened = nextDiagnostics(() => true);
  const openStart = now();
  connection.sendNotification(lsp.DidOpenTextDocumentNotification.type, { textDocument: { uri, languageId: 'yaml', version, text: manifest } });
  const first = await opened;
  const openMs = now() - openStart;
  if (first.diagnostics.length !== 0)
    throw new Error(`${server.name}: the generated manifest should be clean, got ${JSON.stringify(first.diagnostics.slice(0, 3))}`);

  // Diagnostics: memorySize in function 250 goes out of range and back; each edit must be
  // answered with the matching diagnostics.
  const diagnostics = [];
  for (let i = 0; i < diagnosticRounds; ++i) {
    const bad = i % 2 === 0;
    const published = nextDiagnostics((params) => (bad ? params.diagnostics.length > 0 : params.diagnostics.length === 0));
    const start = now();
    change(memoryLine, bad ? '    memorySize: 99999' : '    memorySize: 512');
    const params = await published;
    diagnostics.push(now() - start);
    if (bad && !params.diagnostics.some((d) => d.range.start.line === memoryLine))
      throw new Error(`${server.name}: the out-of-range memorySize was not reported on line ${memoryLine + 1}: ${JSON.stringify(params.diagnostics)}`);
  }
  if (text[memoryLine] !== '    memorySize: 512') change(memoryLine, '    memorySize: 512');

  // Completion while typing: each round types one more character of the word, then asks.
  const completion = new Map(scenarios.map((s) => [s.name, []]));
  const itemCounts = new Map();
  for (const s of scenarios) {
    let line = s.line;
    const original = text[line];
    if (!s.replaceLine) insertLine(line, s.indent);
    for (let i = 0; i < completionRounds; ++i) {
      const typed = s.word.slice(0, 1 + (i % s.word.length));
      change(line, s.indent + typed);
      const start = now();
      const result = await connection.sendRequest(lsp.CompletionRequest.type, {
        textDocument: { uri }, position: { line, character: s.indent.length + typed.length },
      });
      completion.get(s.name).push(now() - start);
      const items = Array.isArray(result) ? result : (result ? result.items : []);
      if (i === completionRounds - 1 || typed === s.word) {
        itemCounts.set(s.name, items.length);
        if (!items.some((item) => item.label === s.expect))
          throw new Error(`${server.name}: completion of '${typed}' (${s.name}) did not offer '${s.expect}': ${items.map((x) => x.label).join(', ')}`);
      }
    }
    if (s.replaceLine) change(line, original);
    else deleteLine(line);
  }

  const rss = peakRssMb(child.pid);
  await connection.sendRequest(lsp.ShutdownRequest.type);
  connection.sendNotification(lsp.ExitNotification.type);
  await new Promise((resolve) => { const t = setTimeout(() => { child.kill('SIGKILL'); resolve(); }, 3000); child.on('exit', () => { clearTimeout(t); resolve(); }); });
  connection.dispose();

  const stats = (values) => { const s = [...values].sort((a, b) => a - b); return { p50: percentile(s, 50), p99: percentile(s, 99) }; };
  const all = [].concat(...completion.values());
  return {
    name: server.name,
    debounceMs: server.debounceMs,
    openMs,
    diagnostics: stats(diagnostics),
    completion: stats(all),
    perScenario: scenarios.map((s) => ({ name: s.name, ...stats(completion.get(s.name)), items: itemCounts.get(s.name) })),
    rssMb: rss,
  };
}

// --- the servers ---------------------------------------------------------------------------
const yamlBin = require.resolve('yaml-language-server/bin/yaml-language-server');
const yamlVersion = require('yaml-language-server/package.json').version;
const schemaUri = `file://${path.resolve(schemaPath)}`;
const yamlSettings = {
  yaml: { validate: true, completion: true, hover: true, schemas: { [schemaUri]: ['serverless.yml'] }, schemaStore: { enable: false } },
};
const servers = [
  { name: 'nimbus-lsp', command: [nimbusLsp, '--stdio'], settings: {}, debounceMs: 150 },
  { name: 'nimbus-lsp --debounce-ms 0', command: [nimbusLsp, '--stdio', '--debounce-ms', '0'], settings: {}, debounceMs: 0 },
  // The floor the incremental check is measured against: every check from scratch.
  { name: 'nimbus-lsp --debounce-ms 0 --whole-checks', command: [nimbusLsp, '--stdio', '--debounce-ms', '0', '--whole-checks'], settings: {}, debounceMs: 0 },
  { name: `yaml-language-server ${yamlVersion}`, command: [process.execPath, yamlBin, '--stdio'], settings: yamlSettings, debounceMs: 200 },
];

(async () => {
  const results = [];
  for (const server of servers) results.push(await measure(server));
  const ms = (v) => `${v.toFixed(2)} ms`;
  console.log(`manifest: ${manifest.split('\n').length - 1} lines, ${FUNCTIONS} functions; ${completionRounds} completions per scenario, ${diagnosticRounds} diagnostics rounds`);
  console.log('');
  console.log('| server | debounce | open → diagnostics | edit → diagnostics p50 | p99 | less debounce p50 | p99 | completion p50 | completion p99 | peak RSS |');
  console.log('|---|---|---|---|---|---|---|---|---|---|');
  for (const r of results) {
    console.log(`| ${r.name} | ${r.debounceMs} ms | ${ms(r.openMs)} | ${ms(r.diagnostics.p50)} | ${ms(r.diagnostics.p99)} | ${ms(r.diagnostics.p50 - r.debounceMs)} | ${ms(r.diagnostics.p99 - r.debounceMs)} | ${ms(r.completion.p50)} | ${ms(r.completion.p99)} | ${r.rssMb.toFixed(1)} MB |`);
  }
  console.log('');
  console.log('| server | completion scenario | p50 | p99 | items |');
  console.log('|---|---|---|---|---|');
  for (const r of results) {
    for (const s of r.perScenario) console.log(`| ${r.name} | ${s.name} | ${ms(s.p50)} | ${ms(s.p99)} | ${s.items} |`);
  }
  const nimbus = results[1];
  const whole = results[2];
  const peer = results[3];
  console.log('');
  console.log(`ratios (yaml-language-server / nimbus-lsp): completion p50 ${(peer.completion.p50 / nimbus.completion.p50).toFixed(1)}x, p99 ${(peer.completion.p99 / nimbus.completion.p99).toFixed(1)}x; ` +
    `diagnostics work p50 ${((peer.diagnostics.p50 - peer.debounceMs) / nimbus.diagnostics.p50).toFixed(1)}x; peak RSS ${(peer.rssMb / nimbus.rssMb).toFixed(1)}x`);
  console.log(`incremental check against a check from scratch (same run): p50 ${(whole.diagnostics.p50 / nimbus.diagnostics.p50).toFixed(1)}x, p99 ${(whole.diagnostics.p99 / nimbus.diagnostics.p99).toFixed(1)}x faster`);
  const goals = [
    ['edit -> diagnostics within one frame: p99 < 16 ms (no debounce)', nimbus.diagnostics.p99 < 16],
    ['completion p99 < 5 ms', nimbus.completion.p99 < 5],
    ['a check from scratch < 50 ms (p99, no debounce)', whole.diagnostics.p99 < 50],
    ['peak RSS < 100 MB', Math.max(results[0].rssMb, nimbus.rssMb, whole.rssMb) < 100],
  ];
  for (const [goal, met] of goals) console.log(`${met ? 'met' : 'MISSED'}: ${goal}`);
  fs.rmSync(project, { recursive: true, force: true });
  process.exit(goals.every(([, met]) => met) ? 0 : 1);
})().catch((e) => {
  console.error(e.stack || String(e));
  fs.rmSync(project, { recursive: true, force: true });
  process.exit(1);
});
