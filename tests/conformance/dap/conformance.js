'use strict';
// Conformance: nimbus-dap driven by @vscode/debugadapter-testsupport's DebugClient, the client
// VS Code's own debug adapters are tested with, on the Python functions of ./project.
//   node conformance.js PATH/TO/bin
const assert = require('assert');
const cp = require('child_process');
const fs = require('fs');
const http = require('http');
const os = require('os');
const path = require('path');
const { DebugClient } = require('@vscode/debugadapter-testsupport');

const bin = path.resolve(process.argv[2] || '../../../build/bin');
const adapter = path.join(bin, 'nimbus-dap');
const project = fs.mkdtempSync(path.join(os.tmpdir(), 'nimbus-dap-conformance-'));
for (const file of fs.readdirSync(path.join(__dirname, 'project')))
  fs.copyFileSync(path.join(__dirname, 'project', file), path.join(project, file));
const H = path.join(project, 'handler.py');
const O = path.join(project, 'order.js'); // the Node function's file
const P = path.join(project, 'helper.py');

const launchArgs = (extra = {}) => ({ type: 'nimbus', request: 'launch', project, function: 'hello', eventFile: 'event.json', ...extra });

// One adapter process per test, as VS Code starts one per debug session.
async function withSession(fn) {
  const dc = new DebugClient(adapter, '--stdio', 'nimbus');
  dc.defaultTimeout = 20000;
  const outputs = [];
  dc.on('output', (e) => outputs.push(e.body.output));
  // Every stopped event is kept in order: a test waits for the next one without racing the
  // response of the request that caused it (both may come in one read).
  dc.stops = [];
  dc.on('stopped', (e) => dc.stops.push(e));
  await dc.start();
  try {
    await fn(dc, outputs);
  } catch (e) {
    // What the adapter said helps more than a timeout alone.
    e.message += `\n  adapter output: ${JSON.stringify(outputs.join('')).slice(0, 1500)}`;
    throw e;
  } finally {
    // (After a disconnect the adapter has exited: there is nothing left to stop.)
    if (!dc.disconnected) await dc.stop();
  }
}

// DebugClient.hitBreakpoint, and the stop it consumed taken off the queue.
async function hitBreakpoint(dc, ...args) {
  const result = await dc.hitBreakpoint(...args);
  dc.stops.shift();
  return result;
}

async function stoppedAt(dc, reason) {
  const end = Date.now() + 20000;
  while (dc.stops.length === 0) {
    if (Date.now() > end) throw new Error(`no stopped event (${reason}) in 20 s`);
    await new Promise((r) => setTimeout(r, 10));
  }
  const event = dc.stops.shift();
  assert.strictEqual(event.body.reason, reason, JSON.stringify(event.body));
  const stack = await dc.stackTraceRequest({ threadId: event.body.threadId });
  return { event, frames: stack.body.stackFrames };
}

async function locals(dc, frameId) {
  const scopes = await dc.scopesRequest({ frameId });
  const ref = scopes.body.scopes.find((s) => s.name === 'Locals').variablesReference;
  return (await dc.variablesRequest({ variablesReference: ref })).body.variables;
}

