// The project's simulator (nimbus-sim) as the extension sees it: started by the extension
// (its log streams to the "Nimbus Simulator" output channel) or found running through
// PROJECT/.nimbus/sim.json; its state and URL in the status bar.
import { ChildProcess, spawn } from 'child_process';
import * as vscode from 'vscode';
import { Servers } from './core/servers';
import { SimState, processAlive, readSimState } from './core/simstate';
import { eventLine, parseBatch } from './core/simevents';
import { signGet } from './core/sigv4';

export type SimulatorStatus =
    | { state: 'stopped' }
    | { state: 'starting' }
    | { state: 'running'; sim: SimState; ours: boolean }
    | { state: 'failed'; message: string };

export class Simulator implements vscode.Disposable {
    private child: ChildProcess | undefined;
    private current: SimulatorStatus = { state: 'stopped' };
    private starting: Promise<SimState> | undefined;
    private stopping = false;
    private readonly changed = new vscode.EventEmitter<SimulatorStatus>();
    readonly onDidChange = this.changed.event;
    readonly log = vscode.window.createOutputChannel('Nimbus Simulator');
    private readonly item = vscode.window.createStatusBarItem('nimbus.simulator', vscode.StatusBarAlignment.Left, 10);
    private watcher: vscode.FileSystemWatcher | undefined;

    constructor(private readonly servers: () => Servers, private readonly stage: () => string) {
        this.item.name = 'Nimbus Simulator';
        this.render();
    }

    get status(): SimulatorStatus {
        return this.current;
    }

    private projectDir: string | undefined;

    // Follows `project`: a simulator already serving it is attached to.
    setProject(project: string | undefined): void {
        if (project === this.projectDir) return;
        this.projectDir = project;
        this.watcher?.dispose();
        this.watcher = undefined;
        if (project) {
            this.watcher = vscode.workspace.createFileSystemWatcher(new vscode.RelativePattern(project, '.nimbus/sim.json'));
            const check = () => this.refresh();
            this.watcher.onDidCreate(check);
            this.watcher.onDidChange(check);
            this.watcher.onDidDelete(check);
            this.item.show();
        } else {
            this.item.hide();
        }
        this.refresh();
    }

    get project(): string | undefined {
        return this.projectDir;
    }

    // Re-reads sim.json: notices a simulator started or stopped outside VS Code.
    refresh(): void {
        if (!this.projectDir || this.current.state === 'starting') return;
        const sim = readSimState(this.projectDir, processAlive);
        if (sim) {
            const ours = !!this.child && this.child.pid === sim.pid;
            if (this.current.state !== 'running' || this.current.sim.pid !== sim.pid)
                this.set({ state: 'running', sim, ours });
        } else if (this.current.state === 'running') {
            this.set({ state: 'stopped' });
        }
    }

    // The running simulator, started now when none serves the project.
    async ensureRunning(): Promise<SimState> {
        this.refresh();
        if (this.current.state === 'running') return this.current.sim;
        return this.start();
    }

    start(): Promise<SimState> {
        const project = this.projectDir;
        if (!project) return Promise.reject(new Error('no Nimbus project is open'));
        if (this.starting) return this.starting;
        const existing = readSimState(project, processAlive);
        if (existing) {
            this.set({ state: 'running', sim: existing, ours: false });
            return Promise.resolve(existing);
        }
        this.starting = this.launch(project).finally(() => (this.starting = undefined));
        return this.starting;
    }

