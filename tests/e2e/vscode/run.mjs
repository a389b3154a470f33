#!/usr/bin/env node
// End-to-end test of the packaged Nimbus VS Code extension in real VS Code.
//
//   node tests/e2e/vscode/run.mjs VSIX SOURCE_DIR ARTIFACTS_DIR
//
// Installs VSIX into a throw-away code-server (VS Code in the browser, from this folder's
// node_modules: run ./install.sh first), opens a copy of SOURCE_DIR/examples/python-hello in
// it, and drives the workbench in Debian's headless Chromium with playwright-core, as a
// person would: clicks, keys, and reading what the screen shows. Scenarios, in order:
//
//   1 functions-tree  the Nimbus view's Functions tree lists hello, getUser, fail, nightly
//   2 diagnostics     an out-of-range memorySize typed into serverless.yml gets a squiggle
//                     (nimbus-lsp reports schema problems as warnings, YAML syntax errors as
//                     errors) and a Problems entry with nimbus-lsp's message; undo clears both
//   3 completion      Ctrl+Space on a new line inside a function's mapping offers the
//                     function keys (timeout, memorySize) from nimbus-lsp
//   4 invoke-lens     the "▶ Invoke" code lens above `hello:` opens the result editor: a
//                     `//` header with the REPORT figures, statusCode 200, "Hello, …"
//   5 failing-invoke  the "▶ Invoke" lens above `fail:`: its result editor reads "fail failed:
//                     ValueError" with the message, and a notification says it failed
//   6 debug-lens      a breakpoint in handler.py's hello, then the "Debug" lens above `hello:`:
//                     the session stops on that line (debug toolbar, Call Stack), the
//                     Variables view lists `event`; continuing prints the result and the
//                     REPORT line in the Debug Console
//   7 manage-deployed Nimbus: Deploy, Publish Version (twice, the code changed between) and
//                     Set Alias Weights from the command palette: the Deployed view lists
//                     versions 1 and 2 and the alias "live" at v1 90% · v2 10%
//   8 language-server-crash  nimbus-lsp killed: a notification says it stopped and was
//                     restarted; a new nimbus-lsp serves the Functions view again
//   9 node-debug      the node-hello example in the same VS Code: a breakpoint in handler.js,
//                     the "Debug" lens: stopped there with `event` in Variables (nimbus-dap's
//                     Node backend); continuing shows the greeting and the REPORT line
//
// Every scenario leaves a screenshot, ARTIFACTS_DIR/NN-name.png (-FAILED.png when it failed).
// Exit status: 0 when every scenario passed; 1 when one failed (each failure named on
// stderr), or when the run overran its deadline; 2 on bad arguments or when the harness
// itself could not start; 130 when interrupted (after cleaning up); 77 (CTest's
// SKIP_RETURN_CODE) only when /usr/bin/chromium or this folder's node_modules is missing.
// When something failed, code-server's and VS Code's logs (the Nimbus output channels among
// them) are copied to ARTIFACTS_DIR/logs.
//
// Everything is bounded: each wait has its own timeout and the whole run a deadline
// (RUN_DEADLINE_MS). code-server listens on an ephemeral loopback port; Chromium may reach
// nothing but 127.0.0.1. All that the run starts (code-server and its extension host,
// Chromium, nimbus-lsp/-dap/-sim and the function instances) is killed by process group at
// the end, and its temporary folder removed; only ARTIFACTS_DIR stays.
//
// Environment: NIMBUS_E2E_KEEP=1 keeps the temporary folder (code-server's logs, the
// project) and prints where it is; NIMBUS_E2E_ONLY=2,3 runs only those scenarios (1 always
// runs: the others need the project loaded).

import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const here = path.dirname(fileURLToPath(import.meta.url));
const CHROMIUM = '/usr/bin/chromium';
const CODE_SERVER = path.join(here, 'node_modules', 'code-server', 'out', 'node', 'entry.js');
const RUN_DEADLINE_MS = 200_000; // the whole run, start to cleanup
const STEP_TIMEOUT_MS = 20_000; // one wait for something on screen
const SKIP = 77;

// ── arguments, skips ─────────────────────────────────────────────────────────────────────

const [vsixArg, sourceArg, artifactsArg] = process.argv.slice(2);
if (!vsixArg || !sourceArg || !artifactsArg) {
    console.error('usage: run.mjs VSIX SOURCE_DIR ARTIFACTS_DIR');
    process.exit(2);
}
if (!fs.existsSync(CHROMIUM)) {
    console.log(`SKIP: ${CHROMIUM} is missing (Debian's chromium package)`);
    process.exit(SKIP);
}
if (!fs.existsSync(CODE_SERVER) || !fs.existsSync(path.join(here, 'node_modules', 'playwright-core'))) {
    console.log(`SKIP: ${path.join(here, 'node_modules')} lacks code-server or playwright-core; run ${path.join(here, 'install.sh')}`);
    process.exit(SKIP);
}
const vsix = path.resolve(vsixArg);
const sourceDir = path.resolve(sourceArg);
const artifacts = path.resolve(artifactsArg);
const example = path.join(sourceDir, 'examples', 'python-hello');
for (const [what, p] of [['VSIX', vsix], ['example project', path.join(example, 'serverless.yml')]]) {
    if (!fs.existsSync(p)) {
        console.error(`run.mjs: no ${what} at ${p}`);
        process.exit(2);
    }
}
const only = process.env.NIMBUS_E2E_ONLY ? new Set(process.env.NIMBUS_E2E_ONLY.split(',').map(Number)) : undefined;

const { chromium } = await import('playwright-core');

// ── small helpers ────────────────────────────────────────────────────────────────────────

