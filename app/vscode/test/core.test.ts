// Unit tests of the extension's own logic (src/core: no VS Code API), with Node's test runner.
import { strict as assert } from 'node:assert';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { test } from 'node:test';
import { aliasArgs, checkAliasName, deployArgs, logsArgs, parseSplit, publishArgs } from '../src/core/commands';
import { checkConfiguration, configurationFor, functionForFile } from '../src/core/debugconfig';
import { describeSplit, formatBytes, parseDeployed } from '../src/core/deployed';
import { listSavedEvents, parseEvent } from '../src/core/events';
import { ProjectFunction, contextValue, groupFunctions, isDebuggable, parseFunctionList } from '../src/core/functions';
import { formatReport, parseReport } from '../src/core/report';
import { resolveServers } from '../src/core/servers';
import { eventLine, parseBatch } from '../src/core/simevents';
import { signGet } from '../src/core/sigv4';
import { readSimState } from '../src/core/simstate';

const tempDir = () => fs.mkdtempSync(path.join(os.tmpdir(), 'nimbus-vscode-test-'));

// What nimbus-lsp's nimbus.listFunctions answers for a project with one function of each kind.
const listed = [
    { name: 'hello', kind: 'event', runtime: 'python3.11', handler: 'handler.hello', deployedName: 'svc-dev-hello',
        memorySize: 256, timeout: 10, events: ['httpApi GET /hello'],
        manifest: { file: '/p/serverless.yml', line: 17, column: 2 }, definition: { file: '/p/handler.py', line: 4, column: 4 } },
    { name: 'api', kind: 'http', runtime: 'nodejs20.x', handler: 'app.handle', deployedName: 'svc-dev-api', events: [] },
    { name: 'web', kind: 'service', runtime: 'python3.11', handler: 'python app.py', deployedName: 'svc-dev-web', events: [] },
    { name: 'native', kind: 'event', runtime: 'provided.al2', handler: 'bootstrap', deployedName: 'svc-dev-native', events: [] },
];
const functions = parseFunctionList(listed);

test('a REPORT line is read into its figures, cold or warm', () => {
    const log = 'START RequestId: abc Version: $LATEST\nhello\nEND RequestId: abc\n' +
        'REPORT RequestId: abc\tDuration: 1.25 ms\tBilled Duration: 2 ms\tMemory Size: 256 MB\tMax Memory Used: 41 MB\tInit Duration: 80.5 ms\n';
    assert.deepEqual(parseReport(log), { requestId: 'abc', durationMs: 1.25, billedDurationMs: 2, memorySizeMb: 256, maxMemoryUsedMb: 41, initDurationMs: 80.5 });
    assert.equal(formatReport(parseReport(log)!), 'Duration 1.25 ms (Billed 2 ms) · Max Memory Used 41 MB of 256 MB · cold start (Init Duration 80.5 ms)');
    const warm = parseReport('REPORT RequestId: x  Duration: 3 ms  Billed Duration: 3 ms  Memory Size: 128 MB  Max Memory Used: 30 MB');
    assert.equal(warm?.initDurationMs, undefined);
    assert.equal(warm?.durationMs, 3);
    assert.match(formatReport(warm!), /warm$/);
    // An invocation that waited for a busy instance says so.
    const queued = parseReport('REPORT RequestId: q\tDuration: 2 ms\tBilled Duration: 2 ms\tMemory Size: 128 MB\tMax Memory Used: 30 MB\tQueued: 12.5 ms\t\n');
    assert.equal(queued?.queuedMs, 12.5);
    assert.match(formatReport(queued!), /warm · queued 12\.5 ms for an instance$/);
    assert.equal(parseReport('no report here'), undefined);
    // Tencent Cloud SCF's lines.
    const scf = 'START RequestId: r1\nEvent RequestId: r1\nEND RequestId: r1\n' +
        'Init Report RequestId: r1 Coldstart: 85ms\nReport RequestId: r1 Duration:3ms Memory:128MB MemUsage:12MB\n';
    assert.deepEqual(parseReport(scf), { requestId: 'r1', durationMs: 3, memorySizeMb: 128, maxMemoryUsedMb: 12, initDurationMs: 85 });
    assert.equal(formatReport(parseReport(scf)!), 'Duration 3 ms · Max Memory Used 12 MB of 128 MB · cold start (Init Duration 85 ms)');
    assert.deepEqual(parseReport('Report RequestId: r2 Duration:1ms Memory:256MB MemUsage:10.5MB'),
        { requestId: 'r2', durationMs: 1, memorySizeMb: 256, maxMemoryUsedMb: 10.5 });
});

