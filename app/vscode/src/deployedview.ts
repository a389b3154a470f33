// The Deployed view: the functions on the project's simulator's control plane (as
// `nimbus functions --json` reports them), with their versions and weighted aliases.
import * as vscode from 'vscode';
import { Cli } from './cli';
import { functionsArgs } from './core/commands';
import { DeployedAlias, DeployedFunction, describeSplit, formatBytes, parseDeployed } from './core/deployed';
import { Simulator } from './simulator';

export type DeployedNode =
    | { type: 'function'; fn: DeployedFunction }
    | { type: 'versions'; fn: DeployedFunction }
    | { type: 'version'; fn: DeployedFunction; version: string }
    | { type: 'aliases'; fn: DeployedFunction }
    | { type: 'alias'; fn: DeployedFunction; alias: DeployedAlias }
    | { type: 'message'; text: string; error?: boolean; command?: vscode.Command };

export class DeployedView implements vscode.TreeDataProvider<DeployedNode>, vscode.Disposable {
    private readonly changed = new vscode.EventEmitter<DeployedNode | undefined>();
    readonly onDidChangeTreeData = this.changed.event;
    private list: DeployedFunction[] | Error | undefined;

    constructor(private readonly cli: Cli, private readonly simulator: Simulator, private readonly stage: () => string) {
        simulator.onDidChange(() => this.refresh());
    }

    refresh(): void {
        this.list = undefined;
        this.changed.fire(undefined);
    }

    // The deployed functions (loaded once per refresh).
    async functions(): Promise<DeployedFunction[]> {
        const project = this.simulator.project;
        if (!project || this.simulator.status.state !== 'running') return [];
        if (!this.list) {
            try {
                this.list = parseDeployed((await this.cli.run(functionsArgs({ project, stage: this.stage() }))).stdout);
            } catch (e) {
                this.list = e as Error;
            }
        }
        if (this.list instanceof Error) throw this.list;
        return this.list;
    }

    async getChildren(node?: DeployedNode): Promise<DeployedNode[]> {
        if (!node) {
            if (!this.simulator.project) return [];
            if (this.simulator.status.state !== 'running')
                return [{ type: 'message', text: 'The simulator is not running', command: { command: 'nimbus.startSimulator', title: 'Start Simulator' } }];
            try {
                const fns = await this.functions();
                return fns.map((fn) => ({ type: 'function', fn }));
            } catch (e) {
                return [{ type: 'message', text: (e as Error).message, error: true }];
            }
        }
        if (node.type === 'function') {
            const children: DeployedNode[] = [{ type: 'versions', fn: node.fn }];
            if (node.fn.aliases.length) children.push({ type: 'aliases', fn: node.fn });
            return children;
        }
        if (node.type === 'versions') return ['$LATEST', ...node.fn.versions].map((version) => ({ type: 'version', fn: node.fn, version }));
        if (node.type === 'aliases') return node.fn.aliases.map((alias) => ({ type: 'alias', fn: node.fn, alias }));
        return [];
    }

    getTreeItem(node: DeployedNode): vscode.TreeItem {
        switch (node.type) {
            case 'function': {
                const item = new vscode.TreeItem(node.fn.name, vscode.TreeItemCollapsibleState.Collapsed);
                item.id = `deployed#${node.fn.name}`;
                const latest = node.fn.versions[node.fn.versions.length - 1];
                item.description = `${node.fn.runtime} · ${formatBytes(node.fn.codeSize)}${latest ? ` · v${latest}` : ''}`;
                item.tooltip = [node.fn.name, node.fn.description, `handler: ${node.fn.handler}`, `runtime: ${node.fn.runtime}`,
                    `code: ${formatBytes(node.fn.codeSize)}`, `last modified: ${node.fn.lastModified}`].filter(Boolean).join('\n');
                item.contextValue = 'deployedFunction';
                item.iconPath = new vscode.ThemeIcon('cloud');
                return item;
            }
            case 'versions': {
                const item = new vscode.TreeItem('Versions', vscode.TreeItemCollapsibleState.Expanded);
                item.description = node.fn.versions.length ? `${node.fn.versions.length} published` : 'none published';
                item.id = `deployed#${node.fn.name}#versions`;
                return item;
            }
            case 'version': {
                const item = new vscode.TreeItem(node.version === '$LATEST' ? '$LATEST' : `Version ${node.version}`, vscode.TreeItemCollapsibleState.None);
                const pointing = node.fn.aliases.filter((a) => a.version === node.version || node.version in a.weights).map((a) => a.name);
                item.description = pointing.length ? `← ${pointing.join(', ')}` : undefined;
                item.iconPath = new vscode.ThemeIcon(node.version === '$LATEST' ? 'edit' : 'tag');
                item.contextValue = 'version';
                return item;
            }
            case 'aliases': {
                const item = new vscode.TreeItem('Aliases', vscode.TreeItemCollapsibleState.Expanded);
                item.id = `deployed#${node.fn.name}#aliases`;
                return item;
            }
            case 'alias': {
                const item = new vscode.TreeItem(node.alias.name, vscode.TreeItemCollapsibleState.None);
                item.description = describeSplit(node.alias);
                item.tooltip = `${node.fn.name}:${node.alias.name} → ${describeSplit(node.alias)}`;
                item.accessibilityInformation = { label: `alias ${node.alias.name}: ${describeSplit(node.alias)}` };
                item.iconPath = new vscode.ThemeIcon('git-compare');
                item.contextValue = 'alias';
                return item;
            }
            case 'message': {
                const item = new vscode.TreeItem(node.text, vscode.TreeItemCollapsibleState.None);
                item.iconPath = new vscode.ThemeIcon(node.error ? 'error' : 'info');
                item.command = node.command;
                return item;
            }
        }
    }

    dispose(): void {
        this.changed.dispose();
    }
}
