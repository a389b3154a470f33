// The Nimbus projects in the workspace: folders holding a serverless.yml/.yaml, and which
// one a command means when it is not given one.
import * as path from 'path';
import * as vscode from 'vscode';

export class Projects implements vscode.Disposable {
    private dirs: string[] = [];
    private readonly changed = new vscode.EventEmitter<void>();
    readonly onDidChange = this.changed.event;
    private readonly watcher = vscode.workspace.createFileSystemWatcher('**/serverless.{yml,yaml}');

    constructor() {
        this.watcher.onDidCreate(() => this.scan());
        this.watcher.onDidDelete(() => this.scan());
        vscode.workspace.onDidChangeWorkspaceFolders(() => this.scan());
    }

    async scan(): Promise<void> {
        const files = await vscode.workspace.findFiles('**/serverless.{yml,yaml}', '{**/node_modules/**,**/.nimbus/**}', 50);
        const dirs = [...new Set(files.map((f) => path.dirname(f.fsPath)))].sort();
        if (dirs.join('\n') !== this.dirs.join('\n')) {
            this.dirs = dirs;
            await vscode.commands.executeCommand('setContext', 'nimbus.project', dirs.length > 0);
            this.changed.fire();
        }
    }

    get all(): readonly string[] {
        return this.dirs;
    }

    // The project of the active editor's file, else the only one, else the user's choice.
    async pick(placeHolder = 'Which project?'): Promise<string | undefined> {
        if (this.dirs.length === 0) {
            void vscode.window.showErrorMessage('Nimbus: no serverless.yml in this workspace. Open the folder of a function project (or create one with `nimbus init`).');
            return undefined;
        }
        const active = vscode.window.activeTextEditor?.document.uri.fsPath;
        const containing = active && this.dirs.filter((d) => active.startsWith(d + path.sep)).sort((a, b) => b.length - a.length)[0];
        if (containing) return containing;
        if (this.dirs.length === 1) return this.dirs[0];
        const chosen = await vscode.window.showQuickPick(this.dirs.map((d) => ({ label: path.basename(d), description: vscode.workspace.asRelativePath(d), dir: d })), { placeHolder });
        return chosen?.dir;
    }

    dispose(): void {
        this.watcher.dispose();
        this.changed.dispose();
    }
}