    private launch(project: string): Promise<SimState> {
        const servers = this.servers();
        const args = ['--project', project, ...(this.stage() ? ['--stage', this.stage()] : [])];
        this.set({ state: 'starting' });
        this.log.appendLine(`$ nimbus-sim ${args.join(' ')}`);
        const child = spawn(servers.sim, args, {
            env: { ...process.env, ...servers.env, NO_COLOR: '1' },
            detached: true, // its own process group: stopping it stops the function instances too
        });
        this.child = child;
        let stderr = '';
        child.stdout?.on('data', (d: Buffer) => this.log.append(d.toString()));
        child.stderr?.on('data', (d: Buffer) => {
            stderr += d;
            this.log.append(d.toString());
        });
        return new Promise<SimState>((resolve, reject) => {
            let settled = false;
            const finish = (error?: Error, sim?: SimState) => {
                if (settled) return;
                settled = true;
                clearInterval(poll);
                clearTimeout(timer);
                if (error) {
                    this.set({ state: 'failed', message: error.message });
                    reject(error);
                } else {
                    this.set({ state: 'running', sim: sim!, ours: true });
                    resolve(sim!);
                }
            };
            const poll = setInterval(() => {
                const sim = readSimState(project, processAlive);
                if (sim && sim.pid === child.pid) finish(undefined, sim);
            }, 100);
            const timer = setTimeout(() => {
                finish(new Error('nimbus-sim did not come up within 30 s; see the Nimbus Simulator output'));
                this.kill(child);
            }, 30000);
            child.on('error', (e) => finish(new Error(`cannot start ${servers.sim}: ${e.message}`)));
            child.on('exit', (code, signal) => {
                if (this.child === child) this.child = undefined;
                const why = stderr.split('\n').map((l) => l.trim()).filter(Boolean).slice(-3).join(' ');
                if (!settled) {
                    finish(new Error(`nimbus-sim stopped before serving the project (${signal ?? `exit status ${code}`})${why ? `: ${why}` : ''}`));
                    return;
                }
                this.log.appendLine(`[nimbus-sim exited: ${signal ?? `status ${code}`}]`);
                if (this.stopping) {
                    this.stopping = false;
                    this.set({ state: 'stopped' });
                } else if (this.current.state === 'running' && this.current.sim.pid === child.pid) {
                    const message = `nimbus-sim stopped unexpectedly (${signal ?? `exit status ${code}`})${why ? `: ${why}` : ''}`;
                    this.set({ state: 'failed', message });
                    void vscode.window.showErrorMessage(`Nimbus: ${message}`, 'Start Again', 'Show Log').then((a) => {
                        if (a === 'Start Again') void this.start().catch((e) => vscode.window.showErrorMessage(`Nimbus: ${e.message}`));
                        if (a === 'Show Log') this.log.show();
                    });
                }
            });
        });
    }

    // Stops the simulator: ours by its process group; one started elsewhere after asking.
    async stop(): Promise<void> {
        this.refresh();
        if (this.current.state !== 'running') return;
        const { sim, ours } = this.current;
        if (!ours) {
            const answer = await vscode.window.showWarningMessage(
                `The simulator serving this project (pid ${sim.pid}) was started outside VS Code. Stop it?`, { modal: true }, 'Stop');
            if (answer !== 'Stop') return;
            try {
                process.kill(sim.pid, 'SIGTERM');
            } catch (e) {
                throw new Error(`cannot stop pid ${sim.pid}: ${(e as Error).message}`);
            }
            await waitFor(() => !processAlive(sim.pid), 5000);
            this.set({ state: 'stopped' });
            return;
        }
        if (this.child) {
            this.stopping = true;
            const child = this.child;
            const exited = new Promise<void>((r) => child.once('exit', () => r()));
            child.kill('SIGTERM'); // it removes sim.json and stops its instances
            const done = await Promise.race([exited.then(() => true), delay(5000).then(() => false)]);
            if (!done) this.kill(child);
        }
    }

    private kill(child: ChildProcess): void {
        try {
            if (child.pid) process.kill(-child.pid, 'SIGKILL');
        } catch {
            child.kill('SIGKILL');
        }
    }

