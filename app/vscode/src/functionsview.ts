// The Functions view: the project's functions by kind, as nimbus-lsp lists them, with
// Invoke / Debug / Open Handler on each and its events beneath.
import * as path from 'path';
import * as vscode from 'vscode';
import { ProjectFunction, contextValue, describeFunction, groupFunctions, parseFunctionList } from './core/functions';
import { LanguageServer } from './languageserver';
import { Projects } from './project';

export type FunctionsNode =
    | { type: 'project'; project: string }
    | { type: 'group'; project: string; label: string; functions: ProjectFunction[] }
    | { type: 'function'; project: string; fn: ProjectFunction }
    | { type: 'event'; text: string }
    | { type: 'error'; project: string; message: string };

export class FunctionsView implements vscode.TreeDataProvider<FunctionsNode>, vscode.Disposable {
    private readonly changed = new vscode.EventEmitter<FunctionsNode | undefined>();
    readonly onDidChangeTreeData = this.changed.event;
    private readonly cache = new Map<string, ProjectFunction[] | Error>();
    private readonly watcher = vscode.workspace.createFileSystemWatcher('**/{serverless.yml,serverless.yaml,*.py,*.js,*.mjs,*.cjs,*.ts}');
    private timer: NodeJS.Timeout | undefined;

    constructor(private readonly lsp: LanguageServer, private readonly projects: Projects) {
        const later = () => this.refreshSoon();
        this.watcher.onDidChange(later);
        this.watcher.onDidCreate(later);
        this.watcher.onDidDelete(later);
        vscode.workspace.onDidChangeTextDocument((e) => {
            if (/serverless\.ya?ml$/.test(e.document.fileName)) later();
        });
        projects.onDidChange(() => this.refresh());
        lsp.onDidStart(() => this.refresh());
    }

    refresh(): void {
        this.cache.clear();
        this.changed.fire(undefined);
    }

    private refreshSoon(): void {
        if (this.timer) clearTimeout(this.timer);
        this.timer = setTimeout(() => this.refresh(), 400);
    }

    // The project's functions (cached until something changes).
    async functions(project: string): Promise<ProjectFunction[]> {
        let entry = this.cache.get(project);
        if (!entry) {
            try {
                entry = parseFunctionList(await this.lsp.command('nimbus.listFunctions', [project]));
            } catch (e) {
                entry = e instanceof Error ? e : new Error(String(e));
            }
            this.cache.set(project, entry);
        }
        if (entry instanceof Error) throw entry;
        return entry;
    }

    async getChildren(node?: FunctionsNode): Promise<FunctionsNode[]> {
        if (!node) {
            const all = this.projects.all;
            if (all.length === 1) return this.groups(all[0]);
            return all.map((project) => ({ type: 'project', project }));
        }
        if (node.type === 'project') return this.groups(node.project);
        if (node.type === 'group') return node.functions.map((fn) => ({ type: 'function', project: node.project, fn }));
        if (node.type === 'function') return node.fn.events.map((text) => ({ type: 'event', text }));
        return [];
    }

    private async groups(project: string): Promise<FunctionsNode[]> {
        try {
            const groups = groupFunctions(await this.functions(project));
            if (groups.length === 0) return [{ type: 'error', project, message: 'serverless.yml declares no functions' }];
            return groups.map((g) => ({ type: 'group', project, label: g.label, functions: g.functions }));
        } catch (e) {
            return [{ type: 'error', project, message: (e as Error).message }];
        }
    }

    getTreeItem(node: FunctionsNode): vscode.TreeItem {
        switch (node.type) {
            case 'project': {
                const item = new vscode.TreeItem(path.basename(node.project), vscode.TreeItemCollapsibleState.Expanded);
                item.description = vscode.workspace.asRelativePath(node.project);
                item.iconPath = new vscode.ThemeIcon('folder');
                return item;
            }
            case 'group': {
                const item = new vscode.TreeItem(node.label, vscode.TreeItemCollapsibleState.Expanded);
                item.description = String(node.functions.length);
                item.contextValue = 'group';
                return item;
            }
            case 'function': {
                const fn = node.fn;
                const item = new vscode.TreeItem(fn.name, fn.events.length ? vscode.TreeItemCollapsibleState.Collapsed : vscode.TreeItemCollapsibleState.None);
                item.id = `${node.project}#${fn.name}`;
                item.description = fn.handler;
                item.tooltip = describeFunction(fn);
                item.contextValue = contextValue(fn);
                item.iconPath = new vscode.ThemeIcon(fn.kind === 'event' ? 'symbol-event' : fn.kind === 'http' ? 'globe' : 'server-process');
                item.accessibilityInformation = { label: `${fn.name}, ${fn.kind} function, handler ${fn.handler}` };
                if (fn.manifest)
                    item.command = {
                        command: 'vscode.open',
                        title: 'Show in serverless.yml',
                        arguments: [vscode.Uri.file(fn.manifest.file), { selection: new vscode.Range(fn.manifest.line, fn.manifest.column, fn.manifest.line, fn.manifest.column), preserveFocus: true }],
                    };
                return item;
            }
            case 'event': {
                const item = new vscode.TreeItem(node.text, vscode.TreeItemCollapsibleState.None);
                item.iconPath = new vscode.ThemeIcon('zap');
                return item;
            }
            case 'error': {
                const item = new vscode.TreeItem('The manifest does not load', vscode.TreeItemCollapsibleState.None);
                item.description = node.message;
                item.tooltip = `${node.message}\n\nThe Problems panel lists where.`;
                item.iconPath = new vscode.ThemeIcon('error', new vscode.ThemeColor('errorForeground'));
                item.command = { command: 'workbench.actions.view.problems', title: 'Show Problems' };
                return item;
            }
        }
    }

    dispose(): void {
        this.watcher.dispose();
        this.changed.dispose();
        if (this.timer) clearTimeout(this.timer);
    }
}
