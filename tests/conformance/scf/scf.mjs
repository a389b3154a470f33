// Conformance of the simulator's SCF API 3.0 front with Tencent's own Node SDK
// (tencentcloud-sdk-nodejs-scf, pinned in package-lock.json), pointed at the local endpoint
// as a user points it at Tencent Cloud: TC3-signed requests, SCF's envelope and error codes.
//
//   node scf.mjs PATH/TO/bin     (the folder holding nimbus-sim)
//
// Creates Python and Node event functions from zip packages, reads them back, invokes them
// synchronously with the Tail log, asynchronously, and through InvokeFunction; a function's
// error in SCF's ErrMsg; configuration and code updates; versions, an alias that splits
// traffic between two versions by weight; lists; logs by request id; deletes; and refuses
// a request signed with the wrong key or an unknown SecretId. One "ok"/"FAIL" line per check.
import { spawn, execFileSync } from 'node:child_process';
import { mkdtempSync, mkdirSync, writeFileSync, readFileSync, rmSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createRequire } from 'node:module';

const here = dirname(fileURLToPath(import.meta.url));
const tencentcloud = createRequire(import.meta.url)(join(here, 'node_modules', 'tencentcloud-sdk-nodejs-scf'));
const ScfClient = tencentcloud.scf.v20180416.Client;
const bin = resolve(process.argv[2] ?? '');
if (!existsSync(join(bin, 'nimbus-sim'))) {
    console.error('usage: node scf.mjs PATH/TO/bin');
    process.exit(2);
}
const work = mkdtempSync(join(tmpdir(), 'nimbus-scf-'));
const project = join(work, 'project');
let failed = 0;
const ok = (name) => console.log(`ok - ${name}`);
const fail = (name, detail) => { console.log(`FAIL - ${name}: ${String(detail).slice(0, 600)}`); failed++; };
const check = (name, condition, detail) => (condition ? ok(name) : fail(name, detail));
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

// A Serverless Components project, which `nimbus deploy` sends through the same API at the
// end; the other functions come through the SDK alone.
mkdirSync(join(project, 'src'), { recursive: true });
writeFileSync(join(project, 'serverless.yml'), `component: scf
name: api
app: demo
stage: dev
inputs:
  src: ./src
  handler: index.main_handler
  runtime: Python3.9
  region: ap-shanghai
  memorySize: 256
  timeout: 7
  environment:
    variables:
      MODE: deployed
      LEDGER: ${join(work, 'cos-events.jsonl')}
  events:
    - cos:
        parameters:
          bucket: uploads-1250000000.cos.ap-shanghai.myqcloud.com
          filter:
            prefix: incoming/
          events: cos:ObjectCreated:*
          enable: true
    - cmq:
        name: paid
        parameters:
          name: orders
          filterType: 1
          filterKey:
            - paid
`);
writeFileSync(join(project, 'src', 'index.py'), `import json, os

def main_handler(event, context):
    if "Records" in event:
        kind = ".cmq" if "CMQ" in event["Records"][0] else ""
        with open(os.environ["LEDGER"] + kind, "a") as ledger:
            ledger.write(json.dumps(event) + "\\n")
    return {"mode": os.environ.get("MODE"), "function": context["function_name"]}
`);

// A package: the files, zipped with Python's zipfile (as any zip tool would).
function zipOf(name, files) {
    const dir = join(work, name);
    mkdirSync(dir, { recursive: true });
    for (const [file, text] of Object.entries(files)) writeFileSync(join(dir, file), text);
    const zip = join(work, `${name}.zip`);
    execFileSync('/usr/bin/python3', ['-m', 'zipfile', '-c', zip, ...Object.keys(files)], { cwd: dir });
    return readFileSync(zip).toString('base64');
}
const pythonCode = (marker) => zipOf(`py-${marker}`, {
    'index.py': `import json, os

def main_handler(event, context):
    print("handling", json.dumps(event))
    if event.get("fail"):
        raise ValueError("asked to fail")
    return {"marker": "${marker}", "name": event.get("name"),
            "function": context["function_name"], "namespace": context["namespace"],
            "memory": context["memory_limit_in_mb"], "runenv": os.environ.get("TENCENTCLOUD_RUNENV"),
            "greeting": os.environ.get("GREETING"), "region": context["tencentcloud_region"]}
`,
});
const nodeCode = zipOf('node', {
    'index.js': `exports.main_handler = async (event, context) => {
    console.log('node got', JSON.stringify(event));
    return { runtime: 'node', function: context.function_name, requestId: context.request_id,
             namespace: context.namespace, sum: (event.a || 0) + (event.b || 0) };
};
`,
});

