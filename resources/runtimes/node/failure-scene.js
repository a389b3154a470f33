'use strict';
// Failure scenes: the local variables of the project's frames at the moment an exception was
// thrown, attached to the error document of an invocation it fails ("nimbusScene"). A thrown
// exception's frames are gone by the time the bootstrap catches it, and nothing short of the
// V8 inspector can read them, so (as Sentry's LocalVariables integration does) an in-process
// inspector session pauses on exceptions, reads the scopes and resumes at once. A same-thread
// session's messages are answered synchronously, also while paused: the whole capture runs
// inside the `Debugger.paused` notification.
//
// What it costs (measured on a 2-CPU VM, Node 20), and how that is kept down:
// - With the Debugger domain enabled V8 takes slower paths for every await, promise and
//   throw (about 1 µs more per await): some 20-35 µs more per invocation of a trivial handler
//   through the bootstrap. Enabling it costs some 30 ms the first time, growing with the code
//   loaded (120 ms in an application of 450 modules). So a healthy instance never enables it:
//   the bootstrap starts the capture after an instance's first failure (whose scene has the
//   frames from the error's stack, without locals: stackScene), and from then on failures
//   come with their locals.
// - A pause costs about a millisecond. Scripts outside the project (and its node_modules) are
//   blackboxed, so V8 does not even pause when library code throws, as many do to fall back
//   from one attempt to another. Node's own internals cannot be blackboxed (they come from
//   its startup snapshot): those pauses are resumed at once unless a project frame called
//   in, e.g. fs.readFileSync failing in the handler.
// - After MAX_PAUSES pauses in one invocation (a handler that throws and catches in a loop)
//   it stops pausing until the next invocation: a failure after those has no scene.
// Exceptions thrown inside node_modules get no scene; a project frame that catches and
// rethrows or wraps one does. Frames are the synchronous stack at the throw: after an await,
// the async callers of the throwing function are not on it.

const inspector = require('inspector');
const fs = require('fs');
const path = require('path');
const util = require('util');
const { fileURLToPath, pathToFileURL } = require('url');
const { postSync, originalLine } = require('./inspector-support.js');

const MAX_TEXT = 1000; // characters of one value
const MAX_FRAMES = 50; // the innermost ones are kept
const MAX_LOCALS = 100; // per frame
const MAX_PAUSES = 10; // per invocation: a pause costs about a millisecond
const SECRET = /password|passwd|secret|token|api[_-]?key|apikey|credential|auth|private[_-]?key|session[_-]?key/i;
const DUNDER = /^__.*__$/;
// The capture reaches back into this module from code the inspector runs while paused.
const HOOK = Symbol.for('nimbus.failureScene');
const COLLECT = `function (...scopes) { return globalThis[Symbol.for('nimbus.failureScene')](this, scopes); }`;
const INSPECT = { depth: 2, maxArrayLength: 20, maxStringLength: MAX_TEXT, breakLength: Infinity, compact: true,
  // No user code runs while the process is paused: no custom inspect(), no proxy traps.
  customInspect: false, showProxy: true, getters: false };

