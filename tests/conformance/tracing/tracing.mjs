// Conformance of the simulator's traces with real SDKs calling functions from functions.
//
//   node tracing.mjs PATH/TO/bin     (the folder holding nimbus-sim and nimbus)
//
// A request with a W3C traceparent reaches `front` (Python) through the gateway; front invokes
// `middle` (Node) with boto3; middle invokes `leaf` (Python) asynchronously with the AWS SDK
// for JavaScript (pinned in package-lock.json), which finds the simulator through
// AWS_ENDPOINT_URL_LAMBDA and carries the trace in X-Amzn-Trace-Id as it does on Lambda.
// Then `nimbus traces --json` must show one trace whose spans nest
//   GET /front -> front -> Invoke middle -> middle -> Invoke leaf -> leaf
// with the caller's trace id and parent, and `--otlp-endpoint` must export the same spans as
// OTLP/HTTP JSON to a collector (a receiver here). One "ok"/"FAIL" line per check.
import { spawn, execFileSync } from 'node:child_process';
import { createServer } from 'node:http';
import { mkdtempSync, mkdirSync, writeFileSync, readFileSync, rmSync, symlinkSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const bin = resolve(process.argv[2] ?? '');
if (!existsSync(join(bin, 'nimbus-sim')) || !existsSync(join(bin, 'nimbus'))) {
    console.error('usage: node tracing.mjs PATH/TO/bin');
    process.exit(2);
}
const work = mkdtempSync(join(tmpdir(), 'nimbus-tracing-'));
const project = join(work, 'project');
let failed = 0;
const ok = (name) => console.log(`ok - ${name}`);
const fail = (name, detail) => { console.log(`FAIL - ${name}: ${String(detail).slice(0, 600)}`); failed++; };
const check = (name, condition, detail) => (condition ? ok(name) : fail(name, detail));

mkdirSync(project);
writeFileSync(join(project, 'serverless.yml'), `service: traced
provider:
  name: aws
  runtime: python3.11
functions:
  front:
    handler: front.handler
    events:
      - httpApi: GET /front
  middle:
    handler: middle.handler
    runtime: nodejs18.x
  leaf:
    handler: leaf.handler
`);
// boto3 from Debian predates AWS_ENDPOINT_URL_LAMBDA: it is given the endpoint from it.
writeFileSync(join(project, 'front.py'), `import json, os
import boto3

def handler(event, context):
    client = boto3.client("lambda", endpoint_url=os.environ["AWS_ENDPOINT_URL_LAMBDA"])
    answer = client.invoke(FunctionName="middle", Payload=json.dumps({"from": "front"}))
    return {"statusCode": 200, "body": answer["Payload"].read().decode()}
`);
// The AWS SDK for JavaScript as deployed code uses it: no endpoint, no credentials in code.
writeFileSync(join(project, 'middle.js'), `const { LambdaClient, InvokeCommand } = require('@aws-sdk/client-lambda');
const client = new LambdaClient({});
exports.handler = async (event) => {
    await client.send(new InvokeCommand({ FunctionName: 'leaf', InvocationType: 'Event',
                                          Payload: JSON.stringify({ from: 'middle' }) }));
    return { middle: true, trace: process.env._X_AMZN_TRACE_ID };
};
`);
writeFileSync(join(project, 'leaf.py'), `def handler(event, context):
    return {"leaf": True}
`);
symlinkSync(join(here, 'node_modules'), join(project, 'node_modules'));

const env = { ...process.env };
for (const name of ['AWS_PROFILE', 'AWS_ENDPOINT_URL', 'AWS_ENDPOINT_URL_LAMBDA', 'AWS_SESSION_TOKEN'])
    delete env[name];
const sim = spawn(join(bin, 'nimbus-sim'), ['--project', project], { env, stdio: ['ignore', 'pipe', 'pipe'] });
let simLog = '';
sim.stdout.on('data', (d) => { simLog += d; });
sim.stderr.on('data', (d) => { simLog += d; });
const simExited = new Promise((r) => sim.on('exit', r));

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const nimbus = (...args) => execFileSync(join(bin, 'nimbus'), args, { env, encoding: 'utf8', timeout: 60000 });

async function main() {
    const stateFile = join(project, '.nimbus', 'sim.json');
    for (let i = 0; i < 200 && !existsSync(stateFile); i++) await sleep(50);
    const state = JSON.parse(readFileSync(stateFile, 'utf8'));
    const traceId = '4bf92f3577b34da6a3ce929d0e0e4736';
    const callerSpan = '00f067aa0ba902b7';
    const response = await fetch(`${state.gateway}/front`, {
        headers: { traceparent: `00-${traceId}-${callerSpan}-01` },
        signal: AbortSignal.timeout(60000),
    });
    const body = await response.text();
    check('the request through three functions answers', response.status === 200, `${response.status} ${body}`);
    // The leaf runs asynchronously: wait for its span.
    let trace;
    for (let i = 0; i < 100; i++) {
        const traces = JSON.parse(nimbus('traces', '--project', project, '--json'));
        trace = traces.find((t) => t.traceId === traceId);
        if (trace && trace.spans.some((s) => s.name === 'leaf')) break;
        await sleep(200);
    }
    check('nimbus traces lists the caller\'s trace', trace, JSON.stringify(trace));
    if (!trace) return;
    const byName = Object.fromEntries(trace.spans.map((s) => [s.name, s]));
    const chain = ['GET /front', 'front', 'Invoke middle', 'middle', 'Invoke leaf', 'leaf'];
    for (const name of chain)
        check(`span '${name}' is recorded`, byName[name], trace.spans.map((s) => s.name).join(', '));
    if (!chain.every((n) => byName[n])) return;
    check('the gateway span continues the caller\'s span', byName['GET /front'].parentId === callerSpan,
          byName['GET /front'].parentId);
    for (let i = 1; i < chain.length; i++)
        check(`'${chain[i]}' is a child of '${chain[i - 1]}'`,
              byName[chain[i]].parentId === byName[chain[i - 1]].spanId,
              `${byName[chain[i]].parentId} vs ${byName[chain[i - 1]].spanId}`);
    check('every span is in the caller\'s trace', trace.spans.every((s) => s.traceId === traceId), '');
    check('the asynchronous invocation is marked as such',
          byName['Invoke leaf'].attributes['faas.invocation_type'] === 'Event' && byName.leaf.kind === 'consumer',
          JSON.stringify([byName['Invoke leaf'].attributes, byName.leaf.kind]));
    const middleSaw = JSON.parse(body).trace;
    check('middle ran with _X_AMZN_TRACE_ID naming its own span',
          typeof middleSaw === 'string' && middleSaw.includes(`Parent=${byName.middle.spanId}`) &&
              middleSaw.includes(`Root=1-${traceId.slice(0, 8)}-${traceId.slice(8)}`),
          middleSaw);
    // Everything but the asynchronous tail happens while the gateway waits.
    const gateway = byName['GET /front'];
    const outside = trace.spans.filter((s) => !['leaf', 'leaf (init)', 'Invoke leaf'].includes(s.name) &&
        (s.startUs < gateway.startUs - 5000 || s.startUs + s.durationUs > gateway.startUs + gateway.durationUs + 5000));
    check('spans are timed inside the gateway\'s', outside.length === 0, JSON.stringify(outside));
    const table = nimbus('traces', '--project', project);
    check('nimbus traces prints the tree', table.includes(`trace ${traceId}`) && table.includes('Invoke middle'), table);

    // Export to an OTLP/HTTP collector.
    const received = [];
    const collector = createServer((req, res) => {
        let data = '';
        req.on('data', (c) => { data += c; });
        req.on('end', () => {
            received.push({ url: req.url, type: req.headers['content-type'], body: data });
            res.writeHead(200, { 'content-type': 'application/json' });
            res.end('{}');
        });
    });
    await new Promise((r) => collector.listen(0, '127.0.0.1', r));
    const port = collector.address().port;
    let exported = '';
    try {
        exported = await new Promise((resolveRun, rejectRun) => {
            const child = spawn(join(bin, 'nimbus'), ['traces', '--project', project, '--otlp-endpoint',
                                                      `http://127.0.0.1:${port}`], { env });
            let out = '';
            child.stdout.on('data', (d) => { out += d; });
            child.stderr.on('data', (d) => { out += d; });
            child.on('exit', (code) => (code === 0 ? resolveRun(out) : rejectRun(new Error(out))));
        });
    } catch (e) {
        fail('nimbus traces --otlp-endpoint exports', e.message);
    }
    collector.close();
    check('the collector got one OTLP request at /v1/traces',
          received.length === 1 && received[0].url === '/v1/traces' && received[0].type === 'application/json',
          JSON.stringify(received.map((r) => [r.url, r.type])) + ' ' + exported);
    if (received.length !== 1) return;
    const request = JSON.parse(received[0].body);
    const spans = request.resourceSpans.flatMap((r) => r.scopeSpans.flatMap((s) => s.spans.map(
        (span) => ({ ...span, service: r.resource.attributes.find((a) => a.key === 'service.name').value.stringValue }))));
    const exportedById = Object.fromEntries(spans.map((s) => [s.spanId, s]));
    check('every span is exported with its parent',
          trace.spans.every((s) => exportedById[s.spanId] && (exportedById[s.spanId].parentSpanId ?? '') === s.parentId),
          JSON.stringify(spans.slice(0, 3)));
    const fn = exportedById[byName.middle.spanId];
    check('times are nanosecond strings, ids hex',
          /^\d+$/.test(fn.startTimeUnixNano) && BigInt(fn.endTimeUnixNano) > BigInt(fn.startTimeUnixNano) &&
              fn.traceId === traceId,
          JSON.stringify(fn));
    check('each function is its own service', fn.service === 'nimbus:middle', fn.service);
}

try {
    await main();
} catch (e) {
    fail('the run', e.stack);
} finally {
    sim.kill('SIGTERM');
    const stopped = await Promise.race([simExited.then(() => true), sleep(10000).then(() => false)]);
    if (!stopped) sim.kill('SIGKILL');
    if (failed) console.log(simLog.split('\n').slice(-40).map((l) => `#   ${l}`).join('\n'));
    if (process.env.CONFORMANCE_KEEP) console.log(`# kept ${work}`);
    else rmSync(work, { recursive: true, force: true });
}
console.log(failed ? `${failed} check(s) failed` : 'all checks passed');
process.exit(failed ? 1 : 0);