const byName = (variables, name) => variables.find((v) => v.name === name);
const until = async (predicate, ms = 15000) => {
  const end = Date.now() + ms;
  while (Date.now() < end) {
    if (predicate()) return;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error('timed out waiting');
};

const { test, run } = require('../suite');

test('launch to a breakpoint; the stack shows project files and marks runtime frames', () => withSession(async (dc, outputs) => {
  const [, , stack] = await hitBreakpoint(dc, launchArgs(), { path: H, line: 13 });
  const frames = stack.body.stackFrames;
  assert.strictEqual(frames[0].name, 'hello');
  assert.strictEqual(frames[0].source.path, H);
  const runtime = frames.slice(1);
  assert.ok(runtime.length > 0 && runtime.every((f) => f.presentationHint === 'subtle' && /bootstrap\.py$/.test(f.source.path)), JSON.stringify(runtime));
  const threads = await dc.threadsRequest();
  assert.strictEqual(threads.body.threads.length, 1);
  await Promise.all([dc.continueRequest({ threadId: 1 }), dc.waitForEvent('terminated')]);
  const all = outputs.join('');
  assert.match(all, /Result: \{"message": "hello Ada", "total": 16, "calls": 1\}/);
  assert.match(all, /REPORT RequestId: [0-9a-f-]{36}\tDuration: /);
  assert.match(all, /total is 16/); // the function's own output, live
}));

test('a Tencent SCF project: a breakpoint in main_handler, with SCF\'s context and log lines', () => withSession(async (dc, outputs) => {
  // A Serverless Components project, its code in src/, as Tencent's tools lay it out.
  const scf = fs.mkdtempSync(path.join(os.tmpdir(), 'nimbus-dap-scf-'));
  try {
    fs.mkdirSync(path.join(scf, 'src'));
    fs.writeFileSync(path.join(scf, 'serverless.yml'),
      'component: scf\nname: greeter\napp: demo\nstage: dev\ninputs:\n  src: ./src\n  handler: index.main_handler\n  runtime: Python3.9\n');
    const file = path.join(scf, 'src', 'index.py');
    fs.writeFileSync(file, 'def main_handler(event, context):\n    name = event.get("name", "world")\n    greeting = "hello " + name\n    return {"greeting": greeting}\n');
    const [, , stack] = await hitBreakpoint(dc,
      { type: 'nimbus', request: 'launch', project: scf, function: 'greeter', event: { name: 'scf' } },
      { path: file, line: 3 });
    const frameId = stack.body.stackFrames[0].id;
    assert.strictEqual(stack.body.stackFrames[0].name, 'main_handler');
    assert.strictEqual(byName(await locals(dc, frameId), 'name').value, "'scf'");
    const fn = await dc.evaluateRequest({ expression: 'context["function_name"] + "/" + context["namespace"]', frameId, context: 'repl' });
    assert.strictEqual(fn.body.result, "'greeter-dev-demo/default'");
    await Promise.all([dc.continueRequest({ threadId: 1 }), dc.waitForEvent('terminated')]);
    const all = outputs.join('');
    assert.match(all, /\{"greeting": "hello scf"\}/);
    assert.match(all, /Report RequestId: [0-9a-f-]{36} Duration:/);
  } finally {
    fs.rmSync(scf, { recursive: true, force: true });
  }
}));

test('a breakpoint on a line without code moves to the next line with code', () => withSession(async (dc) => {
  await hitBreakpoint(dc, launchArgs(), { path: H, line: 16 }, { path: H, line: 17 }, { path: H, line: 17 });
}));

test('variables: locals, globals, nested event data, paged children', () => withSession(async (dc) => {
  const [, , stack] = await hitBreakpoint(dc, launchArgs(), { path: H, line: 17 });
  const frameId = stack.body.stackFrames[0].id;
  const vars = await locals(dc, frameId);
  assert.strictEqual(byName(vars, 'total').value, '16');
  assert.strictEqual(byName(vars, 'name').value, "'Ada'");
  const event = byName(vars, 'event');
  assert.ok(event.variablesReference > 0);
  const eventChildren = (await dc.variablesRequest({ variablesReference: event.variablesReference })).body.variables;
  const order = byName(eventChildren, "'order'");
  const orderChildren = (await dc.variablesRequest({ variablesReference: order.variablesReference })).body.variables;
  const items = byName(orderChildren, "'items'");
  assert.strictEqual(items.indexedVariables, 2);
  const second = (await dc.variablesRequest({ variablesReference: items.variablesReference, start: 1, count: 1 })).body.variables;
  assert.deepStrictEqual(second.map((v) => v.name), ['1']);
  const item = (await dc.variablesRequest({ variablesReference: second[0].variablesReference })).body.variables;
  assert.strictEqual(byName(item, "'sku'").value, "'b'");
  const scopes = await dc.scopesRequest({ frameId });
  const globals = (await dc.variablesRequest({ variablesReference: scopes.body.scopes.find((s) => s.name === 'Globals').variablesReference })).body.variables;
  assert.ok(byName(globals, 'COUNTER'), globals.map((g) => g.name).join());
}));

test('evaluate in the console, for watches and hovers; statements too', () => withSession(async (dc) => {
  const [, , stack] = await hitBreakpoint(dc, launchArgs(), { path: H, line: 17 });
  const frameId = stack.body.stackFrames[0].id;
  assert.strictEqual((await dc.evaluateRequest({ expression: 'total * 2', frameId, context: 'repl' })).body.result, '32');
  assert.strictEqual((await dc.evaluateRequest({ expression: "order['items'][0]['qty']", frameId, context: 'watch' })).body.result, '2');
  const hover = await dc.evaluateRequest({ expression: 'order', frameId, context: 'hover' });
  assert.ok(hover.body.variablesReference > 0);
  await dc.evaluateRequest({ expression: 'total = 100', frameId, context: 'repl' });
  assert.strictEqual((await dc.evaluateRequest({ expression: 'total', frameId, context: 'watch' })).body.result, '100');
  await assert.rejects(dc.evaluateRequest({ expression: 'no_such_name', frameId, context: 'watch' }), /NameError/);
}));

test('setVariable changes what the function goes on with', () => withSession(async (dc, outputs) => {
  const [, , stack] = await hitBreakpoint(dc, launchArgs(), { path: H, line: 17 });
  const frameId = stack.body.stackFrames[0].id;
  const scopes = await dc.scopesRequest({ frameId });
  const ref = scopes.body.scopes.find((s) => s.name === 'Locals').variablesReference;
  const set = await dc.setVariableRequest({ variablesReference: ref, name: 'total', value: '999' });
  assert.strictEqual(set.body.value, '999');
  await Promise.all([dc.continueRequest({ threadId: 1 }), dc.waitForEvent('terminated')]);
  assert.match(outputs.join(''), /"total": 999/);
}));

test('step in, over and out', () => withSession(async (dc) => {
  await hitBreakpoint(dc, launchArgs(), { path: H, line: 15 });
  await dc.stepInRequest({ threadId: 1 });
  let { frames } = await stoppedAt(dc, 'step');
  assert.deepStrictEqual([frames[0].name, frames[0].source.path, frames[0].line], ['price', P, 5]);
  await dc.nextRequest({ threadId: 1 });
  ({ frames } = await stoppedAt(dc, 'step'));
  assert.deepStrictEqual([frames[0].name, frames[0].line], ['price', 6]);
  await dc.stepOutRequest({ threadId: 1 });
  ({ frames } = await stoppedAt(dc, 'step'));
  assert.deepStrictEqual([frames[0].name, frames[0].source.path, frames[0].line], ['hello', H, 14]);
  await dc.nextRequest({ threadId: 1 });
  ({ frames } = await stoppedAt(dc, 'step'));
  assert.deepStrictEqual([frames[0].name, frames[0].line], ['hello', 15]);
}));

test('conditional, hit-count and log breakpoints', () => withSession(async (dc, outputs) => {
  await Promise.all([
    dc.waitForEvent('initialized').then(async () => {
      const cond = await dc.setBreakpointsRequest({ source: { path: P }, breakpoints: [{ line: 5, condition: "item['sku'] == 'b'" }] });
      assert.strictEqual(cond.body.breakpoints[0].verified, true);
      const hits = await dc.setBreakpointsRequest({ source: { path: H }, breakpoints: [{ line: 15, hitCondition: '2' }, { line: 18, logMessage: 'logged total={total} for {name}' }] });
      assert.deepStrictEqual(hits.body.breakpoints.map((b) => b.line), [15, 18]);
      await dc.configurationDoneRequest();
    }),
    dc.launch(launchArgs()),
  ]);
  // The hit count: the second pass over line 15 (the item 'b').
  let { frames } = await stoppedAt(dc, 'breakpoint');
  assert.strictEqual(frames[0].line, 15);
  assert.strictEqual((await dc.evaluateRequest({ expression: "item['sku']", frameId: frames[0].id, context: 'watch' })).body.result, "'b'");
  await dc.continueRequest({ threadId: 1 });
  // The condition: only the item 'b'.
  ({ frames } = await stoppedAt(dc, 'breakpoint'));
  assert.deepStrictEqual([frames[0].source.path, frames[0].line], [P, 5]);
  assert.strictEqual((await dc.evaluateRequest({ expression: "item['sku']", frameId: frames[0].id, context: 'watch' })).body.result, "'b'");
  await Promise.all([dc.continueRequest({ threadId: 1 }), dc.waitForEvent('terminated')]);
  // The log point wrote, and did not stop.
  assert.match(outputs.join(''), /logged total=16 for Ada/);
}));

test('function breakpoints', () => withSession(async (dc) => {
  await Promise.all([
    dc.waitForEvent('initialized').then(async () => {
      const set = await dc.setFunctionBreakpointsRequest({ breakpoints: [{ name: 'helper.divide' }] });
      assert.strictEqual(set.body.breakpoints.length, 1);
      await dc.configurationDoneRequest();
    }),
    dc.launch(launchArgs({ function: 'fail', event: { value: 2 }, eventFile: undefined })),
  ]);
  const { frames } = await stoppedAt(dc, 'function breakpoint');
  assert.deepStrictEqual([frames[0].name, frames[0].source.path, frames[0].line], ['divide', P, 10]);
}));

test('exception breakpoints: uncaught, then raised', () => withSession(async (dc, outputs) => {
  await Promise.all([
    dc.waitForEvent('initialized').then(async () => {
      await dc.setExceptionBreakpointsRequest({ filters: ['uncaught'] });
      await dc.configurationDoneRequest();
    }),
    dc.launch(launchArgs({ function: 'fail', event: { value: 0 }, eventFile: undefined })),
  ]);
  const { event, frames } = await stoppedAt(dc, 'exception');
  assert.match(event.body.description, /ZeroDivisionError: division by zero/);
  assert.deepStrictEqual([frames[0].name, frames[0].line], ['divide', 10]);
  const vars = await locals(dc, frames[0].id);
  assert.strictEqual(byName(vars, 'b').value, '0');
  await Promise.all([dc.continueRequest({ threadId: 1 }), dc.waitForEvent('terminated')]);
  assert.match(outputs.join(''), /Error: .*ZeroDivisionError/);
}).then(() => withSession(async (dc, outputs) => {
  // Raised (and caught): stops where raised, and where a library call raised it.
  await Promise.all([
    dc.waitForEvent('initialized').then(async () => {
      await dc.setExceptionBreakpointsRequest({ filters: ['raised'] });
      await dc.configurationDoneRequest();
    }),
    dc.launch(launchArgs({ function: 'caught', event: {}, eventFile: undefined })),
  ]);
  let { event, frames } = await stoppedAt(dc, 'exception');
  assert.match(event.body.description, /ValueError: invalid literal for int/);
  assert.deepStrictEqual([frames[0].name, frames[0].line], ['caught', 44]);
  await dc.continueRequest({ threadId: 1 });
  ({ event, frames } = await stoppedAt(dc, 'exception'));
  assert.match(event.body.description, /JSONDecodeError/);
  assert.deepStrictEqual([frames[0].name, frames[0].line], ['caught', 49]);
  await Promise.all([dc.continueRequest({ threadId: 1 }), dc.waitForEvent('terminated')]);
  assert.match(outputs.join(''), /Result: "handled"/);
})));

test('a breakpoint in a loop stops on every pass; a bad hit condition does not break the function', () => withSession(async (dc, outputs) => {
  await Promise.all([
    dc.waitForEvent('initialized').then(async () => {
      await dc.setBreakpointsRequest({ source: { path: P }, breakpoints: [{ line: 5 }] });
      await dc.setBreakpointsRequest({ source: { path: H }, breakpoints: [{ line: 17, hitCondition: 'two' }] });
      await dc.configurationDoneRequest();
    }),
    dc.launch(launchArgs()),
  ]);
  for (const sku of ["'a'", "'b'"]) {
    const { frames } = await stoppedAt(dc, 'breakpoint');
    assert.strictEqual(frames[0].line, 5);
    assert.strictEqual((await dc.evaluateRequest({ expression: "item['sku']", frameId: frames[0].id, context: 'watch' })).body.result, sku);
    await dc.continueRequest({ threadId: 1 });
  }
  await stoppedAt(dc, 'breakpoint'); // line 17: the hit condition could not be read, so it stops
  await Promise.all([dc.continueRequest({ threadId: 1 }), dc.waitForEvent('terminated')]);
  assert.match(outputs.join(''), /hit condition 'two' is not one of/);
  assert.match(outputs.join(''), /Result: \{"message"/);
}));

test('a debug instance imports C extension modules as any instance does', () => withSession(async (dc, outputs) => {
  await Promise.all([dc.configurationSequence(), dc.launch(launchArgs({ function: 'modules', event: {}, eventFile: undefined }))]);
  await dc.waitForEvent('terminated');
  assert.match(outputs.join(''), /Result: \["csv", "3.0", true\]/);
}));

test('hover runs no calls; setVariable reads the value in the variable\'s own frame', () => withSession(async (dc) => {
  await hitBreakpoint(dc, launchArgs(), { path: P, line: 6 });
  const { body } = await dc.stackTraceRequest({ threadId: 1 });
  const caller = body.stackFrames[1];
  await assert.rejects(dc.evaluateRequest({ expression: "item.pop('sku')", frameId: body.stackFrames[0].id, context: 'hover' }), /does not run calls/);
  assert.strictEqual((await dc.evaluateRequest({ expression: "item['sku']", frameId: body.stackFrames[0].id, context: 'hover' })).body.result, "'a'");
  const scopes = await dc.scopesRequest({ frameId: caller.id });
  const ref = scopes.body.scopes.find((s) => s.name === 'Locals').variablesReference;
  const set = await dc.setVariableRequest({ variablesReference: ref, name: 'name', value: 'name.upper()' });
  assert.strictEqual(set.body.value, "'ADA'");
}));

test('stop on entry', () => withSession(async (dc) => {
  await Promise.all([dc.configurationSequence(), dc.launch(launchArgs({ stopOnEntry: true }))]);
  const { frames } = await stoppedAt(dc, 'entry');
  assert.deepStrictEqual([frames[0].name, frames[0].line], ['hello', 10]);
}));

test('pause a busy function, then terminate it at once', () => withSession(async (dc, outputs) => {
  await Promise.all([dc.configurationSequence(), dc.launch(launchArgs({ function: 'spin', event: {}, eventFile: undefined }))]);
  await until(() => outputs.join('').includes('spinning')); // the function runs (its output, live)
  await dc.pauseRequest({ threadId: 1 });
  const { frames } = await stoppedAt(dc, 'pause');
  assert.strictEqual(frames[0].name, 'spin');
  assert.ok([37, 38, 39].includes(frames[0].line), String(frames[0].line));
  // terminate: answered, then terminated; the spinning function (timeout 30 s) ends now.
  const started = Date.now();
  const terminated = dc.waitForEvent('terminated');
  const response = await dc.terminateRequest({});
  const event = await terminated;
  assert.ok(response.seq < event.seq, `the terminated event (seq ${event.seq}) follows the response (seq ${response.seq})`);
  await dc.disconnectRequest({}); // still answered after terminate
  dc.disconnected = true;
  assert.ok(Date.now() - started < 5000, `took ${Date.now() - started} ms`);
}));

test("the function's timeout clock stops while it is stopped", () => withSession(async (dc, outputs) => {
  await hitBreakpoint(dc, launchArgs({ function: 'quick' }), { path: H, line: 17 }); // timeout: 1 s
  await new Promise((r) => setTimeout(r, 2500));
  await Promise.all([dc.continueRequest({ threadId: 1 }), dc.waitForEvent('terminated')]);
  const all = outputs.join('');
  assert.match(all, /Result: \{"message": "hello Ada"/);
  assert.doesNotMatch(all, /Task timed out/);
  const report = all.split('\n').find((l) => l.startsWith('REPORT'));
  assert.match(report, /Paused In Debugger: 2[0-9]{3}\.\d\d ms/);
  const duration = Number(/Duration: ([0-9.]+) ms/.exec(report)[1]);
  assert.ok(duration >= 2500, `the REPORT shows the real run time: ${duration} ms`);
}));

test('restart invokes the function again', () => withSession(async (dc) => {
  await hitBreakpoint(dc, launchArgs(), { path: H, line: 17 });
  await dc.restartRequest({});
  const { frames } = await stoppedAt(dc, 'breakpoint');
  assert.strictEqual(frames[0].line, 17);
  // The same warm instance: its module state counts two calls.
  assert.strictEqual((await dc.evaluateRequest({ expression: "COUNTER['calls']", frameId: frames[0].id, context: 'watch' })).body.result, '2');
  const sources = await dc.customRequest('loadedSources', {});
  const names = sources.body.sources.map((s) => s.name);
  assert.ok(names.includes('handler.py') && names.includes('helper.py'), names.join());
}));

// A nimbus-sim daemon on the project for the length of fn(gateway), stopped however fn ends.
async function withSimulator(fn) {
  const sim = cp.spawn(path.join(bin, 'nimbus-sim'), ['--project', project], { stdio: 'ignore' });
  const exited = new Promise((r) => sim.on('exit', r));
  try {
    const stateFile = path.join(project, '.nimbus', 'sim.json');
    await until(() => fs.existsSync(stateFile) && JSON.parse(fs.readFileSync(stateFile)).pid === sim.pid);
    await fn(JSON.parse(fs.readFileSync(stateFile)).gateway);
  } finally {
    sim.kill('SIGTERM');
    await exited;
  }
}

// A GET with the whole body: { status, body }.
const get = (url) => new Promise((resolve, reject) => http.get(url, (res) => {
  let body = '';
  res.on('data', (c) => { body += c; });
  res.on('end', () => resolve({ status: res.statusCode, body }));
}).on('error', reject));

test('attach: an HTTP request through the gateway stops at a breakpoint; detach returns the function', async () => {
  await withSimulator(async (gateway) => {
    await withSession(async (dc, outputs) => {
      await dc.initializeRequest();
      await dc.setBreakpointsRequest({ source: { path: H }, breakpoints: [{ line: 32 }] });
      await dc.attachRequest({ type: 'nimbus', request: 'attach', project, function: 'web' });
      await dc.configurationDoneRequest();
      assert.match(outputs.join(''), /Attached to web/);
      const response = get(`${gateway}/web`);
      const { frames } = await stoppedAt(dc, 'breakpoint');
      assert.deepStrictEqual([frames[0].name, frames[0].line], ['web', 32]);
      const event = byName(await locals(dc, frames[0].id), 'event');
      const fields = (await dc.variablesRequest({ variablesReference: event.variablesReference })).body.variables;
      assert.strictEqual(byName(fields, "'rawPath'").value, "'/web'");
      await dc.continueRequest({ threadId: 1 });
      const answer = await response;
      assert.deepStrictEqual([answer.status, answer.body], [200, 'served /web']);
      // A second request stops again: every invocation goes through the debug instance.
      const again = get(`${gateway}/web`);
      await stoppedAt(dc, 'breakpoint');
      await dc.continueRequest({ threadId: 1 });
      assert.strictEqual((await again).status, 200);
    });
    // Detached: the function runs in ordinary instances and never stops.
    const started = Date.now();
    const after = await get(`${gateway}/web`);
    assert.deepStrictEqual([after.status, after.body], [200, 'served /web']);
    assert.ok(Date.now() - started < 5000);
  });
});

test('attach to an http function; disconnect while stopped lets the request finish', async () => {
  await withSimulator(async (gateway) => {
    let response;
    await withSession(async (dc) => {
      await dc.initializeRequest();
      await dc.setBreakpointsRequest({ source: { path: H }, breakpoints: [{ line: 63 }] });
      await dc.attachRequest({ type: 'nimbus', request: 'attach', project, function: 'site' });
      await dc.configurationDoneRequest();
      response = get(`${gateway}/site?who=Ada`);
      const { frames } = await stoppedAt(dc, 'breakpoint');
      assert.deepStrictEqual([frames[0].name, frames[0].line], ['page', 63]);
      assert.strictEqual((await dc.evaluateRequest({ expression: 'who', frameId: frames[0].id, context: 'watch' })).body.result, "'Ada'");
      await dc.disconnectRequest({}); // attach: the function is let go, not ended
      dc.disconnected = true;
    });
    const answer = await response;
    assert.deepStrictEqual([answer.status, answer.body], [200, 'page for Ada']);
  });
});

// --- Node functions: the same requests, answered through V8's inspector ---------------

const nodeArgs = (extra = {}) => launchArgs({ function: 'order', ...extra });

// The TCP ports a process listens on, from the kernel's socket table and its descriptors.
function listeningPorts(pid) {
  const inodes = new Set();
  for (const fd of fs.readdirSync(`/proc/${pid}/fd`)) {
    try {
      const target = fs.readlinkSync(`/proc/${pid}/fd/${fd}`);
      const match = /^socket:\[(\d+)\]$/.exec(target);
      if (match) inodes.add(match[1]);
    } catch (e) { /* closed meanwhile */ }
  }
  const ports = [];
  for (const table of ['/proc/net/tcp', '/proc/net/tcp6']) {
    for (const row of fs.readFileSync(table, 'utf8').split('\n').slice(1)) {
      const cells = row.trim().split(/\s+/);
      // local_address st ... inode: state 0A is LISTEN
      if (cells.length > 9 && cells[3] === '0A' && inodes.has(cells[9])) ports.push(parseInt(cells[1].split(':')[1], 16));
    }
  }
  return ports;
}

// Launches with a breakpoint set before the function's module has loaded (so the adapter
// cannot know yet where it binds: unverified), and waits for it to bind (a breakpoint event
// saying verified) and to stop there. Returns the stack.
async function nodeHit(dc, args, location) {
  const bound = new Promise((resolve) => dc.on('breakpoint', (e) => {
    if (e.body.breakpoint.verified) resolve(e.body.breakpoint);
  }));
  let set;
  await Promise.all([
    dc.waitForEvent('initialized').then(async () => {
      set = await dc.setBreakpointsRequest({ source: { path: location.path }, breakpoints: [{ line: location.line }] });
      await dc.configurationDoneRequest();
    }),
    dc.launch(args),
  ]);
  assert.strictEqual(set.body.breakpoints[0].verified, false);
  const binding = await bound;
  assert.strictEqual(binding.line, location.line);
  const { frames } = await stoppedAt(dc, 'breakpoint');
  assert.strictEqual(frames[0].line, location.line);
  return { body: { stackFrames: frames } };
}
const scopeVars = async (dc, frameId, name) => {
  const scopes = await dc.scopesRequest({ frameId });
  const scope = scopes.body.scopes.find((s) => s.name === name);
  assert.ok(scope, scopes.body.scopes.map((s) => s.name).join());
  return (await dc.variablesRequest({ variablesReference: scope.variablesReference })).body.variables;
};

test('node: a breakpoint set before the module loads binds and stops; runtime frames are set apart', () => withSession(async (dc, outputs) => {
  const stack = await nodeHit(dc, nodeArgs(), { path: O, line: 19 });
  const frames = stack.body.stackFrames;
  assert.match(frames[0].name, /hello/);
  assert.strictEqual(frames[0].source.path, O);
  assert.strictEqual(frames[0].line, 19);
  const rest = frames.slice(1).filter((f) => f.presentationHint !== 'label');
  assert.ok(rest.length > 0 && rest.every((f) => f.presentationHint === 'subtle'), JSON.stringify(rest));
  const pid = Number(/Debug instance started \(pid (\d+), Node v\d+/.exec(outputs.join(''))[1]);
  // Its inspector is reached through the adapter's agent port only, which refuses other users:
  // the instance listens on no port another user of the machine could drive it through.
  assert.deepStrictEqual(listeningPorts(pid), []);
  const sources = (await dc.customRequest('loadedSources', {})).body.sources;
  assert.ok(sources.some((s) => s.path === O), JSON.stringify(sources));
  await Promise.all([dc.continueRequest({ threadId: 1 }), dc.waitForEvent('terminated')]);
  const all = outputs.join('');
  assert.match(all, /Result: \{"message":"hello Ada","total":16,"calls":1,"tags":2,"seen":1\}/);
  assert.match(all, /total is 16/);
  assert.match(all, /REPORT RequestId: /);
}));

test('node: variables — locals, nested event data, paged arrays, Maps and Sets', () => withSession(async (dc) => {
  const stack = await nodeHit(dc, nodeArgs(), { path: O, line: 21 });
  const frameId = stack.body.stackFrames[0].id;
  const vars = await scopeVars(dc, frameId, 'Local');
  assert.strictEqual(byName(vars, 'sum').value, '16');
  assert.strictEqual(byName(vars, 'name').value, '"Ada"');
  const order = byName(vars, 'order');
  const orderChildren = (await dc.variablesRequest({ variablesReference: order.variablesReference })).body.variables;
  const items = byName(orderChildren, 'items');
  assert.strictEqual(items.indexedVariables, 2);
  const second = (await dc.variablesRequest({ variablesReference: items.variablesReference, filter: 'indexed', start: 1, count: 1 })).body.variables;
  assert.deepStrictEqual(second.map((v) => v.name), ['1']);
  const item = (await dc.variablesRequest({ variablesReference: second[0].variablesReference })).body.variables;
  assert.strictEqual(byName(item, 'sku').value, '"b"');
  const tags = byName(vars, 'tags');
  assert.match(tags.value, /^Map\(2\)/);
  const entries = byName((await dc.variablesRequest({ variablesReference: tags.variablesReference })).body.variables, '[[Entries]]');
  assert.strictEqual((await dc.variablesRequest({ variablesReference: entries.variablesReference, filter: 'indexed' })).body.variables.length, 2);
  assert.match(byName(vars, 'seen').value, /^Set\(1\)/);
  const closure = await scopeVars(dc, frameId, 'Closure').catch(() => null) || await scopeVars(dc, frameId, 'Module').catch(() => []);
  assert.ok(Array.isArray(closure));
  const globals = await scopeVars(dc, frameId, 'Global');
  assert.ok(byName(globals, 'process'), 'the Global scope lists process');
}));

test('node: evaluate for the console, watches and hovers', () => withSession(async (dc) => {
  const stack = await nodeHit(dc, nodeArgs(), { path: O, line: 21 });
  const frameId = stack.body.stackFrames[0].id;
  assert.strictEqual((await dc.evaluateRequest({ expression: 'sum * 2', frameId, context: 'repl' })).body.result, '32');
  assert.strictEqual((await dc.evaluateRequest({ expression: 'order.items[0].qty', frameId, context: 'watch' })).body.result, '2');
  const hover = await dc.evaluateRequest({ expression: 'order', frameId, context: 'hover' });
  assert.ok(hover.body.variablesReference > 0);
  await assert.rejects(dc.evaluateRequest({ expression: 'no_such_name', frameId, context: 'watch' }), /ReferenceError/);
  // A watch or hover never changes the function's state.
  await assert.rejects(dc.evaluateRequest({ expression: 'calls = 99', frameId, context: 'watch' }), /could change the function's state/);
}));

test('node: setVariable changes what the function goes on with', () => withSession(async (dc, outputs) => {
  const stack = await nodeHit(dc, nodeArgs(), { path: O, line: 21 });
  const frameId = stack.body.stackFrames[0].id;
  const scopes = await dc.scopesRequest({ frameId });
  const local = scopes.body.scopes.find((s) => s.name === 'Local');
  const set = await dc.setVariableRequest({ variablesReference: local.variablesReference, name: 'greeting', value: "'hi'" });
  assert.strictEqual(set.body.value, '"hi"');
  await Promise.all([dc.continueRequest({ threadId: 1 }), dc.waitForEvent('terminated')]);
  assert.match(outputs.join(''), /"message":"hi Ada"/);
}));

test('node: step in, over and out', () => withSession(async (dc) => {
  await nodeHit(dc, nodeArgs(), { path: O, line: 19 });
  await dc.stepInRequest({ threadId: 1 });
  let { frames } = await stoppedAt(dc, 'step');
  assert.strictEqual(frames[0].name, 'total');
  assert.strictEqual(frames[0].line, 6);
  await dc.nextRequest({ threadId: 1 });
  ({ frames } = await stoppedAt(dc, 'step'));
  assert.strictEqual(frames[0].line, 7);
  await dc.stepOutRequest({ threadId: 1 });
  ({ frames } = await stoppedAt(dc, 'step'));
  assert.match(frames[0].name, /hello/);
  // Back in the caller: on the call's line, or (V8 finishes the statement) the next one.
  assert.ok(frames[0].line === 19 || frames[0].line === 20, String(frames[0].line));
  const after = frames[0].line;
  await dc.nextRequest({ threadId: 1 });
  ({ frames } = await stoppedAt(dc, 'step'));
  assert.strictEqual(frames[0].line, after + 1);
}));

test('node: conditional, hit-count and log breakpoints', () => withSession(async (dc, outputs) => {
  await Promise.all([
    dc.waitForEvent('initialized').then(async () => {
      await dc.setBreakpointsRequest({ source: { path: O }, breakpoints: [
        { line: 8, condition: "item.sku === 'b'" },
      ] });
      await dc.configurationDoneRequest();
    }),
    dc.launch(nodeArgs()),
  ]);
  let { frames } = await stoppedAt(dc, 'breakpoint');
  assert.strictEqual(frames[0].line, 8);
  assert.strictEqual((await dc.evaluateRequest({ expression: 'item.sku', frameId: frames[0].id, context: 'watch' })).body.result, '"b"');
  await dc.setBreakpointsRequest({ source: { path: O }, breakpoints: [{ line: 8, logMessage: 'qty {item.qty} of {item.sku}' }] });
  await Promise.all([dc.continueRequest({ threadId: 1 }), dc.waitForEvent('terminated')]);
  assert.doesNotMatch(outputs.join(''), /qty 2 of a/); // set after that pass
}));

test('node: a hit count stops on the nth pass; log messages print without stopping', () => withSession(async (dc, outputs) => {
  await Promise.all([
    dc.waitForEvent('initialized').then(async () => {
      await dc.setBreakpointsRequest({ source: { path: O }, breakpoints: [
        { line: 8, hitCondition: '2' },
        { line: 10, logMessage: 'sum is {sum}' },
      ] });
      await dc.configurationDoneRequest();
    }),
    dc.launch(nodeArgs()),
  ]);
  const { frames } = await stoppedAt(dc, 'breakpoint');
  assert.strictEqual((await dc.evaluateRequest({ expression: 'item.sku', frameId: frames[0].id, context: 'watch' })).body.result, '"b"');
  await Promise.all([dc.continueRequest({ threadId: 1 }), dc.waitForEvent('terminated')]);
  assert.match(outputs.join(''), /sum is 16/);
  assert.strictEqual(dc.stops.length, 0);
}));

test('node: function breakpoints and stop on entry', () => withSession(async (dc) => {
  await Promise.all([
    dc.waitForEvent('initialized').then(async () => {
      await dc.setFunctionBreakpointsRequest({ breakpoints: [{ name: 'hello' }] });
      await dc.configurationDoneRequest();
    }),
    dc.launch(nodeArgs()),
  ]);
  const { frames } = await stoppedAt(dc, 'function breakpoint');
  assert.match(frames[0].name, /hello/);
  assert.strictEqual(frames[0].line, 14);
}));

test('node: stop on entry', () => withSession(async (dc) => {
  await Promise.all([dc.configurationSequence(), dc.launch(nodeArgs({ stopOnEntry: true }))]);
  const { frames } = await stoppedAt(dc, 'entry');
  assert.match(frames[0].name, /hello/);
  assert.strictEqual(frames[0].source.path, O);
}));

test('node: exception breakpoints stop where it is thrown', () => withSession(async (dc, outputs) => {
  await Promise.all([
    dc.waitForEvent('initialized').then(async () => {
      await dc.setExceptionBreakpointsRequest({ filters: ['raised'] });
      await dc.configurationDoneRequest();
    }),
    dc.launch(nodeArgs({ function: 'orderFail' })),
  ]);
  const { event, frames } = await stoppedAt(dc, 'exception');
  assert.match(event.body.text, /TypeError: bad order 7/);
  assert.strictEqual(frames[0].line, 27);
  await Promise.all([dc.continueRequest({ threadId: 1 }), dc.waitForEvent('terminated')]);
  assert.match(outputs.join(''), /TypeError/);
}));

test('node: a debuggee that crashes ends the session cleanly', () => withSession(async (dc, outputs) => {
  await Promise.all([dc.configurationSequence(), dc.launch(nodeArgs({ function: 'orderCrash' }))]);
  const [exited] = await Promise.all([dc.waitForEvent('exited'), dc.waitForEvent('terminated')]);
  assert.strictEqual(exited.body.exitCode, 1);
  assert.match(outputs.join(''), /Runtime\.ExitError/);
}));

test('node: pause a busy function, then terminate it at once', () => withSession(async (dc, outputs) => {
  await Promise.all([dc.configurationSequence(), dc.launch(nodeArgs({ function: 'orderSpin' }))]);
  await until(() => outputs.join('').includes('spinning')); // the function runs (its output, live)
  await dc.pauseRequest({ threadId: 1 });
  const { frames } = await stoppedAt(dc, 'pause');
  assert.match(frames[0].name, /spin/);
  assert.strictEqual(frames[0].line, 37);
  const started = Date.now();
  await Promise.all([dc.terminateRequest({}), dc.waitForEvent('terminated')]);
  await dc.disconnectRequest({});
  dc.disconnected = true;
  assert.ok(Date.now() - started < 5000, `took ${Date.now() - started} ms`);
}));

test('node: restart invokes the function again, in the same warm instance', () => withSession(async (dc) => {
  await nodeHit(dc, nodeArgs(), { path: O, line: 21 });
  await dc.restartRequest({});
  const { frames } = await stoppedAt(dc, 'breakpoint');
  assert.strictEqual(frames[0].line, 21);
  // Module state survives between invocations of one instance: two calls counted.
  assert.strictEqual((await dc.evaluateRequest({ expression: 'calls', frameId: frames[0].id, context: 'watch' })).body.result, '2');
}));

test('node: a killed adapter leaves the function running and the simulator healthy', async () => {
  const W = path.join(project, 'page.js');
  await withSimulator(async (gateway) => {
    const dc = new DebugClient(adapter, '--stdio', 'nimbus');
    dc.defaultTimeout = 20000;
    dc.stops = [];
    dc.on('stopped', (e) => dc.stops.push(e));
    await dc.start();
    await dc.initializeRequest();
    await dc.setBreakpointsRequest({ source: { path: W }, breakpoints: [{ line: 6 }] });
    await dc.attachRequest({ type: 'nimbus', request: 'attach', project, function: 'nodeSite' });
    await dc.configurationDoneRequest();
    const stopped = get(`${gateway}/nodesite?who=Ada`);
    await stoppedAt(dc, 'breakpoint');
    dc._adapterProcess.kill('SIGKILL'); // the editor crashed with the function stopped
    const answer = await stopped;
    assert.deepStrictEqual([answer.status, answer.body], [200, 'node page for Ada']);
    const next = await get(`${gateway}/nodesite?who=Bo`);
    assert.deepStrictEqual([next.status, next.body], [200, 'node page for Bo']);
  });
});

test("node: the function's timeout clock stops while it is stopped", () => withSession(async (dc, outputs) => {
  await nodeHit(dc, nodeArgs({ function: 'orderQuick' }), { path: O, line: 19 });
  await new Promise((r) => setTimeout(r, 1500)); // longer than its 1 s timeout
  await Promise.all([dc.continueRequest({ threadId: 1 }), dc.waitForEvent('terminated')]);
  assert.match(outputs.join(''), /Result: \{"message":"hello Ada"/);
  assert.doesNotMatch(outputs.join(''), /Task timed out/);
}));

test('node: attach to an http function; a request through the gateway stops at a breakpoint', async () => {
  const W = path.join(project, 'page.js');
  await withSimulator(async (gateway) => {
    let response;
    await withSession(async (dc) => {
      await dc.initializeRequest();
      await dc.setBreakpointsRequest({ source: { path: W }, breakpoints: [{ line: 6 }] });
      await dc.attachRequest({ type: 'nimbus', request: 'attach', project, function: 'nodeSite' });
      await dc.configurationDoneRequest();
      response = get(`${gateway}/nodesite?who=Ada`);
      const { frames } = await stoppedAt(dc, 'breakpoint');
      assert.deepStrictEqual([frames[0].source.path, frames[0].line], [W, 6]);
      assert.strictEqual((await dc.evaluateRequest({ expression: 'who', frameId: frames[0].id, context: 'watch' })).body.result, '"Ada"');
      await dc.disconnectRequest({}); // attach: the function is let go, not ended
      dc.disconnected = true;
    });
    const answer = await response;
    assert.deepStrictEqual([answer.status, answer.body], [200, 'node page for Ada']);
  });
});

// Attached to an http function, a request stops at a breakpoint; the handler is edited and
// saved while the session runs; the next request runs the new code, stops at the same
// breakpoint, and the Debug Console says what happened. (Both runtimes.)
async function hotReloadKeepsTheSession({ file, line, fn, route, before, after, watch }) {
  const original = fs.readFileSync(file, 'utf8');
  await withSimulator(async (gateway) => {
    try {
      await withSession(async (dc, outputs) => {
        await dc.initializeRequest();
        await dc.setBreakpointsRequest({ source: { path: file }, breakpoints: [{ line }] });
        await dc.attachRequest({ type: 'nimbus', request: 'attach', project, function: fn });
        await dc.configurationDoneRequest();
        let response = get(`${gateway}${route}?who=Ada`);
        await stoppedAt(dc, 'breakpoint');
        await dc.continueRequest({ threadId: 1 });
        assert.strictEqual((await response).body, `${before} Ada`);
        fs.writeFileSync(file, original.replace(before, after));
        await new Promise((r) => setTimeout(r, 1500)); // the simulator reloads once the tree is quiet
        response = get(`${gateway}${route}?who=Bo`);
        const { frames } = await stoppedAt(dc, 'breakpoint');
        assert.strictEqual(frames[0].line, line);
        assert.strictEqual((await dc.evaluateRequest({ expression: 'who', frameId: frames[0].id, context: 'watch' })).body.result, watch);
        await dc.continueRequest({ threadId: 1 });
        assert.strictEqual((await response).body, `${after} Bo`);
        assert.match(outputs.join(''), /code changed: a new debug instance runs it, with your breakpoints/);
        await dc.disconnectRequest({});
        dc.disconnected = true;
      });
    } finally {
      fs.writeFileSync(file, original);
    }
  });
}

test('hot reload keeps the session (Node)', () => hotReloadKeepsTheSession({
  file: path.join(project, 'page.js'), line: 6, fn: 'nodeSite', route: '/nodesite',
  before: 'node page for', after: 'reloaded page for', watch: '"Bo"' }));

test('hot reload keeps the session (Python)', () => hotReloadKeepsTheSession({
  file: H, line: 63, fn: 'site', route: '/site', before: 'page for', after: 'reloaded page for', watch: "'Bo'" }));

test('typescript (tsc): a .ts breakpoint binds and stops at its line; step in lands on .ts lines; watches see TS variables', () => withSession(async (dc) => {
  const T = path.join(project, 'shop.ts');
  // Compiled as a project would be, with the pinned tsc: shop.js and shop.js.map beside it.
  cp.execFileSync(process.execPath, [require.resolve('typescript/bin/tsc'), '--sourceMap', '--target', 'es2020',
    '--module', 'commonjs', '--strict', T], { cwd: project });
  assert.ok(fs.existsSync(path.join(project, 'shop.js.map')));
  const stack = await nodeHit(dc, launchArgs({ function: 'tsShop' }), { path: T, line: 23 });
  let frames = stack.body.stackFrames;
  assert.strictEqual(frames[0].source.path, T);
  assert.strictEqual((await dc.evaluateRequest({ expression: 'who', frameId: frames[0].id, context: 'watch' })).body.result, '"Ada"');
  assert.strictEqual((await dc.evaluateRequest({ expression: 'total', frameId: frames[0].id, context: 'watch' })).body.result, '0');
  await dc.stepInRequest({ threadId: 1 });
  ({ frames } = await stoppedAt(dc, 'step'));
  assert.strictEqual(frames[0].name, 'lineTotal');
  assert.strictEqual(frames[0].source.path, T);
  assert.strictEqual(frames[0].line, 15);
}));

test('typescript (run as written): a .ts handler compiled as it loads stops at its .ts lines', () => withSession(async (dc) => {
  // The same source as shop.ts, with no .js beside it: the runtime compiles it as it loads
  // (esbuild, an inline source map).
  const T = path.join(project, 'inline.ts');
  fs.copyFileSync(path.join(project, 'shop.ts'), T);
  const stack = await nodeHit(dc, launchArgs({ function: 'tsInline' }), { path: T, line: 15 });
  const frames = stack.body.stackFrames;
  assert.strictEqual(frames[0].name, 'lineTotal');
  assert.strictEqual(frames[0].source.path, T);
  assert.strictEqual(frames[1].line, 23);
  assert.strictEqual((await dc.evaluateRequest({ expression: 'item.sku', frameId: frames[0].id, context: 'watch' })).body.result, '"a"');
}));

test('typescript: a source that lives only in its source map (sourcesContent) is shown by reference', () => withSession(async (dc) => {
  // Compiled with the sources inside the map, then the .ts removed (as a package ships it).
  const T = path.join(project, 'gone.ts');
  fs.copyFileSync(path.join(project, 'shop.ts'), T);
  cp.execFileSync(process.execPath, [require.resolve('typescript/bin/tsc'), '--sourceMap', '--inlineSources',
    '--target', 'es2020', '--module', 'commonjs', '--strict', T], { cwd: project });
  fs.rmSync(T);
  await Promise.all([
    dc.waitForEvent('initialized').then(async () => {
      await dc.setFunctionBreakpointsRequest({ breakpoints: [{ name: 'hello' }] });
      await dc.configurationDoneRequest();
    }),
    dc.launch(launchArgs({ function: 'tsGone' })),
  ]);
  const { frames } = await stoppedAt(dc, 'function breakpoint');
  const source = frames[0].source;
  assert.strictEqual(source.name, 'gone.ts');
  assert.ok(source.sourceReference > 0 && !source.path, JSON.stringify(source));
  assert.strictEqual(frames[0].line, 20);
  const text = (await dc.sourceRequest({ sourceReference: source.sourceReference })).body.content;
  assert.match(text, /function lineTotal\(item: Item\): number/);
}));

test('a debuggee that crashes ends the session cleanly', () => withSession(async (dc, outputs) => {
  await Promise.all([dc.configurationSequence(), dc.launch(launchArgs({ function: 'crash', event: {}, eventFile: undefined }))]);
  const [exited] = await Promise.all([dc.waitForEvent('exited'), dc.waitForEvent('terminated')]);
  assert.strictEqual(exited.body.exitCode, 1);
  assert.match(outputs.join(''), /Runtime\.ExitError/);
}));

test('bad launch arguments are answered with what is wrong', () => withSession(async (dc) => {
  await dc.initializeRequest();
  await assert.rejects(dc.launchRequest({ project, function: 'nope' }), /no function 'nope'/);
  await assert.rejects(dc.launchRequest({ project, function: 'hello', eventFile: 'missing.json' }), /"eventFile": cannot read/);
  await assert.rejects(dc.launchRequest({ function: 'hello' }), /needs "project"/);
  await assert.rejects(dc.launchRequest({ project, function: 'site' }), /is an http function: it is reached over HTTP/);
  await assert.rejects(dc.customRequest('fly', {}), /unknown request 'fly'/);
}));

test('malformed messages get error responses and the adapter carries on', async () => {
  const child = cp.spawn(adapter, ['--stdio'], { stdio: ['pipe', 'pipe', 'inherit'] });
  const frame = (body) => `Content-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`;
  let out = '';
  child.stdout.on('data', (d) => { out += d; });
  child.stdin.write(frame('{"seq": 1, "type": "request", "command": '));
  child.stdin.write(frame('{"seq": 2, "type": "request"}'));
  child.stdin.write('Content-Length: lots\r\n\r\n');
  child.stdin.write(frame('{"seq": 3, "type": "request", "command": "initialize", "arguments": {"adapterID": "nimbus"}}'));
  await until(() => out.includes('"event":"initialized"'));
  assert.match(out, /"request_seq":2[^}]*"success":false|"success":false[^}]*"request_seq":2/);
  assert.match(out, /malformed request: the message is not valid JSON/);
  assert.match(out, /unreadable message frame/);
  const messages = [];
  for (let rest = Buffer.from(out); rest.length > 0;) {
    const end = rest.indexOf('\r\n\r\n');
    const length = Number(/Content-Length: (\d+)/.exec(rest.subarray(0, end).toString())[1]);
    messages.push(JSON.parse(rest.subarray(end + 4, end + 4 + length).toString()));
    rest = rest.subarray(end + 4 + length);
  }
  const initialize = messages.find((m) => m.command === 'initialize');
  assert.ok(initialize && initialize.success && initialize.body.supportsConditionalBreakpoints, out);
  child.kill();
});

test('no simulator is left behind', async () => {
  await until(() => !fs.existsSync(path.join(project, '.nimbus', 'sim.json')), 5000);
});

// nimbus CLI commands against the project, as a user types them.
const nimbus = (...args) => cp.spawnSync(path.join(bin, 'nimbus'), [...args, '--project', project],
                                         { encoding: 'utf8', timeout: 60000 });

test('a failure is kept with its scene, replayed, and replayed under the debugger stopped where it fails', async () => {
  await withSimulator(async () => {
    const invoked = nimbus('invoke', 'fail', '--data', '{"value": 0}');
    assert.strictEqual(invoked.status, 1, invoked.stderr);
    const listed = nimbus('failures', 'fail', '--json');
    assert.strictEqual(listed.status, 0, listed.stderr);
    const failure = JSON.parse(listed.stdout)[0];
    assert.strictEqual(failure.errorType, 'ZeroDivisionError');
    assert.deepStrictEqual(failure.event, { value: 0 });
    assert.strictEqual(failure.environment.TABLE, 'orders');
    assert.strictEqual(failure.environment.DB_PASSWORD, '****'); // masked when kept
    // The project's frames, the raising one last, with their locals.
    assert.deepStrictEqual(failure.frames.map((f) => [f.name, f.line]), [['fail', 24], ['divide', 10]]);
    assert.strictEqual(failure.frames[1].locals.b, '0');
    assert.strictEqual(failure.frames[0].locals.value, '0');

    const replayed = nimbus('replay', String(failure.id));
    assert.strictEqual(replayed.status, 1, replayed.stderr);
    assert.match(replayed.stdout, /ZeroDivisionError/);
    assert.match(replayed.stderr, new RegExp(`replaying failure #${failure.id} of fail`));

    // A DAP launch with "replay": no function, no event, and no exception filter chosen by
    // the client — it still stops in the failing frame.
    await withSession(async (dc, outputs) => {
      await Promise.all([
        dc.waitForEvent('initialized').then(async () => {
          await dc.setExceptionBreakpointsRequest({ filters: [] });
          await dc.configurationDoneRequest();
        }),
        dc.launch({ type: 'nimbus', request: 'launch', project, replay: failure.id }),
      ]);
      const { event, frames } = await stoppedAt(dc, 'exception');
      assert.match(event.body.description, /ZeroDivisionError/);
      assert.deepStrictEqual([frames[0].name, frames[0].line], ['divide', 10]);
      assert.strictEqual(byName(await locals(dc, frames[0].id), 'b').value, '0');
      // The replay runs with the failure's environment; a masked secret has today's value.
      const env = await dc.evaluateRequest({ expression: '__import__("os").environ["TABLE"] + "/" + __import__("os").environ["DB_PASSWORD"]', frameId: frames[0].id, context: 'repl' });
      assert.strictEqual(env.body.result, "'orders/hunter2'");
      await Promise.all([dc.continueRequest({ threadId: 1 }), dc.waitForEvent('terminated')]);
      assert.match(outputs.join(''), new RegExp(`Replaying failure #${failure.id} of fail: ZeroDivisionError`));
    });
  });
});

test('node: failures keep the throwing frame; from an instance\'s second failure on, its locals', async () => {
  await withSimulator(async () => {
    // An instance enables the inspector's capture only after its first failure, so healthy
    // functions pay nothing: the first scene has the frames of the error's stack alone.
    for (let i = 0; i < 2; i++) assert.strictEqual(nimbus('invoke', 'orderFail').status, 1);
    const [second, first] = JSON.parse(nimbus('failures', 'orderFail', '--json').stdout);
    for (const failure of [first, second]) {
      assert.strictEqual(failure.errorType, 'TypeError');
      const frame = failure.frames[failure.frames.length - 1];
      assert.deepStrictEqual([frame.name, frame.line], ['exports.fail', 27]);
      assert.match(frame.file, /order\.js$/);
    }
    assert.deepStrictEqual(first.frames[first.frames.length - 1].locals, {});
    assert.match(second.frames[second.frames.length - 1].locals.order, /id: 7/);
  });
});

run(() => {
  fs.rmSync(project, { recursive: true, force: true });
});