const started = Date.now();
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const elapsed = () => `${((Date.now() - started) / 1000).toFixed(1)}s`;
const log = (msg) => console.log(`[${elapsed()}] ${msg}`);

// Polls `probe` (sync or async) until it returns something truthy, and returns that; throws
// "timed out … waiting for WHAT" (with the last thing seen, when `seen` says it) otherwise.
async function until(what, probe, { timeout = STEP_TIMEOUT_MS, interval = 200, seen } = {}) {
    const end = Date.now() + timeout;
    let lastError;
    for (;;) {
        try {
            const value = await probe();
            if (value) return value;
        } catch (e) {
            lastError = e;
        }
        if (Date.now() >= end) {
            let detail = '';
            if (seen) detail = `; saw: ${await Promise.resolve().then(seen).then((v) => (typeof v === 'string' ? v : short(v, 1000)), (e) => `(${e.message})`)}`;
            else if (lastError) detail = `; last error: ${lastError.message.split('\n')[0]}`;
            throw new Error(`timed out after ${timeout / 1000}s waiting for ${what}${detail}`);
        }
        await sleep(interval);
    }
}

const short = (s, n = 300) => {
    const t = JSON.stringify(s);
    return t.length > n ? `${t.slice(0, n)}…` : t;
};

// ── temporary folder, settings, code-server ──────────────────────────────────────────────

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'nimbus-vscode-e2e-'));
const dirs = {
    userData: path.join(tmp, 'user-data'),
    extensions: path.join(tmp, 'extensions'),
    xdg: path.join(tmp, 'xdg'),
    browser: path.join(tmp, 'chromium-profile'),
    project: path.join(tmp, 'python-hello'),
    nodeProject: path.join(tmp, 'node-hello'),
};
const configFile = path.join(tmp, 'code-server.yaml');
const codeServerLog = path.join(tmp, 'code-server.log');

// The workbench with nothing that moves on its own or reaches out: no welcome page, tips,
// update checks, recommendations, telemetry or hovers; no auto-save (VS Code in a browser
// saves after a delay by default; the scenarios undo their edits instead); completions only
// on Ctrl+Space, and none made of the document's words, so that what the completion widget
// offers in serverless.yml comes from nimbus-lsp.
const settings = {
    'workbench.startupEditor': 'none',
    'workbench.welcomePage.walkthroughs.openOnInstall': false,
    'workbench.tips.enabled': false,
    'workbench.enableExperiments': false,
    'workbench.editor.enablePreview': false,
    'workbench.layoutControl.enabled': false,
    'security.workspace.trust.enabled': false,
    'extensions.autoCheckUpdates': false,
    'extensions.autoUpdate': false,
    'extensions.ignoreRecommendations': true,
    'telemetry.telemetryLevel': 'off',
    'update.mode': 'none',
    'git.enabled': false,
    'chat.commandCenter.enabled': false,
    'editor.minimap.enabled': false,
    'editor.hover.enabled': false,
    'editor.wordBasedSuggestions': 'off',
    'editor.quickSuggestions': { other: false, comments: false, strings: false },
    'editor.suggestOnTriggerCharacters': false,
    'files.autoSave': 'off',
    'debug.internalConsoleOptions': 'openOnSessionStart',
    'debug.openDebug': 'openOnDebugBreak',
    'remote.autoForwardPorts': false, // nimbus-sim's ports: no "available on port …" toasts
};

// Lays out the temporary folder: VS Code's settings, code-server's config, the project.
function prepareFolders() {
    for (const d of Object.values(dirs)) fs.mkdirSync(d, { recursive: true });
    fs.mkdirSync(artifacts, { recursive: true });
    fs.mkdirSync(path.join(dirs.userData, 'User'));
    fs.writeFileSync(path.join(dirs.userData, 'User', 'settings.json'), JSON.stringify(settings, null, 2));
    // code-server reads ~/.config/code-server/config.yaml unless told otherwise (and writes one
    // with a password when there is none): an empty one of our own.
    fs.writeFileSync(configFile, '');
    // The example project without its local state (.nimbus/, __pycache__).
    for (const [from, to] of [[example, dirs.project], [path.join(sourceDir, 'examples', 'node-hello'), dirs.nodeProject]]) {
        fs.cpSync(from, to, {
            recursive: true,
            filter: (src) => !/(^|[/\\])(\.nimbus|__pycache__|node_modules)$/.test(src),
        });
    }
}

const childEnv = {
    ...process.env,
    XDG_CONFIG_HOME: dirs.xdg,
    XDG_DATA_HOME: dirs.xdg,
    XDG_CACHE_HOME: dirs.xdg,
    TMPDIR: tmp,
};
delete childEnv.VSCODE_IPC_HOOK_CLI; // when run from a VS Code terminal
const codeServerArgs = ['--config', configFile, '--user-data-dir', dirs.userData, '--extensions-dir', dirs.extensions];

let codeServer; // the child process (its own process group)
let browserContext;
let page;
let baseUrl; // code-server's

function installExtension() {
    const r = spawnSync(process.execPath, [CODE_SERVER, ...codeServerArgs, '--install-extension', vsix], {
        env: childEnv, encoding: 'utf8', timeout: 60_000,
    });
    if (r.status !== 0 || !/successfully installed/i.test(r.stdout)) {
        throw new Error(`code-server --install-extension failed (${r.error?.message ?? `status ${r.status}`}): ${r.stdout}${r.stderr}`);
    }
}

