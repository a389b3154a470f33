'use strict';
// Per-invocation CPU profiles, when NIMBUS_PROFILE_DIR is set: V8's sampling profiler, through
// an in-process inspector session (its answers come synchronously), started just before the
// handler and stopped just after. Each profile is written to <dir>/<requestId>.json just after
// the invocation's result is posted (a reader waits for it), through a temporary file and a
// rename, so a reader never sees half of one:
//   {runtime: 'node', intervalUs, startUs, endUs (unix µs),
//    frames: [{name, file, line}], samples: [[frame index, ... root first]], weights: [µs]}
// Stacks are cut below the handler: the bootstrap's frames, and the Node internals that only
// deliver a continuation to it, are left out, so the root is the handler (for an http
// function, the adapter that calls the function) or what it calls. Time in the bootstrap
// itself shows as one "(runtime)" frame.
//
// Starting V8's profiler costs milliseconds (tens in a big application): it first records
// every function compiled so far. Not when another profile is already running, so a second
// profile (console.profile's, on the same session) is kept running while invocations come,
// and stopped after LINGER_MS without one, so that it does not grow while the instance idles.

const inspector = require('inspector');
const fs = require('fs');
const path = require('path');
const { fileURLToPath } = require('url');
const { performance } = require('perf_hooks');
const { postSync, originalLine } = require('./inspector-support.js');

const LINGER_MS = 10000;
const ANCHOR = 'nimbus:anchor';
// Time spent in the bootstrap itself inside the profiled span (settling the handler's promise).
const RUNTIME_FRAME = { name: '(runtime)', file: '', line: 0 };

function nowUs() {
  return Math.round((performance.timeOrigin + performance.now()) * 1000);
}

const files = new Map(); // url -> path ('' when it is not a file)
function fileOf(url) {
  let file = files.get(url);
  if (file === undefined) {
    try {
      file = url.startsWith('file:') ? fileURLToPath(url) : '';
    } catch (e) {
      file = '';
    }
    files.set(url, file);
  }
  return file;
}

// A frame that only delivers work to the handler: Node's internals and natives (but not
// V8's "(program)", "(idle)" or "(garbage collector)").
function isPlumbing(callFrame) {
  return callFrame.url.startsWith('node:') || (callFrame.url === '' && !/^\(.*\)$/.test(callFrame.functionName));
}

const RUNTIME_FILES = new Set([path.join(__dirname, 'bootstrap.js'), __filename]);
function isRuntime(callFrame) {
  return RUNTIME_FILES.has(fileOf(callFrame.url));
}

// The stack of each profile node, root first, from the first frame past the bootstrap's and
// Node's; null for time in the bootstrap itself (settling the handler's promise, say).
function trim(callFrames) {
  const first = callFrames.findIndex((f) => !isRuntime(f) && !isPlumbing(f));
  if (first >= 0) return callFrames.slice(first);
  // Only internals: the runtime's own work when it is on the stack, else work done for the
  // handler (a stream parsing the response it awaits, say), kept as it is.
  return !callFrames.length || callFrames.some(isRuntime) ? null : callFrames;
}

