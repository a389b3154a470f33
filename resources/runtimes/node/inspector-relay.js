'use strict';
// A worker thread of a debug instance (started by debug-agent.js) that carries the Chrome
// DevTools Protocol between nimbus-dap and this process's V8 inspector. The inspector is never
// opened on a port, where any user of the machine could connect to it and run code as the
// function's owner: this thread holds an inspector session on the main thread
// (Session.connectToMainThread, which answers also while the main thread is paused at a
// breakpoint) and a second connection to the adapter's agent port, which accepts only its own
// user. One JSON message per line each way: commands from the adapter; answers and events
// from V8, in the order V8 sent them.

const net = require('net');
const inspector = require('inspector');
const readline = require('readline');
const { parentPort, workerData } = require('worker_threads');

const [host, port] = workerData.address.split(':');
const socket = net.connect({ host, port: Number(port) });
socket.setNoDelay(true);

const session = new inspector.Session();
let connected = false;
let closed = false;

function send(message) {
  if (!closed) socket.write(JSON.stringify(message) + '\n');
}

// Node reports an inspector error as "Inspector error CODE: MESSAGE"; the adapter wants V8's.
function protocolError(err) {
  const match = /^Inspector error (-?\d+): ([\s\S]*)$/.exec(err.message || '');
  return match ? { code: Number(match[1]), message: match[2] } : { code: -32603, message: String(err.message || err) };
}

function onCommand(line) {
  let command;
  try {
    command = JSON.parse(line);
  } catch (e) {
    return;
  }
  if (!command || typeof command.id !== 'number' || typeof command.method !== 'string') return;
  try {
    session.post(command.method, command.params || {}, (err, result) => {
      send(err ? { id: command.id, error: protocolError(err) } : { id: command.id, result: result || {} });
    });
  } catch (e) {
    send({ id: command.id, error: protocolError(e) });
  }
}

// The debugger is gone: the session ends, which lets a paused main thread go on.
function close() {
  if (closed) return;
  closed = true;
  socket.destroy();
  if (connected) {
    try { session.disconnect(); } catch (e) { /* already */ }
  }
  parentPort.close();
}

socket.once('connect', () => {
  session.connectToMainThread();
  connected = true;
  session.on('inspectorNotification', (message) => send({ method: message.method, params: message.params || {} }));
  send({ event: 'inspector', body: { token: workerData.token } });
});

readline.createInterface({ input: socket, crlfDelay: Infinity }).on('line', onCommand);
socket.on('error', close);
socket.on('close', close);
parentPort.on('message', (message) => {
  if (message === 'close') close();
});
