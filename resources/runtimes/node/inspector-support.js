'use strict';
// What the bootstrap's in-process inspector users (failure-scene.js, profiler.js) share.

// A session's method, answered synchronously (an in-process session on the same thread
// answers before post() returns, also while paused).
function postSync(session, method, params) {
  let failure = null;
  let answer;
  session.post(method, params, (err, result) => {
    failure = err;
    answer = result;
  });
  if (failure) throw failure;
  return answer;
}

// The 1-based line of a 0-based position in `file`, in its source when it was compiled with a
// source map (TypeScript), else as it is.
function originalLine(file, lineNumber, columnNumber) {
  if (file) {
    try {
      const map = require('module').findSourceMap(file);
      const entry = map && map.findEntry(lineNumber, columnNumber || 0);
      if (entry && typeof entry.originalLine === 'number') return entry.originalLine + 1;
    } catch (e) {
      // The generated line, then.
    }
  }
  return lineNumber + 1;
}

module.exports = { postSync, originalLine };
