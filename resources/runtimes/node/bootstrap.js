'use strict';
// Nimbus's Node.js runtime: a client of the AWS Lambda Runtime API, as Lambda's own is.
// Started as `node bootstrap.js` with _HANDLER, LAMBDA_TASK_ROOT and AWS_LAMBDA_RUNTIME_API
// set (for SCF: USER_CODE_ROOT, SCF_RUNTIME_API and SCF_RUNTIME_API_PORT). Loads the handler
// once, then serves invocations forever.
// With NIMBUS_TEMPLATE=1 it is started ahead of its use, as an idle template (Node cannot
// fork safely): it waits for its assignment on standard input, the instance's whole
// environment and working folder as JSON, and becomes that instance.

const net = require('net');
const fs = require('fs');
const path = require('path');
const util = require('util');
const { pathToFileURL } = require('url');

let host, port; // the Runtime API's, read in main()
const BASE = '/2018-06-01/runtime';

// A minimal HTTP/1.1 client for the one peer this process talks to, on one keep-alive
// connection, one request at a time. Node's http module costs milliseconds at the tail
// of every round trip; Lambda's own Node runtime uses a native client here for the same
// reason. The platform always answers with Content-Length.
class RuntimeClient {
  constructor() {
    this.socket = null;
    this.buffer = Buffer.alloc(0);
    this.pending = null; // { resolve, reject, head }
    this.queue = Promise.resolve();
  }

  connect() {
    const socket = net.connect({ host, port: Number(port) });
    socket.setNoDelay(true);
    socket.on('data', (chunk) => this.onData(chunk));
    // The platform may close an idle connection; the next request opens a new one.
    const fail = (err) => {
      if (this.socket !== socket) return;
      this.socket = null;
      this.buffer = Buffer.alloc(0);
      if (this.pending) this.pending.reject(err || new Error('connection closed'));
      this.pending = null;
    };
    socket.on('error', fail);
    socket.on('close', () => fail());
    this.socket = socket;
  }

  onData(chunk) {
    this.buffer = this.buffer.length ? Buffer.concat([this.buffer, chunk]) : chunk;
    const p = this.pending;
    if (!p) return;
    if (!p.head) {
      const end = this.buffer.indexOf('\r\n\r\n');
      if (end < 0) return;
      const lines = this.buffer.toString('latin1', 0, end).split('\r\n');
      const headers = {};
      for (let i = 1; i < lines.length; i++) {
        const colon = lines[i].indexOf(':');
        headers[lines[i].slice(0, colon).trim().toLowerCase()] = lines[i].slice(colon + 1).trim();
      }
      p.head = { status: Number(lines[0].split(' ')[1]), headers, length: Number(headers['content-length'] || 0) };
      this.buffer = this.buffer.subarray(end + 4);
    }
    if (this.buffer.length < p.head.length) return;
    const body = this.buffer.toString('utf8', 0, p.head.length);
    this.buffer = this.buffer.subarray(p.head.length);
    this.pending = null;
    p.resolve({ status: p.head.status, headers: p.head.headers, body });
  }

  request(method, urlPath, body, headers = {}) {
    const run = () => new Promise((resolve, reject) => {
      if (!this.socket) this.connect();
      this.pending = { resolve, reject, head: null };
      const payload = body === undefined ? null : Buffer.from(body, 'utf8');
      let head = `${method} ${urlPath} HTTP/1.1\r\nHost: ${host}:${port}\r\n`;
      for (const [name, value] of Object.entries(headers)) head += `${name}: ${value}\r\n`;
      head += `Content-Length: ${payload ? payload.length : 0}\r\n\r\n`;
      this.socket.write(payload ? Buffer.concat([Buffer.from(head, 'latin1'), payload]) : head);
    });
    // A connection the platform closed while idle fails the first attempt; try once more.
    const attempt = () => run().catch((err) => (err && err.code === 'EPIPE') || !this.socket ? run() : Promise.reject(err));
    const result = this.queue.then(attempt, attempt);
    this.queue = result.catch(() => {});
    return result;
  }
}