// V8's profile (a call tree, samples as leaf node ids, and the time since the previous sample)
// as the flat format above.
function convert(profile) {
  const frames = [];
  const frameIndex = new Map();
  const indexOf = (callFrame) => {
    const file = fileOf(callFrame.url);
    const frame = { name: callFrame.functionName || '(anonymous)', file, line: file || callFrame.url ? originalLine(file, callFrame.lineNumber, callFrame.columnNumber) : 0 };
    const key = `${frame.name}\0${callFrame.url}\0${callFrame.lineNumber}\0${callFrame.columnNumber}`;
    let index = frameIndex.get(key);
    if (index === undefined) {
      index = frames.push(frame) - 1;
      frameIndex.set(key, index);
    }
    return index;
  };
  const runtimeIndex = () => {
    if (!frameIndex.has('(runtime)')) frameIndex.set('(runtime)', frames.push(RUNTIME_FRAME) - 1);
    return frameIndex.get('(runtime)');
  };

  const nodes = new Map(profile.nodes.map((n) => [n.id, n]));
  const parent = new Map();
  for (const n of profile.nodes) for (const child of n.children || []) parent.set(child, n.id);
  const stacks = new Map(); // node id -> { key, stack }
  const stackOf = (id) => {
    let known = stacks.get(id);
    if (known) return known;
    const callFrames = [];
    for (let at = id; at !== undefined; at = parent.get(at)) callFrames.push(nodes.get(at).callFrame);
    callFrames.reverse();
    if (callFrames.length && callFrames[0].functionName === '(root)') callFrames.shift();
    const kept = trim(callFrames);
    const stack = kept === null ? [runtimeIndex()] : kept.map(indexOf);
    known = { key: stack.join(','), stack };
    stacks.set(id, known);
    return known;
  };

  const samples = [];
  const weights = [];
  const ids = profile.samples || [];
  const deltas = profile.timeDeltas || [];
  let previousKey = null;
  for (let i = 0; i < ids.length; i++) {
    // A sample stands for the time since the one before (as in the Python runtime's).
    const weight = Math.max(0, deltas[i] || 0);
    const { key, stack } = stackOf(ids[i]);
    if (key === previousKey) {
      weights[weights.length - 1] += weight;
    } else {
      samples.push(stack);
      weights.push(weight);
      previousKey = key;
    }
  }
  // (The time after the last sample is stopping the profiler: left out.)
  return { frames, samples, weights };
}

class Profiler {
  constructor(dir, intervalUs) {
    this.dir = dir;
    this.intervalUs = intervalUs;
    this.running = false;
    this.anchored = false;
    this.linger = null;
    // console.profile as Node made it, whatever the function does to console.
    this.consoleProfile = console.profile.bind(console);
    this.consoleProfileEnd = console.profileEnd.bind(console);
    this.session = new inspector.Session();
    this.session.connect();
    this.call('Profiler.enable');
    this.call('Profiler.setSamplingInterval', { interval: intervalUs });
    // Started now, at init, rather than in the first invocation's time.
    this.anchor();
    this.release();
  }

  // Keeps V8's profiler started between invocations that come one after another.
  anchor() {
    clearTimeout(this.linger);
    if (!this.anchored) {
      this.consoleProfile(ANCHOR);
      this.anchored = true;
    }
  }

  release() {
    this.linger = setTimeout(() => {
      this.anchored = false;
      this.consoleProfileEnd(ANCHOR);
    }, LINGER_MS);
    this.linger.unref();
  }

  call(method, params) {
    return postSync(this.session, method, params);
  }

  // Just before the handler.
  begin() {
    try {
      this.anchor();
      this.startUs = nowUs();
      this.call('Profiler.start');
      this.running = true;
    } catch (e) {
      this.warn(e);
    }
  }

  // Just after it, before the result is posted: stops the profile of `requestId`. It is
  // converted and written once the result has gone (setImmediate runs while the bootstrap
  // awaits the Runtime API's answer), so the invocation's duration carries only the stop.
  end(requestId) {
    if (!this.running) return;
    this.running = false;
    let profile;
    try {
      profile = this.call('Profiler.stop').profile;
    } catch (e) {
      this.warn(e);
      this.release();
      return;
    }
    const endUs = nowUs();
    const startUs = this.startUs;
    this.release();
    setImmediate(() => {
      try {
        const { frames, samples, weights } = convert(profile);
        const document = { runtime: 'node', intervalUs: this.intervalUs, startUs, endUs, frames, samples, weights };
        const name = String(requestId).replace(/[^A-Za-z0-9._-]/g, '_');
        fs.mkdirSync(this.dir, { recursive: true });
        const temporary = path.join(this.dir, `.${name}.${process.pid}.tmp`);
        fs.writeFileSync(temporary, JSON.stringify(document));
        fs.renameSync(temporary, path.join(this.dir, `${name}.json`));
      } catch (e) {
        this.warn(e);
      }
    });
  }

  warn(e) {
    process.stderr.write(`[nimbus] profiling failed: ${e && e.message}\n`);
  }
}

// The profiler, or null when the inspector cannot give one.
function start(dir, intervalUs) {
  try {
    return new Profiler(dir, intervalUs);
  } catch (e) {
    process.stderr.write(`[nimbus] profiling is off: ${e.message}\n`);
    return null;
  }
}

module.exports = { start, convert };