// Starts code-server on an ephemeral loopback port and returns its URL, read from its log.
async function startCodeServer() {
    const out = fs.openSync(codeServerLog, 'a');
    codeServer = spawn(process.execPath, [CODE_SERVER, ...codeServerArgs,
        '--auth', 'none', '--bind-addr', '127.0.0.1:0',
        '--disable-telemetry', '--disable-update-check', '--disable-workspace-trust',
        '--disable-getting-started-override', '--ignore-last-opened', dirs.project,
    ], { env: childEnv, stdio: ['ignore', out, out], detached: true });
    fs.closeSync(out);
    let exited;
    codeServer.on('exit', (code, signal) => (exited = signal ?? `status ${code}`));
    return until('code-server to listen', () => {
        if (exited) throw new Error(`code-server exited (${exited}): ${fs.readFileSync(codeServerLog, 'utf8')}`);
        return /HTTP server listening on (http:\/\/127\.0\.0\.1:\d+)\//.exec(fs.readFileSync(codeServerLog, 'utf8'))?.[1];
    }, { timeout: 30_000, seen: () => fs.readFileSync(codeServerLog, 'utf8') });
}

async function startBrowser(url) {
    browserContext = await chromium.launchPersistentContext(dirs.browser, {
        executablePath: CHROMIUM,
        headless: true,
        args: [
            '--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
            '--disable-background-networking', '--disable-component-update', '--disable-sync',
            // Only code-server, on 127.0.0.1, is reachable: anything else fails at once.
            '--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE 127.0.0.1',
        ],
        viewport: { width: 1400, height: 900 },
        timeout: 30_000,
        env: childEnv,
        // Our own signal handlers clean up everything, Chromium included.
        handleSIGINT: false,
        handleSIGTERM: false,
        handleSIGHUP: false,
    });
    browserContext.setDefaultTimeout(STEP_TIMEOUT_MS);
    page = browserContext.pages()[0] ?? await browserContext.newPage();
    page.on('pageerror', (e) => log(`page error: ${e.message.split('\n')[0]}`));
    baseUrl = url;
    await page.goto(`${url}/?folder=${encodeURIComponent(dirs.project)}`, { timeout: 30_000 });
    await page.locator('.monaco-workbench').waitFor({ timeout: 30_000 });
}

// Kills every process this run started, by process group: code-server's (with its extension
// host, nimbus-lsp and nimbus-dap), and those of any process whose command line names our
// temporary folder or that descends from one (nimbus-sim runs in a process group of its own
// with its function instances; Chromium's profile is in the temporary folder too). Every
// group is found before any is killed, so that no orphan escapes to init unseen.
function killEverything() {
    const procs = new Map(); // pid -> { ppid, pgid, ours }
    for (const name of fs.readdirSync('/proc')) {
        if (!/^\d+$/.test(name)) continue;
        try {
            const stat = fs.readFileSync(`/proc/${name}/stat`, 'utf8');
            const [, ppid, pgid] = stat.slice(stat.lastIndexOf(')') + 2).split(' ').map(Number);
            const cmdline = fs.readFileSync(`/proc/${name}/cmdline`, 'utf8');
            procs.set(Number(name), { ppid, pgid, ours: cmdline.includes(tmp) || Number(name) === codeServer?.pid });
        } catch { /* gone already */ }
    }
    const ours = new Set([...procs].filter(([, p]) => p.ours).map(([pid]) => pid));
    for (let grew = true; grew;) {
        grew = false;
        for (const [pid, p] of procs) {
            if (!ours.has(pid) && ours.has(p.ppid)) {
                ours.add(pid);
                grew = true;
            }
        }
    }
    ours.delete(process.pid);
    const myGroup = procs.get(process.pid)?.pgid;
    const groups = new Set();
    for (const pid of ours) {
        const pgid = procs.get(pid).pgid;
        if (pgid === myGroup) {
            try { process.kill(pid, 'SIGKILL'); } catch { /* gone already */ }
        } else groups.add(pgid);
    }
    for (const pgid of groups) {
        try { process.kill(-pgid, 'SIGKILL'); } catch { /* gone already */ }
    }
    return ours.size;
}

// Safe to call from several places at once (the deadline, a signal, the end of the run):
// all of them wait for the one cleanup.
let cleaning;
const cleanup = () => (cleaning ??= cleanUp());
async function cleanUp() {
    if (browserContext) await Promise.race([browserContext.close().catch(() => {}), sleep(5000)]);
    killEverything();
    await sleep(300);
    killEverything(); // anything a dying parent started meanwhile
    if (process.env.NIMBUS_E2E_KEEP) log(`kept ${tmp}`);
    else fs.rmSync(tmp, { recursive: true, force: true, maxRetries: 3 });
}
for (const sig of ['SIGINT', 'SIGTERM', 'SIGHUP']) {
    process.on(sig, async () => {
        console.error(`run.mjs: ${sig}, cleaning up`);
        await cleanup();
        process.exit(130);
    });
}

// ── the workbench: selectors that hold across VS Code's re-renders ───────────────────────

// An editor by the file it shows: Monaco stamps data-uri on .monaco-editor.
const editorOf = (uriSuffix) => page.locator(`.monaco-editor[data-uri$="${uriSuffix}"]`);
const tabOf = (name) => page.locator(`.tabs-container [role=tab][data-resource-name="${name}"]`);
const quickInput = () => page.locator('.quick-input-widget');
const sidebarPane = (title) => page.locator('.part.sidebar .pane')
    .filter({ has: page.locator(`.pane-header[aria-label^="${title} Section"]`) });

// Moves the mouse to an empty stretch of the title bar, so that no hover or tooltip covers
// what a screenshot shows.
const parkMouse = () => page.mouse.move(1150, 8);

async function visible(locator) {
    return (await locator.count()) > 0 && locator.first().isVisible();
}