const client = new RuntimeClient();
const request = (method, urlPath, body, headers) => client.request(method, urlPath, body, headers);

function postError(urlPath, error, via = client) {
  return via.request('POST', urlPath, JSON.stringify(error), {
    'content-type': 'application/json',
    'lambda-runtime-function-error-type': error.errorType,
  });
}

// Lambda's error document for anything thrown or rejected.
function errorDocument(err, typeOverride) {
  if (err instanceof Error) {
    const lines = String(err.stack || '').split('\n');
    return {
      errorType: typeOverride || err.name || 'Error',
      errorMessage: err.message,
      stackTrace: lines.slice(1).map((l) => l.trim()).filter(Boolean),
    };
  }
  // Non-Error values are reported as Lambda does: type 'string' etc. become an Error.
  return { errorType: typeOverride || 'Error', errorMessage: typeof err === 'string' ? err : JSON.stringify(err), stackTrace: [] };
}

// Lambda's console format: "<time>\t<request id>\t<LEVEL>\t<message>" (SCF's has no level).
// Written synchronously
// so every line of an invocation reaches the pipe before its response is posted.
let currentRequestId = undefined;
// An http function's instance may run several invocations at once (NIMBUS_CONCURRENCY): then
// each line names the one whose code wrote it, as the async context says.
let requestScope = null;
const requestIdNow = () => (requestScope && requestScope.getStore()) || currentRequestId;
let debugAgent = null; // nimbus-dap's agent, in a debug instance
function patchConsole() {
  const scf = process.env._NIMBUS_DIALECT === 'scf'; // SCF's lines have no level
  const write = (level) => (...args) => {
    const message = util.format(...args).replace(/\n/g, '\r');
    fs.writeSync(1, `${new Date().toISOString()}\t${requestIdNow() || 'undefined'}\t${scf ? '' : level + '\t'}${message}\n`);
    if (debugAgent) debugAgent.output(level === 'ERROR' || level === 'WARN' ? 'stderr' : 'stdout', util.format(...args) + '\n');
  };
  console.log = write('INFO');
  console.info = write('INFO');
  console.warn = write('WARN');
  console.error = write('ERROR');
  console.debug = write('DEBUG');
  console.trace = write('TRACE');
}

function logError(document) {
  console.error(JSON.stringify(document));
}

// The failure scene of the exception that failed an invocation, for the error document only
// (after it was logged: locals stay out of the function's logs). The capture of locals costs
// every invocation a little once enabled (see failure-scene.js), so an instance enables it
// after its first failure; until then a scene has the stack's frames without locals.
let captureWanted = false;
let scenes = null;
let sceneRoot = null;
function withScene(document, err) {
  try {
    const scene = scenes ? scenes.take(err) : captureWanted && require(path.join(__dirname, 'failure-scene.js')).stackScene(err, sceneRoot);
    if (scene) document.nimbusScene = scene;
  } catch (e) {
    // The document as it is.
  }
  return document;
}

// After a failure has been reported: from now on, failures of this instance keep their locals.
function captureFromNowOn() {
  if (captureWanted && !scenes) {
    scenes = require(path.join(__dirname, 'failure-scene.js')).start(sceneRoot);
    if (!scenes) captureWanted = false;
  }
}

function profileInterval() {
  const us = Number(process.env.NIMBUS_PROFILE_INTERVAL_US);
  return Number.isInteger(us) && us > 0 ? us : 1000;
}

