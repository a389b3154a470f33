'use strict';
// The Node side of nimbus-dap, started by the bootstrap when NIMBUS_DEBUG_AGENT=host:port is
// set. It connects to the adapter's agent port (one JSON line per message) and starts a worker
// thread (inspector-relay.js) that makes a second connection there and carries the Chrome
// DevTools Protocol to this process's V8 inspector; the inspector itself is never opened on a
// port. Here: the handshake before the handler's module loads (so breakpoints set before it
// bind), one before each invocation (stop on entry, function breakpoints), the function's
// console lines, and a ping that lets the adapter know every line before it has arrived.

const crypto = require('crypto');
const net = require('net');
const path = require('path');
const readline = require('readline');
const { Worker } = require('worker_threads');

class DebugAgent {
  constructor(socket, relay) {
    this.socket = socket;
    this.relay = relay;
    this.waiters = new Map(); // event -> [resolve]
    this.closed = false;
    socket.setNoDelay(true);
    readline.createInterface({ input: socket, crlfDelay: Infinity }).on('line', (line) => this.onLine(line));
    const gone = () => {
      if (this.closed) return;
      this.closed = true;
      // The debugger went away: never leave the function waiting or stopped.
      stopRelay(this.relay);
      for (const list of this.waiters.values()) for (const resolve of list) resolve(null);
      this.waiters.clear();
    };
    socket.on('error', gone);
    socket.on('close', gone);
  }

  onLine(line) {
    let message;
    try { message = JSON.parse(line); } catch (e) { return; }
    if (!message || typeof message !== 'object') return;
    if (message.event === 'ping') {
      this.send('pong', message.body || {});
      return;
    }
    const list = this.waiters.get(message.event);
    if (list && list.length) list.shift()(message.body || {});
  }

  send(event, body) {
    if (!this.closed) this.socket.write(JSON.stringify({ event, body }) + '\n');
  }

  // The adapter's `event`, or null when it does not come within `ms` (or it is gone).
  wait(event, ms) {
    if (this.closed) return Promise.resolve(null);
    return new Promise((resolve) => {
      const list = this.waiters.get(event) || [];
      this.waiters.set(event, list);
      let done = false;
      const timer = setTimeout(() => finish(null), ms);
      const finish = (body) => {
        if (done) return;
        done = true;
        clearTimeout(timer);
        const i = list.indexOf(finish);
        if (i >= 0) list.splice(i, 1);
        resolve(body);
      };
      list.push(finish);
    });
  }

  // Before the handler runs: the adapter places what concerns it, then says go.
  async invocation(requestId) {
    const runtimeApi = process.env.AWS_LAMBDA_RUNTIME_API || `${process.env.SCF_RUNTIME_API}:${process.env.SCF_RUNTIME_API_PORT}`;
    this.send('invocation', { requestId, runtimeApi });
    await this.wait('go', 10000);
  }

  output(category, text) {
    this.send('output', { category, output: text });
  }
}

function stopRelay(relay) {
  try { relay.postMessage('close'); } catch (e) { /* it has ended */ }
}

// Connects to the adapter and waits until it has set the breakpoints; null (and a line on
// stderr) when it cannot be reached: the function then runs without a debugger.
async function start(address) {
  const [host, port] = address.split(':');
  const socket = net.connect({ host, port: Number(port) });
  const connected = await new Promise((resolve) => {
    socket.once('connect', () => resolve(true));
    socket.once('error', (e) => resolve(e));
  });
  if (connected !== true) {
    process.stderr.write(`[nimbus] cannot reach the debugger at ${address}: ${connected.message}; running without it\n`);
    return null;
  }
  // The token pairs the relay's connection with this one at the adapter.
  const token = crypto.randomBytes(16).toString('hex');
  const relay = new Worker(path.join(__dirname, 'inspector-relay.js'), { workerData: { address, token } });
  relay.unref(); // an instance that is done exits with its debugger still attached
  relay.on('error', (e) => process.stderr.write(`[nimbus] the debugger's inspector relay failed: ${e.message}\n`));
  const agent = new DebugAgent(socket, relay);
  agent.send('hello', { runtime: 'node', node: process.version, pid: process.pid, inspector: token });
  if (await agent.wait('ready', 10000) === null) {
    process.stderr.write('[nimbus] the debugger did not configure this instance in time; running without it\n');
    socket.destroy();
    stopRelay(relay);
    return null;
  }
  return agent;
}

module.exports = { start };