// The editor's rendered lines, top to bottom, as plain text (Monaco renders only the lines
// in view, and reuses their elements in any order).
async function editorLines(editor) {
    return editor.locator('.view-lines').evaluate((el) => [...el.querySelectorAll('.view-line')]
        .sort((a, b) => parseFloat(a.style.top) - parseFloat(b.style.top))
        .map((l) => l.textContent.replace(/\u00a0/g, ' ')));
}

// 1-based number of the first line of a project file that `test` accepts (read from disk, so
// the scenarios follow the example if it changes).
function lineOf(file, test) {
    const lines = fs.readFileSync(path.join(dirs.project, file), 'utf8').split('\n');
    const i = lines.findIndex((l) => (typeof test === 'string' ? l.includes(test) : test.test(l)));
    if (i < 0) throw new Error(`${file} has no line matching ${test}`);
    return i + 1;
}

// Types into the quick input (already open) and waits for a row whose aria-label starts with
// `rowLabel`, then picks it with Enter (the first row is the selected one) or a click.
async function pickInQuickInput(text, rowLabel) {
    await quickInput().waitFor({ state: 'visible' });
    await page.keyboard.type(text);
    const rows = quickInput().locator('.monaco-list-row');
    const row = await until(`"${rowLabel}" in the quick input`, async () => {
        const labels = await rows.evaluateAll((els) => els.map((e) => e.getAttribute('aria-label') ?? ''));
        const i = labels.findIndex((l) => l.startsWith(rowLabel));
        return i >= 0 ? rows.nth(i) : undefined;
    }, { seen: () => rows.evaluateAll((els) => els.map((e) => e.getAttribute('aria-label'))) });
    await row.click();
    await quickInput().waitFor({ state: 'hidden' });
}

// F1 (the command palette; Ctrl+Shift+P works too, but some Ctrl shortcuts the browser keeps).
async function runCommand(title) {
    await page.keyboard.press('F1');
    await pickInQuickInput(title, title);
}

// Ctrl+P, the file's name, its row: the file opens in an editor, focused.
async function openFile(relPath) {
    await page.keyboard.press('Control+P');
    await pickInQuickInput(relPath, `${path.basename(relPath)},`);
    const editor = editorOf(`/${relPath}`);
    await until(`${relPath} open in a focused editor`, async () => /\bfocused\b/.test(await editor.getAttribute('class') ?? ''));
    return editor;
}

// Brings an open file's editor to the front and focuses it.
// The file's editor, brought to the front when it has a tab, else opened.
async function showFile(relPath) {
    return (await tabOf(path.basename(relPath)).count()) ? focusFile(relPath) : openFile(relPath);
}

async function focusFile(relPath) {
    await tabOf(path.basename(relPath)).click();
    const editor = editorOf(`/${relPath}`);
    await until(`${relPath} focused`, async () => /\bfocused\b/.test(await editor.getAttribute('class') ?? ''));
    return editor;
}

// Ctrl+G, the line number: the cursor goes to the start of that line, scrolled into view.
async function goToLine(n) {
    await page.keyboard.press('Control+G');
    await quickInput().waitFor({ state: 'visible' });
    await page.keyboard.type(String(n));
    await page.keyboard.press('Enter');
    await quickInput().waitFor({ state: 'hidden' });
}

// Undoes (Ctrl+Z) until the file's tab no longer shows unsaved changes.
async function undoAll(name) {
    const tab = tabOf(name);
    for (let i = 0; i < 30 && /\bdirty\b/.test(await tab.getAttribute('class') ?? ''); i++) {
        await page.keyboard.press('Control+Z');
        await sleep(50);
    }
    await until(`${name} back to its saved text`, async () => !/\bdirty\b/.test(await tab.getAttribute('class') ?? ''));
}

// Clicks the code lens link (text containing `linkText`) right above the editor line whose
// trimmed text is `lineText`; the line must be in view (goToLine first). Lenses live in
// view zones, so "above" is read from where they are drawn.
async function clickLens(editor, lineText, linkText) {
    const find = () => editor.evaluate((ed, [lineText, linkText]) => {
        const line = [...ed.querySelectorAll('.view-line')].find((l) => l.textContent.replace(/\u00a0/g, ' ').trim() === lineText);
        if (!line) return undefined;
        const lineBox = line.getBoundingClientRect();
        let best;
        for (const a of ed.querySelectorAll('.codelens-decoration a')) {
            const r = a.getBoundingClientRect();
            const gap = lineBox.top - r.bottom;
            if (a.textContent.includes(linkText) && r.width > 0 && gap > -2 && gap < lineBox.height * 1.5 && (!best || gap < best.gap))
                best = { gap, x: r.x + r.width / 2, y: r.y + r.height / 2 };
        }
        return best;
    }, [lineText, linkText]);
    let where = await until(`the "${linkText}" code lens above "${lineText}"`, find, {
        seen: () => editor.evaluate((ed) => [...ed.querySelectorAll('.codelens-decoration')].map((d) => d.textContent.replace(/\u00a0/g, ' '))),
    });
    // The editor may still be scrolling to the line (Ctrl+G centres it): click only where the
    // lens stays put, and only on the lens itself.
    const settled = await until(`the "${linkText}" lens above "${lineText}" to hold still`, async () => {
        await sleep(150);
        const again = await find();
        const same = again && Math.abs(again.x - where.x) < 1 && Math.abs(again.y - where.y) < 1;
        if (!same) where = again ?? where;
        return same && again;
    });
    const onLens = await page.evaluate(([x, y, linkText]) => document.elementFromPoint(x, y)?.closest('.codelens-decoration a')?.textContent.includes(linkText), [settled.x, settled.y, linkText]);
    if (!onLens) throw new Error(`the point (${settled.x}, ${settled.y}) is not on the "${linkText}" lens`);
    await page.mouse.click(settled.x, settled.y);
    await parkMouse();
}

