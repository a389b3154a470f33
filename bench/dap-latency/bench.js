'use strict';
// nimbus-dap benchmarks, run by `bench/run dap`:
//  1. step latency: time from a `next` request to its `stopped` event, over 200 steps, beside
//     Python's own pdb stepping the same loop (time from "n" to the next prompt);
//  2. cost of breakpoints elsewhere: a CPU-bound function's Duration (REPORT) with the
//     debugger attached and breakpoints set only in another file, against the same function
//     with no debugger; beside pdb with a breakpoint in another file (sys.settrace).
//  3. and 4. the same for a Node function, through V8's inspector, beside `node inspect`.
//   node bench.js --bin DIR [--steps 200] [--runs 15] [--only python|node]
const cp = require('child_process');
const fs = require('fs');
const os = require('os');
const path = require('path');
const { DebugClient } = require('@vscode/debugadapter-testsupport');

const arg = (name, fallback) => {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? process.argv[i + 1] : fallback;
};
const bin = path.resolve(arg('bin', '../../build/bin'));
const STEPS = Number(arg('steps', 200));
const RUNS = Number(arg('runs', 15));
const ONLY = arg('only', ''); // python | node: one runtime's measures

const project = fs.mkdtempSync(path.join(os.tmpdir(), 'nimbus-dap-bench-'));
for (const f of fs.readdirSync(path.join(__dirname, 'project')))
  fs.copyFileSync(path.join(__dirname, 'project', f), path.join(project, f));
const WORK = path.join(project, 'work.py');
const HELPER = path.join(project, 'helper.py');

const pct = (values, p) => {
  const s = [...values].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))];
};
const ms = (n) => `${n.toFixed(2)} ms`;
const now = () => Number(process.hrtime.bigint()) / 1e6;
const sleep = (t) => new Promise((r) => setTimeout(r, t));

async function startSimulator() {
  const sim = cp.spawn(path.join(bin, 'nimbus-sim'), ['--project', project], { stdio: 'ignore' });
  const state = path.join(project, '.nimbus', 'sim.json');
  for (let i = 0; i < 400; ++i) {
    if (fs.existsSync(state) && JSON.parse(fs.readFileSync(state)).pid === sim.pid) return sim;
    await sleep(25);
  }
  throw new Error('nimbus-sim did not start');
}

async function nimbusSteps(fn = 'steps', file = WORK, line = 8) {
  const dc = new DebugClient(path.join(bin, 'nimbus-dap'), '--stdio', 'nimbus');
  dc.defaultTimeout = 30000;
  await dc.start();
  const stoppedFirst = dc.waitForEvent('stopped');
  await Promise.all([
    dc.waitForEvent('initialized').then(async () => {
      await dc.setBreakpointsRequest({ source: { path: file }, breakpoints: [{ line }] });
      await dc.configurationDoneRequest();
    }),
    dc.launch({ type: 'nimbus', request: 'launch', project, function: fn, event: {} }),
  ]);
  await stoppedFirst;
  await dc.setBreakpointsRequest({ source: { path: file }, breakpoints: [] });
  const times = [];
  for (let i = 0; i < STEPS; ++i) {
    const stopped = dc.waitForEvent('stopped');
    const t0 = now();
    await dc.nextRequest({ threadId: 1 });
    await stopped;
    times.push(now() - t0);
  }
  await dc.stop();
  return times;
}

// pdb over a pipe: "n" and the time until its next "(Pdb) " prompt.
async function pdbSteps() {
  const script = `import sys; sys.path.insert(0, ${JSON.stringify(project)}); import pdb, work; pdb.run('work.steps(None, None)')`;
  const py = cp.spawn('python3', ['-c', script], { stdio: ['pipe', 'pipe', 'inherit'] });
  let buffer = '';
  let waiter = null;
  py.stdout.on('data', (d) => {
    buffer += d;
    if (waiter && buffer.includes('(Pdb) ')) { const w = waiter; waiter = null; buffer = ''; w(); }
  });
  const prompt = () => new Promise((resolve) => {
    if (buffer.includes('(Pdb) ')) { buffer = ''; resolve(); } else waiter = resolve;
  });
  await prompt();
  py.stdin.write(`tbreak ${WORK}:8\n`); await prompt(); // gone once hit, as in nimbusSteps
  py.stdin.write('c\n'); await prompt();
  const times = [];
  for (let i = 0; i < STEPS; ++i) {
    const t0 = now();
    py.stdin.write('n\n');
    await prompt();
    times.push(now() - t0);
  }
  py.kill();
  return times;
}

