// Conformance of the gateway's WebSocket API with a real client (ws, pinned in
// package-lock.json) and a function that pushes messages with boto3's
// apigatewaymanagementapi client, as deployed code does.
//
//   node websocket.mjs PATH/TO/bin     (the folder holding nimbus-sim)
//
// A REQUEST authorizer guards $connect (its principal and context reach every event);
// $connect sees the handshake's query and can refuse it; messages are routed by
// $request.body.action to their function, or to $default; a two-way route answers the
// sender; a function posts to another connection through @connections; GET and DELETE
// @connections describe and close a connection; $disconnect runs when a client leaves.
// One "ok"/"FAIL" line per check.
import { spawn } from 'node:child_process';
import { mkdtempSync, mkdirSync, writeFileSync, readFileSync, rmSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createRequire } from 'node:module';

const here = dirname(fileURLToPath(import.meta.url));
const WebSocket = createRequire(import.meta.url)(join(here, 'node_modules', 'ws'));
const bin = resolve(process.argv[2] ?? '');
if (!existsSync(join(bin, 'nimbus-sim'))) {
    console.error('usage: node websocket.mjs PATH/TO/bin');
    process.exit(2);
}
const work = mkdtempSync(join(tmpdir(), 'nimbus-websocket-'));
const project = join(work, 'project');
const ledger = join(work, 'ledger.txt');
let failed = 0;
const ok = (name) => console.log(`ok - ${name}`);
const fail = (name, detail) => { console.log(`FAIL - ${name}: ${String(detail).slice(0, 600)}`); failed++; };
const check = (name, condition, detail) => (condition ? ok(name) : fail(name, detail));

mkdirSync(project);
writeFileSync(join(project, 'serverless.yml'), `service: chat
provider:
  name: aws
  runtime: python3.11
  environment:
    LEDGER: ${ledger}
functions:
  connect:
    handler: chat.connect
    events:
      - websocket:
          route: $connect
          authorizer:
            name: gate
            identitySource: route.request.querystring.token
  gate:
    handler: chat.gate
  disconnect:
    handler: chat.disconnect
    events:
      - websocket: $disconnect
  send:
    handler: chat.send
    events:
      - websocket:
          route: send
  echo:
    handler: chat.echo
    events:
      - websocket:
          route: echo
          routeResponseSelectionExpression: $default
  fallback:
    handler: chat.fallback
    events:
      - websocket: $default
`);
writeFileSync(join(project, 'chat.py'), `import json, os
import boto3

def note(line):
    with open(os.environ["LEDGER"], "a") as f:
        f.write(line + "\\n")

def gate(event, context):
    token = (event.get("queryStringParameters") or {}).get("token")
    if token is None or token == "":
        raise Exception("Unauthorized")
    effect = "Allow" if token == "good" else "Deny"
    return {"principalId": "user-" + token,
            "policyDocument": {"Version": "2012-10-17",
                               "Statement": [{"Action": "execute-api:Invoke", "Effect": effect,
                                              "Resource": event["methodArn"]}]},
            "context": {"team": "blue"}}

def connect(event, context):
    query = event.get("queryStringParameters") or {}
    if query.get("deny") == "1":
        return {"statusCode": 403}
    who = event["requestContext"].get("authorizer", {})
    note("connect " + event["requestContext"]["connectionId"] + " " + query.get("name", "") +
         " " + who.get("principalId", "?") + "/" + who.get("team", "?"))
    return {"statusCode": 200}

def disconnect(event, context):
    note("disconnect " + event["requestContext"]["connectionId"])
    return {"statusCode": 200}

def send(event, context):
    body = json.loads(event["body"])
    ctx = event["requestContext"]
    client = boto3.client("apigatewaymanagementapi", region_name="us-east-1",
                          endpoint_url="http://" + ctx["domainName"] + "/" + ctx["stage"],
                          aws_access_key_id="local", aws_secret_access_key="local")
    client.post_to_connection(ConnectionId=body["to"],
                              Data=json.dumps({"from": ctx["connectionId"], "text": body["text"]}).encode())
    return {"statusCode": 200}

def echo(event, context):
    return {"statusCode": 200, "body": "echo: " + json.loads(event["body"])["text"]}

def fallback(event, context):
    note("default " + event["body"] + " " + event["requestContext"]["routeKey"])
    return {"statusCode": 200}
`);

const env = { ...process.env, PATH: `/usr/bin:/bin:${process.env.PATH}` };
for (const name of ['AWS_PROFILE', 'AWS_ENDPOINT_URL', 'AWS_SESSION_TOKEN'])
    delete env[name];
const sim = spawn(join(bin, 'nimbus-sim'), ['--project', project], { env, stdio: ['ignore', 'pipe', 'pipe'] });
let simLog = '';
sim.stdout.on('data', (d) => { simLog += d; });
sim.stderr.on('data', (d) => { simLog += d; });
const simExited = new Promise((r) => sim.on('exit', r));
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const ledgerLines = () => (existsSync(ledger) ? readFileSync(ledger, 'utf8').trim().split('\n') : []);
async function waitFor(condition, ms = 20000) {
    const deadline = Date.now() + ms;
    while (Date.now() < deadline) {
        const value = condition();
        if (value) return value;
        await sleep(50);
    }
    return condition();
}