test('the last of several REPORT lines is the one shown', () => {
    assert.equal(parseReport('REPORT RequestId: a\tDuration: 1 ms\nREPORT RequestId: b\tDuration: 2 ms\n')?.requestId, 'b');
});

test('functions are grouped by kind, in a fixed order, empty groups left out', () => {
    const groups = groupFunctions(functions);
    assert.deepEqual(groups.map((g) => [g.label, g.functions.map((f) => f.name)]), [
        ['Event functions', ['hello', 'native']], ['HTTP functions', ['api']], ['HTTP services', ['web']],
    ]);
    assert.deepEqual(groupFunctions(functions.filter((f) => f.kind === 'http')).map((g) => g.label), ['HTTP functions']);
});

test('a malformed function list is an error that says what is wrong', () => {
    assert.throws(() => parseFunctionList({}), /did not answer a list/);
    assert.throws(() => parseFunctionList([{ kind: 'event' }]), /entry 0 has no name/);
});

test('what can be invoked and debugged follows kind and runtime', () => {
    const byName = (n: string) => functions.find((f) => f.name === n)!;
    assert.equal(contextValue(byName('hello')), 'function invokable debuggable');
    assert.equal(contextValue(byName('api')), 'function debuggable');
    assert.equal(contextValue(byName('web')), 'function');
    assert.equal(contextValue(byName('native')), 'function invokable');
    assert.equal(isDebuggable(byName('native')), false);
});

test('debug configurations: launch for events, attach for http functions, none for services', () => {
    const [hello, api, web] = functions;
    assert.deepEqual(configurationFor(hello, '/p'), { type: 'nimbus', request: 'launch', name: 'Debug hello', project: '/p', function: 'hello', event: {} });
    assert.equal(configurationFor(api, '/p')?.request, 'attach');
    assert.equal(configurationFor(web, '/p'), undefined);
});

test('F5 in a handler module debugs the function it defines', () => {
    assert.equal(functionForFile(functions, '/p/handler.py')?.name, 'hello');
    assert.equal(functionForFile(functions, '/p/other.py'), undefined);
    assert.equal(functionForFile(functions, undefined), undefined);
});