// Node's own CLI debugger (`node inspect`, over the inspector protocol too) stepping the
// same loop: "next" and the time until its next "debug> " prompt.
async function nodeInspectSteps() {
  const driver = path.join(project, 'drive.js');
  fs.writeFileSync(driver, "require('./work.js').steps();\n");
  const node = cp.spawn(process.execPath, ['inspect', driver], { cwd: project, stdio: ['pipe', 'pipe', 'pipe'] });
  let buffer = '';
  let waiter = null;
  const onData = (d) => {
    buffer += d;
    if (waiter && buffer.includes('debug> ')) { const w = waiter; waiter = null; buffer = ''; w(); }
  };
  node.stdout.on('data', onData);
  node.stderr.on('data', onData);
  const prompt = () => new Promise((resolve) => {
    if (buffer.includes('debug> ')) { buffer = ''; resolve(); } else waiter = resolve;
  });
  await prompt();
  node.stdin.write(`setBreakpoint('work.js', 8)\n`); await prompt();
  node.stdin.write('cont\n'); await prompt(); // stopped at work.js:8
  node.stdin.write(`clearBreakpoint('work.js', 8)\n`); await prompt();
  const times = [];
  for (let i = 0; i < STEPS; ++i) {
    const t0 = now();
    node.stdin.write('next\n');
    await prompt();
    times.push(now() - t0);
  }
  node.kill();
  return times;
}

function invokeDuration(event, fn = 'cpu') {
  const run = cp.spawnSync(path.join(bin, 'nimbus'), ['invoke', fn, '--project', project, '--data', JSON.stringify(event)], { encoding: 'utf8' });
  const m = /REPORT RequestId: \S+\tDuration: ([0-9.]+) ms/.exec(run.stderr);
  if (!m) throw new Error(`no REPORT in: ${run.stderr}`);
  return Number(m[1]);
}

async function cpuDurations(attached, fn = 'cpu', helper = HELPER) {
  let dc = null;
  if (attached) {
    dc = new DebugClient(path.join(bin, 'nimbus-dap'), '--stdio', 'nimbus');
    dc.defaultTimeout = 30000;
    await dc.start();
    await dc.initializeRequest();
    await dc.setBreakpointsRequest({ source: { path: helper }, breakpoints: [{ line: 5 }] });
    await dc.attachRequest({ type: 'nimbus', request: 'attach', project, function: fn });
    await dc.configurationDoneRequest();
  }
  invokeDuration({}, fn); // warm (and, attached, the debug instance connects)
  const durations = [];
  for (let i = 0; i < RUNS; ++i) durations.push(invokeDuration({}, fn));
  if (dc) await dc.stop();
  return durations;
}

// The same work in plain Python, and under pdb (sys.settrace) with a breakpoint in another
// file that the work never reaches: pdb's first prompt is answered "c".
function pythonCpu(withPdb) {
  const script = `import sys, time, json; sys.path.insert(0, ${JSON.stringify(project)}); import work
def timed():
    out = []
    for i in range(${RUNS + 1}):
        t = time.perf_counter(); work.cpu({}, None); out.append((time.perf_counter() - t) * 1000)
    return out[1:]
if ${withPdb ? 'True' : 'False'}:
    import pdb; d = pdb.Pdb(); d.set_break(${JSON.stringify(HELPER)}, 5); out = d.runcall(timed)
else:
    out = timed()
print("TIMES " + json.dumps(out))`;
  const run = cp.spawnSync('python3', ['-c', script], { encoding: 'utf8', input: 'c\n' });
  const line = run.stdout.split('\n').find((l) => l.includes('TIMES '));
  if (!line) throw new Error(`python3 said: ${run.stdout}${run.stderr}`);
  return JSON.parse(line.slice(line.indexOf('TIMES ') + 6));
}

const progress = (what) => process.stderr.write(`bench/run dap: ${what}\n`);

(async () => {
  const sim = await startSimulator();
  try {
    if (ONLY !== 'node') await pythonBench();
    if (ONLY !== 'python') await nodeBench();
  } finally {
    sim.kill('SIGTERM');
    await new Promise((r) => sim.on('exit', r));
    fs.rmSync(project, { recursive: true, force: true });
  }
})();