function escapeRegExp(text) {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

function truncate(text) {
  return text.length > MAX_TEXT ? `${text.slice(0, MAX_TEXT)}…` : text;
}

function render(name, value) {
  if (SECRET.test(name)) return '****';
  try {
    return truncate(util.inspect(value, INSPECT));
  } catch (e) {
    return '<unrenderable>';
  }
}

class FailureScenes {
  constructor(root) {
    // The project's scripts as V8 names them: file URLs, of the real path too, since the
    // CommonJS loader resolves symlinks.
    this.roots = [...new Set([root, fs.realpathSync(root)])].map((r) => pathToFileURL(r).href.replace(/\/?$/, '/'));
    this.scripts = new Map(); // scriptId -> path, of project scripts only
    this.scenes = new WeakMap(); // thrown object -> scene
    this.primitive = null; // { value, scene } for a thrown string, number...
    this.pauses = 0;
    this.pausing = true;
    this.identity = false; // while capturing: whether the thrown value is an object
    this.thrown = undefined; // ... and which
    this.session = new inspector.Session();
    this.session.connect();
    this.session.on('Debugger.scriptParsed', ({ params }) => this.onScript(params));
    this.session.on('Debugger.paused', ({ params }) => this.onPaused(params));
    globalThis[HOOK] = (thrown, scopes) => this.collect(thrown, scopes);
    this.call('Debugger.enable');
    this.call('Debugger.setBlackboxPatterns', { patterns: [`^(?!${this.roots.map(escapeRegExp).join('|')})`, '/node_modules/'] });
    this.call('Debugger.setPauseOnExceptions', { state: 'all' });
  }

  call(method, params) {
    return postSync(this.session, method, params);
  }

  onScript({ scriptId, url }) {
    if (url.includes('/node_modules/') || !this.roots.some((r) => url.startsWith(r))) return;
    try {
      this.scripts.set(scriptId, fileURLToPath(url));
    } catch (e) {
      // Not a file URL: not a project file.
    }
  }

  onPaused(params) {
    try {
      if ((params.reason === 'exception' || params.reason === 'promiseRejection') && ++this.pauses <= MAX_PAUSES) {
        this.capture(params);
      }
    } catch (e) {
      // A scene is never worth failing the invocation for.
    } finally {
      this.session.post('Debugger.resume');
    }
    if (this.pauses >= MAX_PAUSES && this.pausing) this.pause(false);
  }

  pause(on) {
    this.pausing = on;
    try {
      this.call('Debugger.setPauseOnExceptions', { state: on ? 'all' : 'none' });
    } catch (e) {
      // The session is gone: nothing pauses.
    }
  }

  // The bootstrap, before each invocation.
  beginInvocation() {
    this.pauses = 0;
    if (!this.pausing) this.pause(true);
  }

  capture(params) {
    const frames = params.callFrames.filter((f) => this.scripts.has(f.location.scriptId)).slice(0, MAX_FRAMES);
    if (!frames.length) return;
    const scopes = [];
    const counts = [];
    for (const frame of frames) {
      const own = frame.scopeChain.filter((s) => (s.type === 'local' || s.type === 'block' || s.type === 'catch') && s.object.objectId);
      for (const scope of own) scopes.push({ objectId: scope.object.objectId });
      counts.push(own.length);
    }
    // One call renders every scope, with the thrown value as `this`: its identity, so that a
    // rethrow keeps the scene of the first throw. A thrown primitive is matched by value.
    const thrown = params.data || {};
    this.identity = Boolean(thrown.objectId);
    this.thrown = undefined;
    let rendered = [];
    const self = thrown.objectId || (scopes.length && scopes[0].objectId);
    if (self) {
      const { result } = this.call('Runtime.callFunctionOn', {
        objectId: self, functionDeclaration: COLLECT, arguments: scopes, returnByValue: true, silent: true,
      });
      rendered = result && result.value;
      if (!Array.isArray(rendered)) return; // seen before, or it failed
    }
    let next = 0;
    const scene = { frames: [] };
    frames.forEach((frame, i) => {
      const locals = {};
      let count = 0;
      // Innermost scopes first: a block's binding shadows the function's.
      for (const scope of rendered.slice(next, next + counts[i])) {
        for (const [name, text] of scope) {
          if (name in locals) continue;
          if (count++ >= MAX_LOCALS) break;
          locals[name] = text;
        }
      }
      next += counts[i];
      scene.frames.push({ name: frame.functionName || '(anonymous)', file: this.scripts.get(frame.location.scriptId), line: this.line(frame), locals });
    });
    scene.frames.reverse(); // outermost first, where it was thrown last
    if (this.identity) this.scenes.set(this.thrown, scene);
    else this.primitive = { value: thrown.value, scene };
    this.thrown = undefined;
  }

  // Runs inside the paused process (through the inspector): the scopes' variables as text.
  collect(thrown, scopes) {
    if (this.identity) {
      if (this.scenes.has(thrown)) return null;
      this.thrown = thrown;
    }
    return scopes.map((scope) => {
      const entries = [];
      for (const name of Object.getOwnPropertyNames(scope)) {
        if (DUNDER.test(name)) continue;
        const slot = Object.getOwnPropertyDescriptor(scope, name);
        entries.push([name, slot && 'value' in slot ? render(name, slot.value) : '<accessor>']);
      }
      return entries;
    });
  }

  // 1-based, in the source a file was compiled from when it has a source map (TypeScript).
  line(frame) {
    const { scriptId, lineNumber, columnNumber } = frame.location;
    return originalLine(this.scripts.get(scriptId), lineNumber, columnNumber);
  }


  // The scene of the exception that failed an invocation, if one was captured.
  take(error) {
    if ((typeof error === 'object' && error !== null) || typeof error === 'function') return this.scenes.get(error);
    if (this.primitive && Object.is(this.primitive.value, error)) return this.primitive.scene || undefined;
    return undefined;
  }
}

// A scene from a thrown error's stack alone: the project's frames, without locals. For the
// first failure of an instance, before the capture is enabled (see start).
function stackScene(error, root) {
  const stack = error && typeof error.stack === 'string' ? error.stack : '';
  const roots = [...new Set([root, fs.realpathSync(root)])].map((r) => r.replace(/\/?$/, '/'));
  const frames = [];
  for (const line of stack.split('\n')) {
    const m = /^\s*at (?:(.*?) \()?(.*?):(\d+):(\d+)\)?$/.exec(line);
    if (!m) continue;
    let file = m[2];
    if (file.startsWith('file://')) {
      try {
        file = fileURLToPath(file);
      } catch (e) {
        continue;
      }
    }
    if (file.includes('/node_modules/') || !roots.some((r) => file.startsWith(r))) continue;
    const lineNumber = originalLine(file, Number(m[3]) - 1, Number(m[4]) - 1);
    frames.push({ name: (m[1] || '(anonymous)').replace(/^async /, ''), file, line: lineNumber, locals: {} });
    if (frames.length >= MAX_FRAMES) break;
  }
  return frames.length ? { frames: frames.reverse() } : null;
}

// The capture, or null where it must not (or cannot) run.
function start(root) {
  // A debugger the developer started (--inspect) owns pausing.
  if (inspector.url()) return null;
  try {
    return new FailureScenes(root);
  } catch (e) {
    process.stderr.write(`[nimbus] failure scenes are off: ${e.message}\n`);
    return null;
  }
}

module.exports = { start, stackScene };