async function loadHandler(spec, root) {
  const slash = spec.lastIndexOf('/');
  const dot = spec.indexOf('.', slash + 1);
  if (dot <= slash + 1 || dot === spec.length - 1) {
    throw Object.assign(new Error(`Bad handler ${spec}`), { lambdaType: 'Runtime.MalformedHandlerName' });
  }
  const modulePath = spec.slice(0, dot);
  const propertyPath = spec.slice(dot + 1).split('.');
  const base = path.resolve(root, modulePath);
  let module;
  // JavaScript first: a .js beside a .ts is what the .ts compiles to.
  const ext = ['.js', '.mjs', '.cjs', '.ts', '.mts', '.cts'].find((e) => fs.existsSync(base + e));
  if (ext === undefined) {
    throw Object.assign(new Error(`Cannot find module '${modulePath}'`), { lambdaType: 'Runtime.ImportModuleError', name: 'Runtime.ImportModuleError' });
  }
  const file = base + ext;
  try {
    if (ext.endsWith('ts')) {
      // TypeScript, compiled to CommonJS as it is required (see typescript.js), ES module
      // syntax included; so a .mts handler cannot use top-level await. The compiler is
      // loaded only here: JavaScript handlers pay nothing for it at cold start.
      require(path.join(__dirname, 'typescript.js')).register();
      module = require(file);
    } else if (ext === '.mjs') {
      module = await import(pathToFileURL(file).href);
    } else {
      try {
        module = require(file);
      } catch (e) {
        // A .js file in a "type": "module" package is an ES module.
        if (e.code !== 'ERR_REQUIRE_ESM') throw e;
        module = await import(pathToFileURL(file).href);
      }
    }
  } catch (e) {
    if (e instanceof SyntaxError) e.lambdaType = 'Runtime.UserCodeSyntaxError';
    else if (e.code === 'MODULE_NOT_FOUND' || e.code === 'ERR_MODULE_NOT_FOUND') e.lambdaType = 'Runtime.ImportModuleError';
    throw e;
  }
  let handler = module;
  for (const key of propertyPath) handler = handler == null ? undefined : handler[key];
  // The debugger finds the handler (stop on entry) and its module (function breakpoints).
  if (debugAgent) Object.assign(globalThis, { __nimbusModule: module, __nimbusHandler: handler });
  if (typeof handler !== 'function') {
    throw Object.assign(new Error(`${modulePath}.${propertyPath.join('.')} is undefined or not exported`), { lambdaType: 'Runtime.HandlerNotFound' });
  }
  return handler;
}

// Tencent Cloud SCF's context, with the same completion methods.
function makeScfContext(headers, finish) {
  const deadline = Number(headers['lambda-runtime-deadline-ms'] || 0);
  const namespace = process.env.SCF_NAMESPACE || 'default';
  return {
    callbackWaitsForEmptyEventLoop: true,
    getRemainingTimeInMillis: () => Math.max(0, deadline - Date.now()),
    memory_limit_in_mb: Number(headers['memory_limit_in_mb'] || 128),
    time_limit_in_ms: Number(headers['time_limit_in_ms'] || 3000),
    request_id: headers['request_id'] || headers['lambda-runtime-aws-request-id'],
    environment: JSON.stringify({ SCF_NAMESPACE: namespace }),
    environ: `SCF_NAMESPACE=${namespace};SCF_NAMESPACE=${namespace}`,
    function_version: process.env.SCF_FUNCTIONVERSION || '$LATEST',
    function_name: process.env.SCF_FUNCTIONNAME,
    namespace,
    tencentcloud_region: process.env.TENCENTCLOUD_REGION || '',
    tencentcloud_appid: process.env.TENCENTCLOUD_APPID || '',
    tencentcloud_uin: process.env.TENCENTCLOUD_UIN || '',
    done: (err, result) => finish(err, result),
  };
}

