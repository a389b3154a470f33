'use strict';
// The few lines of test runner the JavaScript conformance suites share: test(name, fn)
// registers a check; run(done) runs them in order, prints "ok - NAME" or "FAIL - NAME" with
// the stack, then "N passed, M failed", calls done() to tidy up and exits 1 if any failed.
// ONLY=text runs the checks whose names contain it (for a developer chasing one).
const tests = [];

function test(name, fn) {
  tests.push([name, fn]);
}

function run(done = () => {}) {
  (async () => {
    let passed = 0;
    let failed = 0;
    for (const [name, fn] of tests.filter(([n]) => !process.env.ONLY || n.includes(process.env.ONLY))) {
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
    done();
    process.exit(failed ? 1 : 0);
  })();
}

module.exports = { test, run };