    // A simulator started elsewhere has its log in its own terminal: the output follows its
    // live event stream instead, for as long as it is the one serving the project.
    private following: number | undefined;
    private async follow(sim: SimState): Promise<void> {
        if (this.following === sim.pid || !sim.credentials) return;
        this.following = sim.pid;
        this.log.appendLine(`[attached to nimbus-sim pid ${sim.pid}, started outside VS Code: following its event stream]`);
        let after = 0;
        let failures = 0;
        const stillServing = () => this.current.state === 'running' && this.current.sim.pid === sim.pid && !this.current.ours;
        while (stillServing()) {
            const url = new URL(`/_nimbus/events?after=${after}&wait=20`, sim.controlPlane);
            try {
                const controller = new AbortController();
                const timer = setTimeout(() => controller.abort(), 30000);
                const response = await fetch(url, { headers: signGet(url, sim.credentials, sim.region, 'lambda'), signal: controller.signal })
                    .finally(() => clearTimeout(timer));
                const body = await response.text();
                if (!response.ok) throw new Error(`${response.status}: ${body.slice(0, 200)}`);
                const batch = parseBatch(body);
                if (batch.dropped > 0) this.log.appendLine(`[${batch.dropped} events were dropped before these]`);
                for (const event of batch.events) {
                    const line = eventLine(event);
                    if (line !== undefined) this.log.appendLine(line);
                }
                after = batch.next;
                failures = 0;
            } catch (e) {
                if (!stillServing()) break;
                if (++failures === 3) this.log.appendLine(`[the event stream failed: ${(e as Error).message}; retrying]`);
                await delay(Math.min(5000, 500 * failures));
            }
        }
        if (this.following === sim.pid) this.following = undefined;
    }

    private set(status: SimulatorStatus): void {
        this.current = status;
        if (status.state === 'running' && !status.ours) void this.follow(status.sim);
        void vscode.commands.executeCommand('setContext', 'nimbus.simulatorRunning', status.state === 'running');
        this.render();
        this.changed.fire(status);
    }

    private render(): void {
        const s = this.current;
        const tooltip = new vscode.MarkdownString(undefined, true);
        switch (s.state) {
            case 'stopped':
                this.item.text = '$(circle-slash) Nimbus: stopped';
                tooltip.appendMarkdown('The project\'s simulator is not running. Click to start it.');
                this.item.command = 'nimbus.startSimulator';
                this.item.backgroundColor = undefined;
                break;
            case 'starting':
                this.item.text = '$(sync~spin) Nimbus: starting…';
                tooltip.appendMarkdown('Starting nimbus-sim…');
                this.item.command = 'nimbus.showSimulatorLog';
                break;
            case 'running':
                this.item.text = `$(cloud) Nimbus: running · ${s.sim.gateway}`;
                tooltip.appendMarkdown(`**nimbus-sim** (pid ${s.sim.pid}${s.ours ? '' : ', started outside VS Code'}) serving *${s.sim.service}*, stage *${s.sim.stage}*\n\n`);
                tooltip.appendMarkdown(`- gateway: ${s.sim.gateway}\n- control plane (AWS Lambda API): ${s.sim.controlPlane}\n\nClick to show its log.`);
                this.item.command = 'nimbus.showSimulatorLog';
                this.item.backgroundColor = undefined;
                break;
            case 'failed':
                this.item.text = '$(error) Nimbus: failed';
                tooltip.appendText(s.message);
                this.item.command = 'nimbus.startSimulator';
                this.item.backgroundColor = new vscode.ThemeColor('statusBarItem.errorBackground');
                break;
        }
        this.item.tooltip = tooltip;
        this.item.accessibilityInformation = { label: this.item.text.replace(/\$\([^)]*\)\s*/g, '') };
    }

    dispose(): void {
        if (this.child) {
            this.stopping = true;
            const pid = this.child.pid;
            this.child.kill('SIGTERM');
            // Whatever it does with SIGTERM, it must not outlive the window.
            setTimeout(() => {
                try {
                    if (pid) process.kill(-pid, 'SIGKILL');
                } catch {
                    // gone already
                }
            }, 3000).unref();
        }
        this.watcher?.dispose();
        this.item.dispose();
        this.log.dispose();
        this.changed.dispose();
    }
}

const delay = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

async function waitFor(condition: () => boolean, ms: number): Promise<void> {
    const end = Date.now() + ms;
    while (!condition() && Date.now() < end) await delay(100);
}