function makeContext(headers, finish) {
  if (process.env._NIMBUS_DIALECT === 'scf') return makeScfContext(headers, finish);
  const deadline = Number(headers['lambda-runtime-deadline-ms'] || 0);
  const context = {
    awsRequestId: headers['lambda-runtime-aws-request-id'],
    invokedFunctionArn: headers['lambda-runtime-invoked-function-arn'],
    functionName: process.env.AWS_LAMBDA_FUNCTION_NAME,
    functionVersion: process.env.AWS_LAMBDA_FUNCTION_VERSION,
    memoryLimitInMB: process.env.AWS_LAMBDA_FUNCTION_MEMORY_SIZE,
    logGroupName: process.env.AWS_LAMBDA_LOG_GROUP_NAME,
    logStreamName: process.env.AWS_LAMBDA_LOG_STREAM_NAME,
    callbackWaitsForEmptyEventLoop: true,
    getRemainingTimeInMillis: () => Math.max(0, deadline - Date.now()),
    // The legacy completion methods.
    done: (err, result) => finish(err, result),
    succeed: (result) => finish(null, result),
    fail: (err) => finish(err || 'handled'),
  };
  if (headers['lambda-runtime-client-context']) context.clientContext = JSON.parse(headers['lambda-runtime-client-context']);
  if (headers['lambda-runtime-cognito-identity']) context.identity = JSON.parse(headers['lambda-runtime-cognito-identity']);
  return context;
}

// Runs one invocation to its result: a returned promise, or the callback/context methods.
function run(handler, event, headers) {
  return new Promise((resolve) => {
    let settled = false;
    const finish = (err, result) => {
      if (settled) return;
      settled = true;
      resolve(err !== null && err !== undefined ? { error: err } : { result });
    };
    const context = makeContext(headers, finish);
    let returned;
    try {
      returned = handler(event, context, finish);
    } catch (e) {
      finish(e);
      return;
    }
    if (returned && typeof returned.then === 'function') {
      returned.then((r) => finish(null, r), (e) => finish(e === undefined || e === null ? new Error('Promise rejected') : e));
    } else if (handler.length < 3 && returned !== undefined) {
      finish(null, returned);
    }
  });
}

// An idle template makes its first connection and request ahead of time: they cost an
// instance ~8 ms of compiling Node's own code (net, streams, this client), paid here instead.
async function warmUp() {
  const server = net.createServer((socket) => {
    socket.on('data', () => socket.write('HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\n{}'));
  });
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  [host, port] = ['127.0.0.1', String(server.address().port)];
  const warm = new RuntimeClient();
  JSON.parse((await warm.request('POST', '/warm-up', '{}', { 'content-type': 'application/json' })).body);
  warm.socket.destroy();
  await new Promise((resolve) => server.close(resolve));
  host = port = undefined;
}

// An idle template takes the instance's environment (in place of its own) and folder.
function becomeInstance() {
  fs.writeSync(1, 'NIMBUS_TEMPLATE_READY\n'); // to the template, which then hands us out
  const assignment = JSON.parse(fs.readFileSync(0, 'utf8'));
  const environment = assignment.environment;
  // Only what differs changes: setting TZ, even to the value it had, costs Node a reload of
  // its time zone data (~10 ms).
  for (const name of Object.keys(process.env)) if (!(name in environment)) delete process.env[name];
  for (const [name, value] of Object.entries(environment)) if (process.env[name] !== value) process.env[name] = value;
  require('module')._initPaths(); // NODE_PATH, as the instance's environment says
  process.chdir(assignment.cwd);
}