// The Problems panel's rows (Ctrl+Shift+M shows it): "Warning: <message> at line … generated by nimbus".
async function problems() {
    return page.locator('.markers-panel .monaco-list-row').evaluateAll((els) => els.map((e) => e.getAttribute('aria-label') ?? ''));
}

// The notifications on screen (toasts), for failure messages.
async function toasts() {
    return page.locator('.notifications-toasts .notification-toast').evaluateAll((els) => els.map((e) => e.innerText.replace(/\s+/g, ' ').trim()));
}

async function statusBarNimbus() {
    const texts = await page.locator('.part.statusbar .statusbar-item').evaluateAll((els) => els.map((e) => e.textContent.trim()));
    return texts.find((t) => t.startsWith('Nimbus'));
}

// ── scenarios ────────────────────────────────────────────────────────────────────────────

const FUNCTIONS = ['hello', 'getUser', 'fail', 'nightly'];

async function functionsTree({ shot }) {
    await page.locator('.part.activitybar a.action-label[aria-label^="Nimbus"]').click();
    await parkMouse();
    const pane = sidebarPane('Functions');
    await pane.waitFor();
    const labels = () => pane.locator('[role=treeitem] .label-name').allTextContents();
    await until(`the Functions tree to list ${FUNCTIONS.join(', ')}`,
        async () => { const l = await labels(); return FUNCTIONS.every((f) => l.includes(f)); },
        { timeout: 45_000, seen: labels });
    // Each function shows its handler as the description.
    const hello = pane.locator('[role=treeitem]').filter({ has: page.locator('.label-name', { hasText: /^hello$/ }) });
    const description = await hello.locator('.label-description').textContent();
    if (description !== 'handler.hello') throw new Error(`hello's description is ${short(description)}, not "handler.hello"`);
    await sidebarPane('Deployed').waitFor();
    const status = await until('the Nimbus status bar item', statusBarNimbus);
    if (!/^Nimbus: \w+/.test(status)) throw new Error(`status bar item reads ${short(status)}`);
    await shot();
    return `tree: ${(await labels()).join(', ')}; status bar: "${status}"`;
}

async function diagnostics({ shot }) {
    const file = 'serverless.yml';
    const editor = await openFile(file);
    const n = lineOf(file, /^\s+memorySize: 512\s*$/);
    await goToLine(n);
    await page.keyboard.press('End');
    await page.keyboard.press('Shift+Home');
    await page.keyboard.type('memorySize: 99999');
    // nimbus-lsp reports a value out of range as a warning (a YAML syntax error as an error).
    await until('a squiggle under the bad memorySize', () => visible(editor.locator('.squiggly-error, .squiggly-warning')));
    await page.keyboard.press('Control+Shift+M');
    const entry = await until('the Problems panel to list the memorySize problem from nimbus',
        async () => (await problems()).find((p) => /memorySize/.test(p) && /99999/.test(p) && /\bnimbus\b/.test(p)),
        { seen: problems });
    await parkMouse();
    await shot();
    await focusFile(file);
    await undoAll(file);
    await until('the Problems panel to clear after undo', async () => (await problems()).length === 0, { seen: problems });
    await until('the squiggle to go', async () => !(await visible(editor.locator('.squiggly-error, .squiggly-warning'))));
    return `Problems: ${entry}`;
}

async function completion({ shot }) {
    const file = 'serverless.yml';
    const editor = await showFile(file);
    await goToLine(lineOf(file, 'handler: handler.hello'));
    await page.keyboard.press('End');
    await page.keyboard.press('Enter'); // a new line inside hello's mapping, indented by Monaco
    await page.keyboard.press('Control+Space');
    const widget = editor.locator('.suggest-widget');
    const offered = () => widget.locator('.monaco-list-row').evaluateAll((els) => els.map((e) => e.getAttribute('aria-label') ?? ''));
    // As a person would: when no widget came up (the key press landed while the editor was
    // still taking focus on a loaded machine), Ctrl+Space again, every 3 s. What the widget
    // offers is still the language server's answer, so an empty answer still fails.
    let pressedAt = Date.now();
    let presses = 1;
    await until('the completion widget to offer function keys', async () => {
        if ((await offered()).some((l) => /, Property$/.test(l))) return true;
        if (Date.now() - pressedAt > 3000 && !(await visible(widget))) {
            await page.keyboard.press('Control+Space');
            pressedAt = Date.now();
            presses++;
        }
        return false;
    }, { seen: async () => `${short(await offered())} after ${presses} Ctrl+Space` });
    const keys = [];
    for (const [typed, key] of [['tim', 'timeout'], ['mem', 'memorySize']]) {
        if (keys.length) {
            await page.keyboard.press('Escape');
            for (let i = 0; i < 3; i++) await page.keyboard.press('Backspace');
            await page.keyboard.press('Control+Space');
        }
        await page.keyboard.type(typed);
        const names = () => widget.locator('.monaco-list-row .label-name').allTextContents();
        await until(`"${key}" among the completions after "${typed}"`, async () => (await names()).includes(key), { seen: names });
        if (!keys.length) await shot();
        keys.push(key);
    }
    await page.keyboard.press('Escape');
    await undoAll(file);
    return `offered ${keys.join(', ')}`;
}