async function pythonBench() {
  {
    progress('stepping with nimbus-dap');
    const steps = await nimbusSteps();
    progress('stepping with pdb');
    const pdb = await pdbSteps();
    // Without and with the debugger in turn, three rounds, so drift in the machine's speed
    // falls on both alike.
    const plain = [];
    const debugged = [];
    for (let round = 1; round <= 3; ++round) {
      progress(`the CPU-bound function without a debugger (round ${round} of 3)`);
      plain.push(...await cpuDurations(false));
      progress(`the CPU-bound function with nimbus-dap attached (round ${round} of 3)`);
      debugged.push(...await cpuDurations(true));
    }
    progress('plain python3 and pdb');
    const pyPlain = pythonCpu(false);
    const pyPdb = pythonCpu(true);
    console.log(`python ${cp.execSync('python3 --version').toString().trim()}, ${STEPS} steps, 3 x ${RUNS} runs of the CPU-bound function each way\n`);
    console.log('| stepping | next → stopped p50 | p99 |');
    console.log('|---|---|---|');
    console.log(`| nimbus-dap (DAP, through the agent in the function's instance) | ${ms(pct(steps, 50))} | ${ms(pct(steps, 99))} |`);
    console.log(`| pdb (in-process, over a pipe) | ${ms(pct(pdb, 50))} | ${ms(pct(pdb, 99))} |`);
    console.log('\n| CPU-bound function | median | slowdown |');
    console.log('|---|---|---|');
    const base = pct(plain, 50);
    console.log(`| simulator, no debugger (REPORT Duration) | ${ms(base)} | 1.00x |`);
    console.log(`| simulator, nimbus-dap attached, breakpoint in another file | ${ms(pct(debugged, 50))} | ${(pct(debugged, 50) / base).toFixed(2)}x |`);
    const pyBase = pct(pyPlain, 50);
    console.log(`| plain python3 | ${ms(pyBase)} | 1.00x |`);
    console.log(`| python3 under pdb, breakpoint in another file | ${ms(pct(pyPdb, 50))} | ${(pct(pyPdb, 50) / pyBase).toFixed(2)}x |`);
    const slowdown = pct(debugged, 50) / base;
    console.log(`\n${pct(steps, 99) < 20 ? 'met' : 'MISSED'}: step p99 < 20 ms`);
    console.log(`${slowdown < 1.1 ? 'met' : 'MISSED'}: slowdown with breakpoints elsewhere < 10% (${((slowdown - 1) * 100).toFixed(1)}%)`);
  }
}

// Node: the same two measures through V8's inspector, beside `node inspect`.
async function nodeBench() {
  {
    progress('stepping a Node function with nimbus-dap');
    const nodeSteps = await nimbusSteps('nodeSteps', path.join(project, 'work.js'), 8);
    progress('stepping with node inspect');
    const inspectSteps = await nodeInspectSteps();
    const nodePlain = [];
    const nodeDebugged = [];
    for (let round = 1; round <= 3; ++round) {
      progress(`the Node CPU-bound function without a debugger (round ${round} of 3)`);
      nodePlain.push(...await cpuDurations(false, 'nodeCpu', path.join(project, 'helper.js')));
      progress(`the Node CPU-bound function with nimbus-dap attached (round ${round} of 3)`);
      nodeDebugged.push(...await cpuDurations(true, 'nodeCpu', path.join(project, 'helper.js')));
    }
    console.log(`\nnode ${process.version}\n`);
    console.log('| stepping (Node) | next → stopped p50 | p99 |');
    console.log('|---|---|---|');
    console.log(`| nimbus-dap (DAP → CDP, V8 inspector in the function's instance) | ${ms(pct(nodeSteps, 50))} | ${ms(pct(nodeSteps, 99))} |`);
    console.log(`| node inspect (Node's CLI debugger, CDP) | ${ms(pct(inspectSteps, 50))} | ${ms(pct(inspectSteps, 99))} |`);
    console.log('\n| CPU-bound Node function | median | slowdown |');
    console.log('|---|---|---|');
    const nodeBase = pct(nodePlain, 50);
    console.log(`| simulator, no debugger (REPORT Duration) | ${ms(nodeBase)} | 1.00x |`);
    console.log(`| simulator, nimbus-dap attached, breakpoint in another file | ${ms(pct(nodeDebugged, 50))} | ${(pct(nodeDebugged, 50) / nodeBase).toFixed(2)}x |`);
    const nodeSlowdown = pct(nodeDebugged, 50) / nodeBase;
    console.log(`\n${pct(nodeSteps, 99) < 20 ? 'met' : 'MISSED'}: Node step p99 < 20 ms`);
    console.log(`${nodeSlowdown < 1.05 ? 'met' : 'MISSED'}: Node slowdown with breakpoints elsewhere < 5% (${((nodeSlowdown - 1) * 100).toFixed(1)}%)`);
  }
}