async function main() {
  if (process.env.NIMBUS_TEMPLATE === '1') {
    await warmUp().catch(() => {}); // (a template that cannot is only slower)
    becomeInstance();
  }
  // Lambda's runtime API variable, or SCF's two.
  [host, port] = (process.env.AWS_LAMBDA_RUNTIME_API || `${process.env.SCF_RUNTIME_API}:${process.env.SCF_RUNTIME_API_PORT}`).split(':');
  patchConsole();
  const root = process.env.LAMBDA_TASK_ROOT || process.env.USER_CODE_ROOT || process.cwd();
  process.chdir(root);
  let handler;
  // A debug instance: the debugger sets its breakpoints before the handler's module loads.
  if (process.env.NIMBUS_DEBUG_AGENT) debugAgent = await require(path.join(__dirname, 'debug-agent.js')).start(process.env.NIMBUS_DEBUG_AGENT);
  try {
    handler = await loadHandler(process.env._HANDLER, root);
  } catch (e) {
    const document = errorDocument(e, e.lambdaType);
    logError(document);
    await postError(`${BASE}/init/error`, document);
    process.exit(1);
  }

  if (process.env._NIMBUS_FUNCTION_KIND === 'http') {
    // An http function: (req, res) in the style of the Functions Framework.
    handler = require(path.join(__dirname, 'http-adapter.js')).adapt(handler);
  }

  // A CPU profile of each invocation, when asked for (see profiler.js).
  const profiler = process.env.NIMBUS_PROFILE_DIR
    ? require(path.join(__dirname, 'profiler.js')).start(process.env.NIMBUS_PROFILE_DIR, profileInterval())
    : null;
  // The locals of a failure's frames (see failure-scene.js). Not under a debugger, which owns
  // pausing, nor while profiling, whose timings the pauses would distort.
  if (process.env.NIMBUS_CAPTURE_FAILURES !== '0' && !debugAgent && !process.env.NIMBUS_DEBUG_AGENT && !profiler) {
    captureWanted = true;
    sceneRoot = root;
  }

  // An exception nobody caught ends the process, as on Lambda, after reporting it.
  const fatal = (type) => async (err) => {
    const document = errorDocument(err, type);
    logError(document);
    withScene(document, err);
    if (currentRequestId) await postError(`${BASE}/invocation/${currentRequestId}/error`, document).catch(() => {});
    process.exit(128);
  };
  process.on('uncaughtException', fatal());
  process.on('unhandledRejection', fatal('Runtime.UnhandledPromiseRejection'));

  // Invocations one at a time, as Lambda runs them; an http function's instance takes
  // NIMBUS_CONCURRENCY at once, each on its own connection (not under a debugger or the
  // profiler, which follow one invocation).
  const concurrency = debugAgent || profiler ? 1 : Math.max(1, Number(process.env.NIMBUS_CONCURRENCY) || 1);
  if (concurrency === 1) return serve(client, handler, profiler);
  requestScope = new (require('async_hooks').AsyncLocalStorage)();
  const loops = [serve(client, handler, null)];
  for (let i = 1; i < concurrency; i++) loops.push(serve(new RuntimeClient(), handler, null));
  await Promise.all(loops);
}

// Takes invocations from the Runtime API on `via` and answers them, forever.
async function serve(via, handler, profiler) {
  for (;;) {
    const next = await via.request('GET', `${BASE}/invocation/next`);
    const requestId = next.headers['lambda-runtime-aws-request-id'];
    currentRequestId = requestId;
    if (next.headers['lambda-runtime-trace-id']) process.env._X_AMZN_TRACE_ID = next.headers['lambda-runtime-trace-id'];
    let event;
    try {
      event = next.body ? JSON.parse(next.body) : null;
    } catch (e) {
      await postError(`${BASE}/invocation/${requestId}/error`, { errorType: 'Runtime.UnmarshalError', errorMessage: `Unable to parse input as json: ${e.message}`, stackTrace: [] }, via);
      continue;
    }
    if (debugAgent) await debugAgent.invocation(requestId);
    if (scenes) scenes.beginInvocation();
    if (profiler) profiler.begin();
    const outcome = await (requestScope ? requestScope.run(requestId, () => run(handler, event, next.headers)) : run(handler, event, next.headers));
    if (profiler) profiler.end(requestId);
    if ('error' in outcome) {
      const document = errorDocument(outcome.error);
      requestScope ? requestScope.run(requestId, () => logError(document)) : logError(document);
      withScene(document, outcome.error);
      await postError(`${BASE}/invocation/${requestId}/error`, document, via);
      captureFromNowOn();
      continue;
    }
    let payload;
    try {
      payload = JSON.stringify(outcome.result === undefined ? null : outcome.result);
    } catch (e) {
      await postError(`${BASE}/invocation/${requestId}/error`, { errorType: 'Runtime.MarshalError', errorMessage: `Unable to stringify response body: ${e.message}`, stackTrace: [] }, via);
      continue;
    }
    await via.request('POST', `${BASE}/invocation/${requestId}/response`, payload, { 'content-type': 'application/json' });
  }
}

main();