async function invokeLens({ shot }) {
    const file = 'serverless.yml';
    const editor = await showFile(file);
    await goToLine(lineOf(file, /^\s+hello:\s*$/));
    await clickLens(editor, 'hello:', 'Invoke');
    const result = editorOf('hello%20result.jsonc');
    const text = await until('the result editor to show hello\'s result', async () => {
        if (!(await result.count())) return undefined;
        const lines = await editorLines(result);
        return lines.length > 3 && lines.join('\n');
    }, { timeout: 60_000, seen: () => result.count().then((c) => (c ? editorLines(result) : 'no result editor')) });
    const lines = text.split('\n');
    const problemsFound = [];
    if (!/^\/\/ hello\b/.test(lines[0])) problemsFound.push('its first line is not a // comment naming hello');
    if (!/^\/\/ hello succeeded$/.test(lines[0])) problemsFound.push('its first line does not say hello succeeded');
    if (!/^\/\/ Duration [\d.]+ ms \(Billed \d+ ms\) · Max Memory Used \d+ MB of 256 MB · (warm|cold start)/.test(lines[1])) problemsFound.push('its second line lacks the REPORT figures');
    if (!/"statusCode": 200/.test(text)) problemsFound.push('no statusCode 200');
    if (!/Hello, [^!"\\]+!/.test(text)) problemsFound.push('no "Hello, …" greeting');
    await parkMouse();
    await shot();
    if (problemsFound.length) throw new Error(`the result editor: ${problemsFound.join('; ')}: ${short(text, 600)}`);
    const status = await until('the status bar to show the simulator running', async () => {
        const s = await statusBarNimbus();
        return /running/.test(s ?? '') && s;
    }, { seen: statusBarNimbus });
    return `${lines[0]} ${lines[1]} / status bar: "${status}"`;
}

// One step of a multi-step command's quick input, once its title shows: a row picked by
// its label, or a value typed into its box.
async function quickStep(title, { pick, type }) {
    const titleText = () => quickInput().locator('.quick-input-title').textContent().catch(() => '');
    await until(`the quick input titled "${title}"`, async () => (await visible(quickInput())) && (await titleText())?.includes(title),
        { seen: titleText });
    if (pick !== undefined) {
        const rows = quickInput().locator('.monaco-list-row');
        const row = await until(`"${pick}" among the choices of "${title}"`, async () => {
            const labels = await rows.evaluateAll((els) => els.map((e) => e.getAttribute('aria-label') ?? ''));
            const i = labels.findIndex((l) => l.startsWith(pick));
            return i >= 0 ? rows.nth(i) : undefined;
        }, { seen: () => rows.evaluateAll((els) => els.map((e) => e.getAttribute('aria-label'))) });
        await row.click();
    } else {
        await page.keyboard.press('Control+A');
        await page.keyboard.type(type);
        await page.keyboard.press('Enter');
    }
    // The next step replaces this one: wait until this title has gone.
    await until(`the "${title}" step to close`, async () => !(await visible(quickInput())) || !(await titleText())?.includes(title));
}

const toastSaying = (what, pattern, timeout = 60_000) =>
    until(`a notification saying ${what}`, async () => (await toasts()).find((t) => pattern.test(t)), { timeout, seen: toasts });

// Deploy, Publish Version (twice, the second after a change to the code) and Set Alias
// Weights from the command palette, as a user answers their questions; the Deployed view
// then shows the function's two versions and the alias "live" at 90 % v1 / 10 % v2.
async function manageDeployed({ shot }) {
    const fn = 'python-hello-dev-hello';
    const deploy = async () => {
        await runCommand('Nimbus: Deploy');
        await toastSaying('"Nimbus: deployed"', /Nimbus: deployed/);
    };
    const publish = async (description, version) => {
        await page.keyboard.press('F1');
        await quickInput().waitFor({ state: 'visible' });
        await page.keyboard.type('Nimbus: Publish Version');
        await page.keyboard.press('Enter');
        await quickStep('Publish a version of…', { pick: fn });
        await quickStep(`Publish a version of ${fn}`, { type: description });
        await toastSaying(`version ${version} published`, new RegExp(`published ${fn} version ${version}\\b`));
    };
    await deploy();
    await publish('first', 1);
    fs.appendFileSync(path.join(dirs.project, 'handler.py'), '\n# a change, for a second version\n');
    await deploy();
    await publish('second', 2);

    await page.keyboard.press('F1');
    await quickInput().waitFor({ state: 'visible' });
    await page.keyboard.type('Nimbus: Set Alias Weights');
    await page.keyboard.press('Enter');
    await quickStep('Set an alias of…', { pick: fn });
    await quickStep(`Alias of ${fn}`, { pick: 'New alias' });
    await quickStep('New alias', { type: 'live' });
    await quickStep('live: which version takes the traffic?', { pick: '1' });
    await quickStep('live: split traffic with another version?', { pick: '2' });
    await quickStep('live: version 1 takes what percentage?', { type: '90' });
    await toastSaying('the alias set', /python-hello-dev-hello:live → v1 90% · v2 10%/);

    // The Deployed view: the function, opened, lists both versions and the alias's split.
    const pane = sidebarPane('Deployed');
    // The Nimbus view, opened from the activity bar unless it shows (a click would close it).
    if (!(await visible(pane))) await page.locator('.part.activitybar a.action-label[aria-label^="Nimbus"]').click();
    const items = () => pane.locator('[role=treeitem]').evaluateAll((els) => els.map((e) => e.getAttribute('aria-label') ?? ''));
    const row = pane.locator('[role=treeitem]').filter({ has: page.locator('.label-name', { hasText: fn }) });
    await until(`${fn} in the Deployed view`, () => row.count(), { seen: items });
    if ((await row.getAttribute('aria-expanded')) !== 'true') await row.locator('.monaco-tl-twistie').click();
    const alias = await until('the alias live at v1 90% · v2 10% in the Deployed view',
        async () => (await items()).find((l) => l === 'alias live: v1 90% · v2 10%'), { seen: items });
    const versions = await until('versions 1 and 2 in the Deployed view', async () => {
        const all = await items();
        return all.some((l) => l.startsWith('Version 1')) && all.some((l) => l.startsWith('Version 2')) && all.filter((l) => l.startsWith('Version ')).join(', ');
    }, { seen: items });
    await parkMouse();
    await shot();
    return `${versions}; ${alias}`;
}

// A function that raises: its result editor says so with the error type, and a notification
// says it failed, with its log a click away.
async function failingInvoke({ shot }) {
    const file = 'serverless.yml';
    const editor = await showFile(file);
    await goToLine(lineOf(file, /^\s+fail:\s*$/));
    await clickLens(editor, 'fail:', 'Invoke');
    const toast = await toastSaying('fail failed with ValueError', /Nimbus: fail failed with ValueError/);
    const result = editorOf('fail%20result.jsonc');
    const text = await until('the result editor to show the error', async () =>
        (await result.count()) && (await editorLines(result)).join('\n'), { seen: () => result.count() });
    if (!/^\/\/ fail failed: ValueError/.test(text) || !/this function always fails/.test(text))
        throw new Error(`the result editor: ${short(text, 400)}`);
    await parkMouse();
    await shot();
    return `${text.split('\n')[0]}; notification: ${short(toast)}`;
}

// nimbus-lsp killed: the user is told, the server is started again, and it serves again.
async function languageServerCrash({ shot }) {
    const lspPids = () => fs.readdirSync('/proc').filter((p) => /^\d+$/.test(p)).filter((p) => {
        try {
            const cmd = fs.readFileSync(`/proc/${p}/cmdline`, 'utf8');
            return cmd.includes(tmp) && cmd.split('\0')[0].endsWith('/nimbus-lsp');
        } catch {
            return false;
        }
    });
    const before = await until('nimbus-lsp running', () => lspPids()[0]);
    process.kill(Number(before), 'SIGKILL');
    const toast = await toastSaying('that the language server stopped and was restarted', /language server \(nimbus-lsp\) stopped unexpectedly and was restarted/);
    const after = await until('a new nimbus-lsp', () => lspPids().find((p) => p !== before));
    // It serves again: the Functions view, refreshed, lists the functions through it.
    await runCommand('Nimbus: Refresh Functions');
    const pane = sidebarPane('Functions');
    if (!(await visible(pane))) await page.locator('.part.activitybar a.action-label[aria-label^="Nimbus"]').click();
    const labels = () => pane.locator('[role=treeitem] .label-name').allTextContents();
    await until('the Functions tree served by the new server', async () => (await labels()).includes('nightly'), { seen: labels });
    await parkMouse();
    await shot();
    return `killed pid ${before}, restarted as pid ${after}; notification: ${short(toast)}`;
}

// A breakpoint on the line of `handler` holding `lineText`, then the "Debug" lens above
// `hello:` in serverless.yml: the session stops there (Call Stack, current-line decoration),
// the Variables view lists `event`; F5 runs on, and the Debug Console shows the result
// (statusCode, the greeting for events/hello.json) and the REPORT line.
async function debugHelloFromLens(shot, handler, lineText) {
    const line = lineOf(handler, lineText);
    const handlerEditor = await openFile(handler);
    await goToLine(line);
    await page.keyboard.press('F9');
    await until(`a breakpoint on ${handler}:${line}`, () => visible(handlerEditor.locator('.codicon-debug-breakpoint')));

    const manifest = 'serverless.yml';
    const editor = await showFile(manifest);
    await goToLine(lineOf(manifest, /^\s+hello:\s*$/));
    await clickLens(editor, 'hello:', 'Debug');

    await page.locator('.debug-toolbar').waitFor({ state: 'visible', timeout: 60_000 });
    const frames = () => page.locator('.debug-call-stack .monaco-list-row').evaluateAll((els) => els.map((e) => e.getAttribute('aria-label') ?? ''));
    const frame = await until(`the session to stop in hello at ${handler}:${line}`,
        async () => (await frames()).find((f) => new RegExp(`hello, line ${line}, ${handler.replace('.', '\\.')}`).test(f)),
        { timeout: 60_000, seen: frames });
    await until(`the current-line decoration in ${handler}`, () => visible(handlerEditor.locator('.debug-top-stack-frame-line')));
    const variables = () => sidebarPane('Variables').locator('[role=treeitem]').evaluateAll((els) => els.map((e) => e.getAttribute('aria-label') ?? ''));
    const event = await until('the Variables view to list event', async () => (await variables()).find((v) => /^event\b/.test(v)),
        { seen: variables });
    await parkMouse();
    await shot();

    await page.keyboard.press('F5');
    const consoleLines = () => page.locator('.repl .monaco-list-row').evaluateAll((els) => els.map((e) => e.innerText));
    const report = await until('the Debug Console to show the result and the REPORT line', async () => {
        const all = await consoleLines();
        return all.some((l) => /statusCode/.test(l) && /Hello, Nimbus!/.test(l)) && /\bREPORT RequestId:.*/.exec(all.join('\n'))?.[0];
    }, { timeout: 30_000, seen: consoleLines });
    await until('the debug session to end', async () => !(await visible(page.locator('.debug-toolbar'))));
    await parkMouse();
    await shot('console');
    return `stopped at "${frame}", ${event}; console: ${report.split('\t').slice(0, 2).join(' ')}`;
}

const debugLens = ({ shot }) => debugHelloFromLens(shot, 'handler.py', 'params = event.get(');

// The Node example in the same code-server: nimbus-dap's Node backend (over V8's inspector).
async function nodeDebug({ shot }) {
    await page.goto(`${baseUrl}/?folder=${encodeURIComponent(dirs.nodeProject)}`, { timeout: 30_000 });
    await page.locator('.monaco-workbench').waitFor({ timeout: 30_000 });
    await until('the extension to serve node-hello (the status bar\'s Nimbus item)', statusBarNimbus, { timeout: 60_000 });
    const project = dirs.project;
    dirs.project = dirs.nodeProject; // openFile and lineOf read this project now
    try {
        return await debugHelloFromLens(shot, 'handler.js', 'const name = event.name');
    } finally {
        dirs.project = project;
    }
}

const scenarios = [
    ['functions-tree', functionsTree],
    ['diagnostics', diagnostics],
    ['completion', completion],
    ['invoke-lens', invokeLens],
    ['failing-invoke', failingInvoke],
    ['debug-lens', debugLens],
    ['manage-deployed', manageDeployed],
    ['language-server-crash', languageServerCrash],
    ['node-debug', nodeDebug],
];

// ── the run ──────────────────────────────────────────────────────────────────────────────

// After a failed scenario: close what it may have left open (widgets, a debug session) and
// revert the files it left modified, so that the next one starts clean.
async function recover() {
    try {
        for (let i = 0; i < 3; i++) await page.keyboard.press('Escape');
        if (await visible(page.locator('.debug-toolbar'))) {
            await page.keyboard.press('Shift+F5');
            await until('the debug session to stop', async () => !(await visible(page.locator('.debug-toolbar'))), { timeout: 10_000 });
        }
        const dirty = page.locator('.tabs-container [role=tab].dirty');
        for (let i = 0; i < 5 && (await dirty.count()) > 0; i++) {
            await dirty.first().click();
            await runCommand('File: Revert File');
        }
    } catch (e) {
        log(`could not recover: ${e.message}`);
    }
}

// Keeps code-server's and VS Code's logs with the screenshots when something failed.
function keepLogs() {
    const to = path.join(artifacts, 'logs');
    try {
        fs.mkdirSync(to, { recursive: true });
        fs.copyFileSync(codeServerLog, path.join(to, 'code-server.log'));
        const vscodeLogs = path.join(dirs.userData, 'logs');
        if (fs.existsSync(vscodeLogs)) fs.cpSync(vscodeLogs, path.join(to, 'vscode'), { recursive: true });
        log(`logs kept in ${to}`);
    } catch (e) {
        log(`could not keep the logs: ${e.message}`);
    }
}

async function main() {
    log(`code-server ${JSON.parse(fs.readFileSync(path.join(here, 'node_modules', 'code-server', 'package.json'), 'utf8')).version}, ` +
        `playwright-core ${JSON.parse(fs.readFileSync(path.join(here, 'node_modules', 'playwright-core', 'package.json'), 'utf8')).version}, ` +
        `${path.basename(vsix)}; temporary folder ${tmp}`);
    prepareFolders();
    installExtension();
    log('extension installed');
    const url = await startCodeServer();
    log(`code-server at ${url}`);
    await startBrowser(url);
    log(`workbench loaded in Chromium ${browserContext.browser()?.version() ?? ''}`.trim());

    const failures = [];
    for (const [i, [name, scenario]] of scenarios.entries()) {
        const number = i + 1;
        if (only && number !== 1 && !only.has(number)) continue;
        const stem = `${String(number).padStart(2, '0')}-${name}`;
        let shots = 0;
        const shot = async (suffix) => {
            shots++;
            await page.screenshot({ path: path.join(artifacts, `${stem}${suffix ? `-${suffix}` : ''}.png`) });
        };
        const t0 = Date.now();
        try {
            const detail = await scenario({ shot });
            if (!shots) await shot();
            log(`PASS ${number} ${name} (${((Date.now() - t0) / 1000).toFixed(1)}s): ${detail}`);
        } catch (e) {
            await page.screenshot({ path: path.join(artifacts, `${stem}-FAILED.png`) }).catch(() => {});
            log(`FAIL ${number} ${name} (${((Date.now() - t0) / 1000).toFixed(1)}s): ${e.message}`);
            const shown = await toasts().catch(() => []);
            if (shown.length) log(`notifications on screen: ${shown.map((t) => short(t)).join(' / ')}`);
            failures.push(`${number} ${name}: ${e.message}`);
            await recover();
        }
    }
    return failures;
}

let timedOut = false;
const deadline = setTimeout(async () => {
    timedOut = true;
    console.error(`run.mjs: FAILED: the run took longer than ${RUN_DEADLINE_MS / 1000}s; stopping`);
    keepLogs();
    await cleanup();
    process.exit(1);
}, RUN_DEADLINE_MS);

let status = 0;
try {
    const failures = await main();
    const ran = only ? scenarios.filter((_, i) => i === 0 || only.has(i + 1)).length : scenarios.length;
    if (failures.length) {
        status = 1;
        if (!timedOut) keepLogs();
        console.error(`run.mjs: FAILED scenario${failures.length > 1 ? 's' : ''}:\n${failures.map((f) => `  ${f}`).join('\n')}`);
    }
    console.log(`${ran - failures.length} passed, ${failures.length} failed`);
} catch (e) {
    status = 2;
    if (!timedOut) keepLogs();
    console.error(`run.mjs: the harness could not run: ${e.stack ?? e}`);
}
await cleanup();
clearTimeout(deadline);
log(`done; screenshots in ${artifacts}`);
process.exit(timedOut ? 1 : status);
