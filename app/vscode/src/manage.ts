// Deploy, Publish Version, Set Alias Weights and Show Logs: the `nimbus` command line does
// the work against the project's simulator; these ask what it needs and report the outcome.
import { ChildProcess } from 'child_process';
import * as vscode from 'vscode';
import { Cli, CliError } from './cli';
import { aliasArgs, checkAliasName, deployArgs, logsArgs, parseSplit, publishArgs } from './core/commands';
import { DeployedFunction } from './core/deployed';
import { DeployedNode, DeployedView } from './deployedview';
import { FunctionsNode } from './functionsview';
import { Simulator } from './simulator';

// Not a valid alias name, so never confused with one.
const newAlias = 'New alias…';

export class Management implements vscode.Disposable {
    private readonly tails = new Map<string, { child: ChildProcess; channel: vscode.OutputChannel }>();

    constructor(private readonly cli: Cli, private readonly simulator: Simulator, private readonly deployed: DeployedView,
        private readonly output: vscode.OutputChannel, private readonly stage: () => string) {}

    private async target() {
        const project = this.simulator.project;
        if (!project) throw new Error('no Nimbus project is open');
        await this.simulator.ensureRunning();
        return { project, stage: this.stage() };
    }

    async deploy(): Promise<void> {
        await vscode.window.withProgress({ location: vscode.ProgressLocation.Notification, title: 'Nimbus: deploying', cancellable: true }, async (progress, cancel) => {
            const target = await this.target();
            progress.report({ message: 'packaging and uploading every function…' });
            await this.cli.run(deployArgs(target), { echo: true, cancel });
        });
        this.deployed.refresh();
        void vscode.window.showInformationMessage('Nimbus: deployed. Publish a version from the Deployed view.');
    }

    // The deployed function a command means: the tree item it was run on, else the user's pick.
    private async pickDeployed(node: unknown, title: string): Promise<DeployedFunction | undefined> {
        const n = node as DeployedNode | undefined;
        if (n && 'fn' in n) return n.fn;
        await this.target();
        const fns = await this.deployed.functions();
        if (fns.length === 0) {
            const a = await vscode.window.showWarningMessage('Nimbus: nothing is deployed yet.', 'Deploy');
            if (a === 'Deploy') await this.deploy();
            return undefined;
        }
        const chosen = await vscode.window.showQuickPick(fns.map((fn) => ({ label: fn.name, description: fn.versions.length ? `latest v${fn.versions[fn.versions.length - 1]}` : 'no versions', fn })), { title });
        return chosen?.fn;
    }

    async publishVersion(node?: unknown): Promise<void> {
        const fn = await this.pickDeployed(node, 'Publish a version of…');
        if (!fn) return;
        const description = await vscode.window.showInputBox({ title: `Publish a version of ${fn.name}`, prompt: 'The version\'s description (optional; Nimbus adds the git commit)', value: '' });
        if (description === undefined) return;
        const target = await this.target();
        const result = await this.cli.run(publishArgs(target, fn.name, description), { echo: true });
        this.deployed.refresh();
        void vscode.window.showInformationMessage(`Nimbus: ${result.stdout.split('\n')[0] || `published ${fn.name}`}`);
    }

    async setAliasWeights(node?: unknown): Promise<void> {
        const fn = await this.pickDeployed(node, 'Set an alias of…');
        if (!fn) return;
        if (fn.versions.length === 0) {
            void vscode.window.showWarningMessage(`Nimbus: ${fn.name} has no published version yet; an alias points at versions. Publish one first.`);
            return;
        }
        const n = node as DeployedNode | undefined;
        let alias = n?.type === 'alias' ? n.alias.name : undefined;
        if (!alias) {
            const items = [...fn.aliases.map((a) => ({ label: a.name, description: `now ${a.version}` })), { label: newAlias, description: 'create one' }];
            const picked = await vscode.window.showQuickPick(items, { title: `Alias of ${fn.name}` });
            if (!picked) return;
            alias = picked.label === newAlias
                ? await vscode.window.showInputBox({ title: 'New alias', prompt: 'Its name', value: 'live', validateInput: checkAliasName })
                : picked.label;
            if (!alias) return;
        }
        const versions = [...fn.versions].reverse();
        const primary = await vscode.window.showQuickPick(versions.map((v) => ({ label: v, description: 'version' })), { title: `${alias}: which version takes the traffic?` });
        if (!primary) return;
        const others = versions.filter((v) => v !== primary.label);
        let split: { version: string; primaryPercent: number } | undefined;
        if (others.length) {
            const second = await vscode.window.showQuickPick(
                [{ label: 'All traffic', description: `to version ${primary.label}` }, ...others.map((v) => ({ label: v, description: 'split traffic with this version' }))],
                { title: `${alias}: split traffic with another version?` });
            if (!second) return;
            if (second.label !== 'All traffic') {
                const percent = await vscode.window.showInputBox({
                    title: `${alias}: version ${primary.label} takes what percentage?`,
                    prompt: `The rest goes to version ${second.label}`,
                    value: '90',
                    validateInput: (t) => {
                        const r = parseSplit(t);
                        return 'error' in r ? r.error : undefined;
                    },
                });
                if (percent === undefined) return;
                const r = parseSplit(percent);
                if ('error' in r) return;
                split = { version: second.label, primaryPercent: r.primaryPercent };
            }
        }
        const target = await this.target();
        await this.cli.run(aliasArgs(target, fn.name, alias, primary.label, split), { echo: true });
        this.deployed.refresh();
        void vscode.window.showInformationMessage(`Nimbus: ${fn.name}:${alias} → ${split ? `v${primary.label} ${split.primaryPercent}% · v${split.version} ${100 - split.primaryPercent}%` : `v${primary.label}`}`);
    }

    // Follows a function's log (the last hour, then new lines) in its own output channel.
    async showLogs(node?: unknown, functionNames: () => Promise<string[]> = async () => []): Promise<void> {
        const n = node as (DeployedNode | FunctionsNode | undefined);
        let fn: string | undefined;
        if (n?.type === 'function') fn = 'fn' in n ? n.fn.name : undefined;
        if (!fn) {
            const names = await functionNames();
            fn = await vscode.window.showQuickPick(names, { title: 'Show the logs of…' });
        }
        if (!fn) return;
        const target = await this.target();
        this.tails.get(fn)?.child.kill();
        const channel = this.tails.get(fn)?.channel ?? vscode.window.createOutputChannel(`Nimbus Logs: ${fn}`);
        channel.clear();
        channel.show(true);
        const child = this.cli.follow(logsArgs(target, fn, true), channel);
        this.tails.set(fn, { child, channel });
    }

    // A failed command's message as a notification, with its full output a click away.
    report(e: unknown): void {
        const message = e instanceof CliError ? e.message : (e as Error)?.message ?? String(e);
        void vscode.window.showErrorMessage(`Nimbus: ${message}`, 'Show Output').then((a) => a && this.output.show(true));
    }

    dispose(): void {
        for (const { child, channel } of this.tails.values()) {
            child.kill();
            channel.dispose();
        }
    }
}
