// nimbus-lsp through vscode-languageclient, for serverless.yml / serverless.yaml: every
// capability the server has (diagnostics, completion, hover, definition, references,
// symbols, folding, code lenses) and its nimbus.* commands, whose answers the extension
// turns into actions (nimbus.invoke shows a result, nimbus.debug starts a session).
import * as vscode from 'vscode';
import {
    CloseAction, ErrorAction, ExecuteCommandRequest, LanguageClient, LanguageClientOptions, RevealOutputChannelOn, ServerOptions, State,
} from 'vscode-languageclient/node';
import { Servers } from './core/servers';

export interface ServerCommandHandlers {
    // The Invoke lens: [project, function, event?]
    invoke(project: string, fn: string): Promise<void>;
    // The Debug lens: [project, function]
    debug(project: string, fn: string): Promise<void>;
}

export const manifestSelector = [
    { scheme: 'file', pattern: '**/serverless.yml' },
    { scheme: 'file', pattern: '**/serverless.yaml' },
];

export class LanguageServer implements vscode.Disposable {
    private client: LanguageClient | undefined;
    private readonly output = vscode.window.createOutputChannel('Nimbus Language Server');
    private restarts: number[] = [];
    private readonly ready = new vscode.EventEmitter<void>();
    readonly onDidStart = this.ready.event;

    constructor(private readonly servers: () => Servers, private readonly handlers: ServerCommandHandlers) {}

    async start(): Promise<void> {
        const servers = this.servers();
        const serverOptions: ServerOptions = {
            command: servers.lsp,
            args: [],
            options: { env: { ...process.env, ...servers.env } },
        };
        const clientOptions: LanguageClientOptions = {
            documentSelector: manifestSelector,
            outputChannel: this.output,
            revealOutputChannelOn: RevealOutputChannelOn.Never,
            errorHandler: {
                error: (error, _message, count) =>
                    (count ?? 0) <= 3 ? { action: ErrorAction.Continue } : { action: ErrorAction.Shutdown, message: `Nimbus language server: ${error.message}` },
                closed: () => this.onClosed(),
            },
            middleware: {
                executeCommand: async (command, args, next) => {
                    const [project, fn] = args as [string, string];
                    if (command === 'nimbus.invoke' && typeof project === 'string' && typeof fn === 'string')
                        return this.handlers.invoke(project, fn);
                    if (command === 'nimbus.debug' && typeof project === 'string' && typeof fn === 'string')
                        return this.handlers.debug(project, fn);
                    return next(command, args);
                },
            },
        };
        this.client = new LanguageClient('nimbus', 'Nimbus Language Server', serverOptions, clientOptions);
        this.client.onDidChangeState((e) => {
            if (e.newState === State.Running) this.ready.fire();
        });
        try {
            await this.client.start();
        } catch (e) {
            const message = `Nimbus: the language server did not start: ${(e as Error).message}`;
            void vscode.window.showErrorMessage(message, 'Show Output').then((a) => a && this.output.show());
            throw e;
        }
    }

    // A crash is reported with what the server last wrote, and it is started again, up to
    // five times in three minutes.
    private onClosed() {
        const now = Date.now();
        this.restarts = this.restarts.filter((t) => now - t < 180000);
        this.restarts.push(now);
        if (this.restarts.length <= 5) {
            void vscode.window.showWarningMessage('Nimbus: the language server (nimbus-lsp) stopped unexpectedly and was restarted. Its last messages are in the "Nimbus Language Server" output.', 'Show Output')
                .then((a) => a && this.output.show());
            return { action: CloseAction.Restart, handled: true };
        }
        void vscode.window.showErrorMessage('Nimbus: the language server (nimbus-lsp) stopped five times in three minutes and was not restarted. Run "Nimbus: Restart Language Server" after fixing what its output says.', 'Show Output')
            .then((a) => a && this.output.show());
        return { action: CloseAction.DoNotRestart, handled: true };
    }

    get running(): boolean {
        return this.client?.state === State.Running;
    }

    // Runs one of the server's workspace/executeCommand commands and answers its result.
    async command<T>(command: string, args: unknown[]): Promise<T> {
        if (!this.client) throw new Error('the language server is not running');
        if (this.client.state !== State.Running) await this.client.start();
        return this.client.sendRequest(ExecuteCommandRequest.type, { command, arguments: args }) as Promise<T>;
    }

    async restart(): Promise<void> {
        this.restarts = [];
        if (this.client) {
            await this.client.stop().catch(() => undefined);
            this.client.dispose();
            this.client = undefined;
        }
        await this.start();
    }

    async dispose(): Promise<void> {
        await this.client?.stop().catch(() => undefined);
        this.output.dispose();
        this.ready.dispose();
    }
}