const env = { ...process.env, PATH: `/usr/bin:/bin:${process.env.PATH}` };
for (const name of ['TENCENTCLOUD_SECRETID', 'TENCENTCLOUD_SECRETKEY', 'AWS_PROFILE'])
    delete env[name];
const sim = spawn(join(bin, 'nimbus-sim'), ['--project', project], { env, stdio: ['ignore', 'pipe', 'pipe'] });
let simLog = '';
sim.stdout.on('data', (d) => { simLog += d; });
sim.stderr.on('data', (d) => { simLog += d; });
const simExited = new Promise((r) => sim.on('exit', r));

// The SDK's error (TencentCloudSDKHttpException) as {code, message}, or the answer.
async function call(client, action, params) {
    try {
        return { answer: await client[action](params) };
    } catch (e) {
        return { code: e.code, message: e.message, requestId: e.requestId };
    }
}

async function main() {
    const stateFile = join(project, '.nimbus', 'sim.json');
    for (let i = 0; i < 300 && !existsSync(stateFile); i++) await sleep(50);
    const state = JSON.parse(readFileSync(stateFile, 'utf8'));
    const endpoint = state.controlPlane.replace('http://', '');
    const clientWith = (secretId, secretKey) => new ScfClient({
        credential: { secretId, secretKey },
        region: 'ap-guangzhou',
        profile: { httpProfile: { endpoint, protocol: 'http://', reqTimeout: 60 } },
    });
    const scf = clientWith(state.credentials.accessKeyId, state.credentials.secretAccessKey);

    // Authentication first: nothing else counts if a wrong key got in.
    const wrongKey = await call(clientWith(state.credentials.accessKeyId, 'not-the-key'), 'ListFunctions', {});
    check('a request signed with the wrong key is refused (AuthFailure.SignatureFailure)',
          wrongKey.code === 'AuthFailure.SignatureFailure', JSON.stringify(wrongKey));
    const unknownId = await call(clientWith('AKIDunknown', 'x'), 'ListFunctions', {});
    check('an unknown SecretId is refused (AuthFailure.SecretIdNotFound)',
          unknownId.code === 'AuthFailure.SecretIdNotFound', JSON.stringify(unknownId));

    const created = await call(scf, 'CreateFunction', {
        FunctionName: 'hello', Runtime: 'Python3.9', Handler: 'index.main_handler',
        MemorySize: 128, Timeout: 10, Description: 'first',
        Environment: { Variables: [{ Key: 'GREETING', Value: 'hi' }] },
        Code: { ZipFile: pythonCode('v1') },
    });
    check('CreateFunction creates a Python function from a zip', created.answer && created.answer.RequestId,
          JSON.stringify(created));
    const again = await call(scf, 'CreateFunction', {
        FunctionName: 'hello', Runtime: 'Python3.9', Handler: 'index.main_handler', Code: { ZipFile: pythonCode('v1') },
    });
    check('creating it again is ResourceInUse.Function', again.code === 'ResourceInUse.Function', JSON.stringify(again));
    const badMemory = await call(scf, 'CreateFunction', {
        FunctionName: 'other', Runtime: 'Python3.9', Handler: 'index.main_handler', MemorySize: 100,
        Code: { ZipFile: pythonCode('v1') },
    });
    check('a MemorySize SCF does not offer is InvalidParameterValue.MemorySize, with the nearest size',
          badMemory.code === 'InvalidParameterValue.MemorySize' && /nearest: 128/.test(badMemory.message),
          JSON.stringify(badMemory));
    const got = await call(scf, 'GetFunction', { FunctionName: 'hello' });
    const g = got.answer || {};
    check('GetFunction describes it as SCF does',
          g.FunctionName === 'hello' && g.Runtime === 'Python3.9' && g.Handler === 'index.main_handler' &&
              g.MemorySize === 128 && g.Timeout === 10 && g.Status === 'Active' && g.Namespace === 'default' &&
              g.Type === 'Event' && /^lam-/.test(g.FunctionId) && g.FunctionVersion === '$LATEST' &&
              g.Environment.Variables.some((v) => v.Key === 'GREETING' && v.Value === 'hi') &&
              /^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d$/.test(g.AddTime),
          JSON.stringify(got));
    const missing = await call(scf, 'GetFunction', { FunctionName: 'nosuch' });
    check('GetFunction of a missing function is ResourceNotFound.FunctionName',
          missing.code === 'ResourceNotFound.FunctionName' && missing.requestId, JSON.stringify(missing));

    const invoked = await call(scf, 'Invoke', {
        FunctionName: 'hello', ClientContext: JSON.stringify({ name: 'scf' }), LogType: 'Tail',
    });
    const result = (invoked.answer || {}).Result || {};
    let ret = {};
    try { ret = JSON.parse(result.RetMsg); } catch { /* checked below */ }
    check('Invoke runs the handler with SCF\'s context and environment',
          ret.marker === 'v1' && ret.name === 'scf' && ret.function === 'hello' && ret.namespace === 'default' &&
              ret.memory === 128 && ret.runenv === 'SCF' && ret.greeting === 'hi' && ret.region === 'ap-guangzhou',
          JSON.stringify(invoked));
    check('… with the Tail log (START, the function\'s line, Report) and the figures',
          /START RequestId: /.test(result.Log) && /handling \{"name": "scf"\}/.test(result.Log) &&
              /Report RequestId: /.test(result.Log) && result.MemUsage > 0 && result.Duration > 0 &&
              result.BillDuration >= 1 && result.InvokeResult === 0 && result.ErrMsg === '' &&
              /^[0-9a-f-]{36}$/.test(result.FunctionRequestId),
          JSON.stringify(result));
    const noTail = await call(scf, 'Invoke', { FunctionName: 'hello', ClientContext: '{}' });
    check('without LogType Tail, no log comes back', noTail.answer && noTail.answer.Result.Log === '',
          JSON.stringify(noTail));
    const failing = await call(scf, 'Invoke', { FunctionName: 'hello', ClientContext: JSON.stringify({ fail: true }) });
    const fr = (failing.answer || {}).Result || {};
    let err = {};
    try { err = JSON.parse(fr.ErrMsg); } catch { /* checked below */ }
    check('a handler\'s exception comes back in ErrMsg (430, its message and stack)',
          fr.InvokeResult === -1 && fr.RetMsg === '' && err.statusCode === 430 &&
              /asked to fail/.test(err.errorMessage) && /ValueError|index\.py/.test(JSON.stringify(err)),
          JSON.stringify(failing));
    const sync = await call(scf, 'InvokeFunction', { FunctionName: 'hello', Event: JSON.stringify({ name: 'sync' }) });
    check('InvokeFunction runs it synchronously with Event',
          sync.answer && JSON.parse(sync.answer.Result.RetMsg).name === 'sync', JSON.stringify(sync));
    const badEvent = await call(scf, 'Invoke', { FunctionName: 'hello', ClientContext: '{not json' });
    check('an event that is not JSON is InvalidParameterValue.ClientContext',
          badEvent.code === 'InvalidParameterValue.ClientContext', JSON.stringify(badEvent));

    const queued = await call(scf, 'Invoke', {
        FunctionName: 'hello', InvocationType: 'Event', ClientContext: JSON.stringify({ name: 'later' }),
    });
    const asyncId = queued.answer && queued.answer.Result.FunctionRequestId;
    check('an asynchronous Invoke answers at once with its request id', asyncId && queued.answer.Result.RetMsg === '',
          JSON.stringify(queued));
    let logs;
    for (let i = 0; i < 100; i++) {
        logs = await call(scf, 'GetFunctionLogs', { FunctionName: 'hello', FunctionRequestId: asyncId });
        if (logs.answer && logs.answer.TotalCount === 1) break;
        await sleep(100);
    }
    const entry = logs.answer && logs.answer.Data[0];
    check('GetFunctionLogs finds the asynchronous invocation by its request id, with its log',
          entry && entry.RequestId === asyncId && entry.RetCode === 0 && entry.InvokeFinished === 1 &&
              /handling \{"name": "later"\}/.test(entry.Log) && entry.MemUsage > 0,
          JSON.stringify(logs));
    const errors = await call(scf, 'GetFunctionLogs', { FunctionName: 'hello', Filter: { RetCode: 'not0' } });
    check('GetFunctionLogs with Filter.RetCode not0 lists only the failed invocation',
          errors.answer && errors.answer.TotalCount === 1 && errors.answer.Data[0].RetCode === 430,
          JSON.stringify(errors));

    const updated = await call(scf, 'UpdateFunctionConfiguration', {
        FunctionName: 'hello', MemorySize: 256, Environment: { Variables: [{ Key: 'GREETING', Value: 'hello again' }] },
    });
    const afterUpdate = await call(scf, 'Invoke', { FunctionName: 'hello', ClientContext: '{}' });
    const au = afterUpdate.answer ? JSON.parse(afterUpdate.answer.Result.RetMsg) : {};
    check('UpdateFunctionConfiguration changes memory and environment for the next invocation',
          updated.answer && au.memory === 256 && au.greeting === 'hello again', JSON.stringify([updated, afterUpdate]));

    const v1 = await call(scf, 'PublishVersion', { FunctionName: 'hello', Description: 'first version' });
    check('PublishVersion publishes version 1', v1.answer && v1.answer.FunctionVersion === '1' &&
          v1.answer.MemorySize === 256 && v1.answer.Runtime === 'Python3.9', JSON.stringify(v1));
    const code = await call(scf, 'UpdateFunctionCode', { FunctionName: 'hello', ZipFile: pythonCode('v2') });
    const v2 = await call(scf, 'PublishVersion', { FunctionName: 'hello' });
    check('UpdateFunctionCode, then PublishVersion, publishes version 2',
          code.answer && v2.answer && v2.answer.FunctionVersion === '2', JSON.stringify([code, v2]));
    const versions = await call(scf, 'ListVersionByFunction', { FunctionName: 'hello', Order: 'ASC' });
    check('ListVersionByFunction lists $LATEST, 1 and 2',
          versions.answer && JSON.stringify(versions.answer.FunctionVersion) === '["$LATEST","1","2"]' &&
              versions.answer.TotalCount === 3 && versions.answer.Versions[1].Description === 'first version',
          JSON.stringify(versions));
    const pinned = await call(scf, 'Invoke', { FunctionName: 'hello', Qualifier: '1', ClientContext: '{}' });
    check('Invoke with Qualifier 1 runs version 1\'s code',
          pinned.answer && JSON.parse(pinned.answer.Result.RetMsg).marker === 'v1', JSON.stringify(pinned));

    const alias = await call(scf, 'CreateAlias', {
        FunctionName: 'hello', Name: 'live', FunctionVersion: '1', Description: 'canary',
        RoutingConfig: { AdditionalVersionWeights: [{ Version: '2', Weight: 0.5 }] },
    });
    const described = await call(scf, 'GetAlias', { FunctionName: 'hello', Name: 'live' });
    const weights = described.answer && described.answer.RoutingConfig.AdditionalVersionWeights;
    check('CreateAlias with RoutingConfig keeps the weights GetAlias returns',
          alias.answer && described.answer.FunctionVersion === '1' && weights && weights.length === 1 &&
              weights[0].Version === '2' && weights[0].Weight === 0.5,
          JSON.stringify([alias, described]));
    const seen = new Set();
    for (let i = 0; i < 40 && seen.size < 2; i++) {
        const r = await call(scf, 'Invoke', { FunctionName: 'hello', Qualifier: 'live', ClientContext: '{}' });
        if (r.answer) seen.add(JSON.parse(r.answer.Result.RetMsg).marker);
    }
    check('the alias sends traffic to both versions by weight', seen.has('v1') && seen.has('v2'), [...seen]);
    const badWeight = await call(scf, 'UpdateAlias', {
        FunctionName: 'hello', Name: 'live', FunctionVersion: '1',
        RoutingConfig: { AdditionalVersionWeights: [{ Version: '1', Weight: 0.3 }] },
    });
    check('an additional version equal to the main one is InvalidParameterValue.RoutingConfig',
          badWeight.code === 'InvalidParameterValue.RoutingConfig', JSON.stringify(badWeight));
    const moved = await call(scf, 'UpdateAlias', { FunctionName: 'hello', Name: 'live', FunctionVersion: '2' });
    const all2 = [];
    for (let i = 0; i < 5; i++) {
        const r = await call(scf, 'Invoke', { FunctionName: 'hello', Qualifier: 'live', ClientContext: '{}' });
        all2.push(r.answer ? JSON.parse(r.answer.Result.RetMsg).marker : r.code);
    }
    check('UpdateAlias to version 2 without weights sends everything there',
          moved.answer && all2.every((m) => m === 'v2'), JSON.stringify([moved, all2]));
    const aliases = await call(scf, 'ListAliases', { FunctionName: 'hello' });
    check('ListAliases lists it', aliases.answer && aliases.answer.TotalCount === 1 &&
          aliases.answer.Aliases[0].Name === 'live', JSON.stringify(aliases));
    const inUse = await call(scf, 'DeleteFunction', { FunctionName: 'hello', Qualifier: '2' });
    check('a version an alias uses cannot be deleted (ResourceInUse.Alias)', inUse.code === 'ResourceInUse.Alias',
          JSON.stringify(inUse));

    const node = await call(scf, 'CreateFunction', {
        FunctionName: 'adder', Runtime: 'Nodejs16.13', Handler: 'index.main_handler', Code: { ZipFile: nodeCode },
    });
    const sum = await call(scf, 'Invoke', { FunctionName: 'adder', ClientContext: JSON.stringify({ a: 2, b: 3 }), LogType: 'Tail' });
    const sr = sum.answer ? JSON.parse(sum.answer.Result.RetMsg) : {};
    check('a Node function (async main_handler) runs with SCF\'s context',
          node.answer && sr.runtime === 'node' && sr.sum === 5 && sr.function === 'adder' &&
              sr.requestId === sum.answer.Result.FunctionRequestId && /node got/.test(sum.answer.Result.Log),
          JSON.stringify([node, sum]));

    const listed = await call(scf, 'ListFunctions', { Order: 'ASC', Orderby: 'FunctionName' });
    check('ListFunctions lists both', listed.answer && listed.answer.TotalCount === 2 &&
          listed.answer.Functions.map((f) => f.FunctionName).join() === 'adder,hello', JSON.stringify(listed));
    const searched = await call(scf, 'ListFunctions', { SearchKey: 'add' });
    check('ListFunctions with SearchKey finds by part of the name', searched.answer &&
          searched.answer.TotalCount === 1 && searched.answer.Functions[0].FunctionName === 'adder',
          JSON.stringify(searched));
    const unknown = await call(scf, 'ListFunctions', { Limitt: 5 });
    check('a parameter SCF does not take is UnknownParameter, naming it',
          unknown.code === 'UnknownParameter' && /Limitt/.test(unknown.message), JSON.stringify(unknown));

    const deletedAlias = await call(scf, 'DeleteAlias', { FunctionName: 'hello', Name: 'live' });
    const deleted = await call(scf, 'DeleteFunction', { FunctionName: 'hello' });
    const gone = await call(scf, 'Invoke', { FunctionName: 'hello', ClientContext: '{}' });
    check('DeleteAlias and DeleteFunction remove them; invoking it then is ResourceNotFound.Function',
          deletedAlias.answer && deleted.answer && gone.code === 'ResourceNotFound.Function',
          JSON.stringify([deletedAlias, deleted, gone]));

    // nimbus deploy of the component project speaks the same API to the same endpoint.
    const deploy = () => {
        try {
            return { code: 0, out: execFileSync(join(bin, 'nimbus'), ['deploy', '--project', project],
                                                { env, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] }) };
        } catch (e) {
            return { code: e.status, out: `${e.stdout}${e.stderr}` };
        }
    };
    const local = await call(scf, 'Invoke', { FunctionName: 'api-dev-demo', ClientContext: '{}' });
    const lr = local.answer ? JSON.parse(local.answer.Result.RetMsg) : {};
    check('before any deploy, Invoke runs the project\'s own function from its working tree',
          lr.function === 'api-dev-demo' && lr.mode === 'deployed', JSON.stringify(local));
    const first = deploy();
    const deployed = await call(scf, 'GetFunction', { FunctionName: 'api-dev-demo' });
    const d = deployed.answer || {};
    check('nimbus deploy creates the component\'s function through the SCF API',
          first.code === 0 && /created\s+api\s+api-dev-demo/.test(first.out) && d.Runtime === 'Python3.9' &&
              d.MemorySize === 256 && d.Timeout === 7 && d.Handler === 'index.main_handler' &&
              d.Environment.Variables.some((v) => v.Key === 'MODE' && v.Value === 'deployed'),
          `${first.out} ${JSON.stringify(deployed)}`);
    const ran = await call(scf, 'Invoke', { FunctionName: 'api-dev-demo', ClientContext: '{}' });
    const rr = ran.answer ? JSON.parse(ran.answer.Result.RetMsg) : {};
    check('… and the deployed package runs', rr.mode === 'deployed' && rr.function === 'api-dev-demo',
          JSON.stringify(ran));
    // The component's cos trigger fires when an object lands in its bucket in the local
    // object store (here through the AWS CLI, as COS's S3-compatible API is used).
    const awsEnv = { ...env, AWS_ACCESS_KEY_ID: state.credentials.accessKeyId,
                     AWS_SECRET_ACCESS_KEY: state.credentials.secretAccessKey, AWS_DEFAULT_REGION: 'ap-shanghai',
                     AWS_CONFIG_FILE: '/dev/null', AWS_SHARED_CREDENTIALS_FILE: '/dev/null', AWS_PAGER: '' };
    const body = join(work, 'report.csv');
    writeFileSync(body, 'a,b\n1,2\n');
    const aws = (...args) => {
        try {
            execFileSync('aws', ['--endpoint-url', state.controlPlane, 's3api', ...args],
                         { env: awsEnv, stdio: ['ignore', 'pipe', 'pipe'] });
            return '';
        } catch (e) {
            return `${e.stdout}${e.stderr}`;
        }
    };
    const ledger = join(work, 'cos-events.jsonl');
    const skipped = aws('put-object', '--bucket', 'uploads-1250000000', '--key', 'other/x.csv', '--body', body);
    const put = aws('put-object', '--bucket', 'uploads-1250000000', '--key', 'incoming/report.csv', '--body', body);
    let cosEvent;
    for (let i = 0; i < 150 && !cosEvent; i++) {
        if (existsSync(ledger)) cosEvent = JSON.parse(readFileSync(ledger, 'utf8').trim().split('\n')[0]);
        else await sleep(100);
    }
    const rec = cosEvent && cosEvent.Records[0];
    check('a cos trigger fires with COS\'s event when an object lands under its prefix',
          put === '' && skipped === '' && rec && rec.event.eventName === 'cos:ObjectCreated:Put' &&
              rec.event.eventSource === 'qcs::cos' && rec.cos.cosBucket.name === 'uploads' &&
              rec.cos.cosBucket.appid === '1250000000' && rec.cos.cosBucket.region === 'sh' &&
              rec.cos.cosObject.key === '/1250000000/uploads/incoming/report.csv' && rec.cos.cosObject.size === 8,
          `${put}${skipped} ${JSON.stringify(cosEvent)}`);
    await sleep(300);
    const lines = existsSync(ledger) ? readFileSync(ledger, 'utf8').trim().split('\n').length : 0;
    check('… and not for a key outside its filter', lines === 1, `${lines} events`);

    // Its cmq trigger reads the local queue named by the topic (sent here with the AWS CLI's
    // SQS commands); a message without the trigger's tag never reaches it.
    const sqs = (...args) => {
        try {
            execFileSync('aws', ['--endpoint-url', state.controlPlane, 'sqs', ...args],
                         { env: awsEnv, stdio: ['ignore', 'pipe', 'pipe'] });
            return '';
        } catch (e) {
            return `${e.stdout}${e.stderr}`;
        }
    };
    const topic = `${state.controlPlane}/000000000000/orders`;
    const untagged = sqs('send-message', '--queue-url', topic, '--message-body', 'no tag');
    const sent = sqs('send-message', '--queue-url', topic, '--message-body', '{"order":7}',
                     '--message-attributes', 'msgTag={DataType=String,StringValue="paid,eu"}');
    const cmqLedger = `${ledger}.cmq`;
    let cmqEvents = [];
    for (let i = 0; i < 150 && cmqEvents.length === 0; i++) {
        if (existsSync(cmqLedger)) cmqEvents = readFileSync(cmqLedger, 'utf8').trim().split('\n').map((l) => JSON.parse(l));
        else await sleep(100);
    }
    await sleep(500);
    if (existsSync(cmqLedger)) cmqEvents = readFileSync(cmqLedger, 'utf8').trim().split('\n').map((l) => JSON.parse(l));
    const cmq = cmqEvents[0] && cmqEvents[0].Records[0].CMQ;
    check('a cmq trigger fires with CMQ\'s topic event for a message with its tag, and not for one without',
          untagged === '' && sent === '' && cmqEvents.length === 1 && cmq.type === 'topic' &&
              cmq.topicName === 'orders' && cmq.subscriptionName === 'paid' && cmq.msgBody === '{"order":7}' &&
              cmq.msgTag === 'paid,eu',
          `${untagged}${sent} ${JSON.stringify(cmqEvents)}`);

    const second = deploy();
    check('deploying again updates it', second.code === 0 && /updated\s+api\s+api-dev-demo/.test(second.out),
          second.out);
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
process.exit(failed ? 1 : 0);