test('a launch configuration is checked against the manifest, naming the attribute', () => {
    const ok = { type: 'nimbus', name: 'Debug hello', request: 'launch', project: '/p', function: 'hello' };
    assert.equal(checkConfiguration(ok, functions), undefined);
    assert.equal(checkConfiguration(ok, undefined), undefined);
    assert.match(checkConfiguration({ ...ok, request: 'run' }, functions)!, /"request" must be "launch".*or "attach"/);
    assert.match(checkConfiguration({ ...ok, project: '' }, functions)!, /"project" must be the folder holding serverless.yml/);
    assert.match(checkConfiguration({ ...ok, function: undefined }, functions)!, /"function" must name a function from serverless.yml \(hello, api, web, native\)/);
    assert.match(checkConfiguration({ ...ok, function: 'helo' }, functions)!, /no function "helo"; its functions are hello, api, web, native/);
    assert.match(checkConfiguration({ ...ok, function: 'web' }, functions)!, /http service/);
    // A replayed failure names no function: the adapter takes it from the failure.
    assert.equal(checkConfiguration({ ...ok, function: undefined, replay: 12 }, functions), undefined);
    assert.equal(checkConfiguration({ ...ok, function: undefined, replay: 'c0ffee-1' }, functions), undefined);
    assert.match(checkConfiguration({ ...ok, function: undefined, replay: true }, functions)!, /"replay" must be a failure's number or request id/);
    assert.match(checkConfiguration({ ...ok, function: 'native' }, functions)!, /provided.al2; Nimbus debugs Python and Node.js/);
    assert.match(checkConfiguration({ ...ok, function: 'api' }, functions)!, /"request": "attach"/);
    assert.equal(checkConfiguration({ ...ok, function: 'api', request: 'attach' }, functions), undefined);
    assert.match(checkConfiguration({ ...ok, eventFile: 3 }, functions)!, /"eventFile" must be a path/);
});

test('bundled servers are found in the extension, with their resources', () => {
    const s = resolveServers({ serverPath: '', resourcesPath: '' }, '/ext', () => true);
    assert.equal(s.lsp, '/ext/server/bin/nimbus-lsp');
    assert.equal(s.cli, '/ext/server/bin/nimbus');
    assert.equal(s.source, 'bundled');
    assert.deepEqual(s.env, { NIMBUS_RESOURCES: '/ext/server/share/nimbus' });
});

test('nimbus.serverPath points at other servers, ~ expanded; their own resources unless set', () => {
    const s = resolveServers({ serverPath: '~/nimbus/build/bin', resourcesPath: '' }, '/ext', () => true, '/home/u');
    assert.equal(s.dap, '/home/u/nimbus/build/bin/nimbus-dap');
    assert.deepEqual(s.env, {});
    const r = resolveServers({ serverPath: '/b/bin', resourcesPath: '/src/resources' }, '/ext', () => true);
    assert.deepEqual(r.env, { NIMBUS_RESOURCES: '/src/resources' });
});

test('a missing server is named, with where it was looked for and what to do', () => {
    assert.throws(() => resolveServers({ serverPath: '/nowhere', resourcesPath: '' }, '/ext', (f) => !f.endsWith('nimbus-dap')),
        /nimbus.serverPath: no executable nimbus-dap in \/nowhere\. Set it to the folder holding/);
    assert.throws(() => resolveServers({ serverPath: '', resourcesPath: '' }, '/ext', () => false),
        /bundled with this extension are missing \(nimbus-lsp, nimbus-dap, nimbus-sim, nimbus in \/ext\/server\/bin\)/);
});

test('deployed functions are read from `nimbus functions --json`; aliases show their split', () => {
    const deployed = parseDeployed(JSON.stringify([
        { name: 'svc-dev-hello', runtime: 'python3.11', handler: 'handler.hello', codeSize: 1403, deployed: true, description: '',
            lastModified: 't', versions: ['1', '2'], aliases: [{ name: 'live', version: '1', weights: { 2: 0.1 } }] },
        { name: 'svc-dev-gone', deployed: false },
    ]));
    assert.equal(deployed.length, 1);
    assert.deepEqual(deployed[0].versions, ['1', '2']);
    assert.equal(describeSplit(deployed[0].aliases[0]), 'v1 90% · v2 10%');
    assert.equal(describeSplit({ name: 'a', version: '3', weights: {} }), 'v3');
    assert.throws(() => parseDeployed('nimbus: no simulator'), /not JSON/);
    assert.equal(formatBytes(1403), '1.4 KB');
    assert.equal(formatBytes(512), '512 B');
});

test('command lines for deploy, publish, aliases and logs carry project and stage', () => {
    const t = { project: '/p', stage: 'prod' };
    assert.deepEqual(deployArgs(t), ['deploy', '--project', '/p', '--stage', 'prod']);
    assert.deepEqual(deployArgs({ project: '/p', stage: '' }), ['deploy', '--project', '/p']);
    assert.deepEqual(publishArgs(t, 'f', '  fix  '), ['publish', 'f', '--description', 'fix', '--project', '/p', '--stage', 'prod']);
    assert.deepEqual(logsArgs(t, 'f', true), ['logs', 'f', '--since', '1h', '--tail', '--project', '/p', '--stage', 'prod']);
    assert.deepEqual(aliasArgs(t, 'f', 'live', '1', { version: '2', primaryPercent: 90 }),
        ['alias', 'f', 'live', '--version', '1', '--weight', '2=0.1', '--project', '/p', '--stage', 'prod']);
    assert.deepEqual(aliasArgs(t, 'f', 'live', '1', { version: '2', primaryPercent: 100 }).slice(0, 5), ['alias', 'f', 'live', '--version', '1']);
    assert.ok(!aliasArgs(t, 'f', 'live', '1', { version: '2', primaryPercent: 100 }).includes('--weight'));
    assert.deepEqual(aliasArgs(t, 'f', 'live', '1', { version: '2', primaryPercent: 33.3 })[6], '2=0.667');
});

test('alias names and traffic percentages are checked as typed', () => {
    assert.equal(checkAliasName('live'), undefined);
    assert.match(checkAliasName('12')!, /only digits/);
    assert.match(checkAliasName('no spaces')!, /letters, digits/);
    assert.deepEqual(parseSplit('90%'), { primaryPercent: 90 });
    assert.ok('error' in parseSplit('101'));
    assert.ok('error' in parseSplit('ninety'));
});

test('saved events: the function\'s own first, then the project\'s', () => {
    const dir = tempDir();
    fs.mkdirSync(path.join(dir, 'events', 'hello'), { recursive: true });
    fs.writeFileSync(path.join(dir, 'events', 'hello', 'ann.json'), '{"name":"Ann"}');
    fs.writeFileSync(path.join(dir, 'events', 'hello.json'), '{}');
    fs.writeFileSync(path.join(dir, 'events', 'apigw.json'), '{}');
    fs.writeFileSync(path.join(dir, 'events', 'notes.txt'), 'not an event');
    assert.deepEqual(listSavedEvents(dir, 'hello').map((e) => e.label), ['events/hello/ann.json', 'events/hello.json', 'events/apigw.json']);
    assert.deepEqual(listSavedEvents(dir, 'other').map((e) => e.label), ['events/apigw.json', 'events/hello.json']);
    assert.deepEqual(listSavedEvents(path.join(dir, 'missing'), 'hello'), []);
    fs.rmSync(dir, { recursive: true });
});

test('a typed event that is not JSON is answered with its line and column', () => {
    assert.deepEqual(parseEvent('', 'e'), { event: {} });
    assert.deepEqual(parseEvent('{"a": 1}', 'e'), { event: { a: 1 } });
    const bad = parseEvent('{\n  "a": 1,\n  "b": }', 'events/x.json');
    assert.ok('error' in bad);
    assert.match(bad.error, /^events\/x.json:3:8: not valid JSON/);
    assert.match((parseEvent('{"a": 1,}', 'e') as { error: string }).error, /^e:1:9: not valid JSON: (property name|value) expected/);
    assert.ok('error' in parseEvent('{} // note', 'e'));
});

test('sim.json names a running simulator only while its process lives', () => {
    const dir = tempDir();
    assert.equal(readSimState(dir, () => true), undefined);
    fs.mkdirSync(path.join(dir, '.nimbus'));
    const state = { pid: 4242, controlPlane: 'http://127.0.0.1:1', gateway: 'http://127.0.0.1:2', service: 's', stage: 'dev', region: 'eu-west-1',
        credentials: { accessKeyId: 'NIMBEXAMPLE', secretAccessKey: 'secret' } };
    fs.writeFileSync(path.join(dir, '.nimbus', 'sim.json'), JSON.stringify(state));
    assert.deepEqual(readSimState(dir, (pid) => pid === 4242), state);
    assert.equal(readSimState(dir, () => false), undefined);
    fs.writeFileSync(path.join(dir, '.nimbus', 'sim.json'), '{ half');
    assert.equal(readSimState(dir, () => true), undefined);
    fs.rmSync(dir, { recursive: true });
});

// Keep ProjectFunction in use for the type checker's sake in the fixtures above.
const _typed: ProjectFunction[] = functions;
void _typed;

test('SigV4 signs as AWS\'s own test suite says (get-vanilla, get-vanilla-query-order-key-case)', () => {
    const credentials = { accessKeyId: 'AKIDEXAMPLE', secretAccessKey: 'wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY' };
    const when = new Date('2015-08-30T12:36:00Z');
    const vanilla = signGet(new URL('https://example.amazonaws.com/'), credentials, 'us-east-1', 'service', when);
    assert.equal(vanilla['x-amz-date'], '20150830T123600Z');
    assert.equal(vanilla.authorization, 'AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/service/aws4_request, ' +
        'SignedHeaders=host;x-amz-date, Signature=5fa00fa31553b73ebf1942676e86291e8372ff2a2260956d9b8aae1d763fbf31');
    const ordered = signGet(new URL('https://example.amazonaws.com/?Param2=value2&Param1=value1'), credentials, 'us-east-1', 'service', when);
    assert.match(ordered.authorization, /Signature=b97d918cfa904a5beff61c982a1b6f458b799221646efd99d3219ec94cdf2500$/);
});

test('the event stream\'s events become log lines', () => {
    const batch = parseBatch(JSON.stringify({ events: [
        { type: 'log', function: 'hello', line: 'START RequestId: 1' },
        { type: 'instance', function: 'hello', state: 'idle' },
        { type: 'platform', message: 'changed: handler.py' },
    ], next: 3, dropped: 0 }));
    assert.deepEqual(batch.events.map(eventLine).filter(Boolean), ['hello START RequestId: 1', '[nimbus] changed: handler.py']);
    assert.throws(() => parseBatch('{"message": "denied"}'), /something else than a batch/);
});