// A client that keeps what it receives.
function connect(url) {
    return new Promise((resolveOpen) => {
        const ws = new WebSocket(url);
        const received = [];
        ws.on('message', (data) => received.push(data.toString()));
        ws.on('open', () => resolveOpen({ ws, received, error: null }));
        ws.on('unexpected-response', (req, res) => resolveOpen({ ws: null, received, error: res.statusCode }));
        ws.on('error', (e) => resolveOpen({ ws: null, received, error: e.message }));
    });
}

async function main() {
    const stateFile = join(project, '.nimbus', 'sim.json');
    for (let i = 0; i < 200 && !existsSync(stateFile); i++) await sleep(50);
    const state = JSON.parse(readFileSync(stateFile, 'utf8'));
    const url = state.gateway.replace('http://', 'ws://') + '/dev';

    const routes = await (await fetch(`${state.gateway}/_nimbus/routes`)).json();
    check('the routes list the WebSocket API', routes.some((r) => r.kind === 'websocket' && r.path === 'send' &&
                                                            r.url === url), JSON.stringify(routes));

    const anonymous = await connect(`${url}?name=nobody`);
    check('the $connect authorizer refuses a handshake without its identity source (401)',
          anonymous.error === 401, anonymous.error);
    const denied = await connect(`${url}?token=bad`);
    check('the $connect authorizer\'s Deny refuses the handshake (403)', denied.error === 403, denied.error);
    const refused = await connect(`${url}?deny=1&token=good`);
    check('$connect refuses the handshake with its status', refused.error === 403, refused.error);

    const alice = await connect(`${url}?name=alice&token=good`);
    const bob = await connect(`${state.gateway.replace('http://', 'ws://')}/?name=bob&token=good`);
    check('clients connect at /STAGE and /', alice.ws && bob.ws, `${alice.error} ${bob.error}`);
    if (!alice.ws || !bob.ws) return;
    const connects = await waitFor(() => ledgerLines().filter((l) => l.startsWith('connect ')).length >= 2 &&
                                         ledgerLines().filter((l) => l.startsWith('connect ')));
    check('$connect sees the query string and the authorizer\'s principal and context',
          connects && connects.some((l) => l.endsWith(' alice user-good/blue')) &&
              connects.some((l) => l.endsWith(' bob user-good/blue')), ledgerLines());
    const ids = Object.fromEntries((connects || []).map((l) => [l.split(' ')[2], l.split(' ')[1]]));

    alice.ws.send(JSON.stringify({ action: 'send', to: ids.bob, text: 'hello bob' }));
    const pushed = await waitFor(() => bob.received.find((m) => m.includes('hello bob')));
    check('a function pushes to another client through @connections (boto3)',
          pushed && JSON.parse(pushed).from === ids.alice, `${pushed} ${JSON.stringify(bob.received)}`);

    alice.ws.send(JSON.stringify({ action: 'echo', text: 'ping' }));
    const echoed = await waitFor(() => alice.received.find((m) => m === 'echo: ping'));
    check('a two-way route answers the sender', echoed, JSON.stringify(alice.received));

    alice.ws.send('not json at all');
    const fallback = await waitFor(() => ledgerLines().find((l) => l.startsWith('default not json at all')));
    check('a message no route selects goes to $default', fallback && fallback.endsWith('$default'), ledgerLines());

    const info = await fetch(`${state.gateway}/dev/@connections/${encodeURIComponent(ids.alice)}`);
    const described = await info.json();
    check('GET @connections describes a connection', info.status === 200 && described.ConnectedAt &&
                                                     described.Identity.SourceIp === '127.0.0.1', JSON.stringify(described));
    const post = await fetch(`${state.gateway}/dev/@connections/${encodeURIComponent(ids.alice)}`,
                             { method: 'POST', body: 'from outside' });
    const got = await waitFor(() => alice.received.find((m) => m === 'from outside'));
    check('POST @connections reaches the client', post.status === 200 && got, `${post.status} ${alice.received}`);
    const gone = await fetch(`${state.gateway}/dev/@connections/nosuchid`, { method: 'POST', body: 'x' });
    check('an unknown connection is 410 Gone', gone.status === 410, gone.status);

    const closed = new Promise((r) => bob.ws.on('close', r));
    const del = await fetch(`${state.gateway}/dev/@connections/${encodeURIComponent(ids.bob)}`, { method: 'DELETE' });
    const closedInTime = await Promise.race([closed.then(() => true), sleep(10000).then(() => false)]);
    check('DELETE @connections closes the connection', del.status === 204 && closedInTime, del.status);
    const bobGone = await waitFor(() => ledgerLines().includes(`disconnect ${ids.bob}`));
    check('$disconnect runs when the server closes', bobGone, ledgerLines());

    alice.ws.close();
    const aliceGone = await waitFor(() => ledgerLines().includes(`disconnect ${ids.alice}`));
    check('$disconnect runs when the client leaves', aliceGone, ledgerLines());
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
