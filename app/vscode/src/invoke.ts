// Invoking a function: with a saved event, an empty one or one the user types; the result
// opens in a read-only JSON editor headed by the REPORT figures, the function's log goes to
// the Nimbus output channel.
import * as fs from 'fs';
import * as path from 'path';
import * as vscode from 'vscode';
import { listSavedEvents, parseEvent } from './core/events';
import { formatReport, parseReport } from './core/report';
import { LanguageServer } from './languageserver';

interface InvokeAnswer {
    result: unknown;
    functionError: string;
    errorType: string;
    logs: string;
}

export interface EventChoice {
    event: unknown;
    label: string; // "events/hello.json", "empty event", "typed event"
}

// Read-only documents holding invocation results, one per function (re-invoking updates it).
export class ResultDocuments implements vscode.TextDocumentContentProvider {
    static readonly scheme = 'nimbus-result';
    private readonly texts = new Map<string, string>();
    private readonly changed = new vscode.EventEmitter<vscode.Uri>();
    readonly onDidChange = this.changed.event;

    provideTextDocumentContent(uri: vscode.Uri): string {
        return this.texts.get(uri.toString()) ?? '';
    }

    async show(fn: string, text: string): Promise<vscode.TextEditor> {
        const uri = vscode.Uri.from({ scheme: ResultDocuments.scheme, path: `/${fn} result.jsonc` });
        this.texts.set(uri.toString(), text);
        this.changed.fire(uri);
        const doc = await vscode.workspace.openTextDocument(uri);
        return vscode.window.showTextDocument(doc, { viewColumn: vscode.ViewColumn.Beside, preview: false, preserveFocus: true });
    }
}

export class Invoker {
    private readonly lastTyped = new Map<string, string>();

    constructor(private readonly lsp: LanguageServer, private readonly results: ResultDocuments,
        private readonly output: vscode.OutputChannel, private readonly beforeInvoke: (project: string) => Promise<void>) {}

    // The event a lens click uses without asking: the function's own saved event
    // (events/<fn>.json or the first of events/<fn>/), else an empty one.
    defaultEvent(project: string, fn: string): EventChoice {
        const own = listSavedEvents(project, fn).find((e) => e.label === `events/${fn}.json` || e.label.startsWith(`events/${fn}/`));
        if (own) {
            const parsed = parseEvent(fs.readFileSync(own.file, 'utf8'), own.label);
            if ('event' in parsed) return { event: parsed.event, label: own.label };
        }
        return { event: {}, label: 'empty event {}' };
    }

    // Asks which event: saved ones, an empty one, or one typed now (checked as it is typed).
    async pickEvent(project: string, fn: string): Promise<EventChoice | undefined> {
        type Item = vscode.QuickPickItem & { file?: string; special?: 'empty' | 'type' };
        const items: Item[] = listSavedEvents(project, fn).map((e) => ({ label: e.label, description: 'saved event', file: e.file }));
        items.push({ label: '{}', description: 'an empty event', special: 'empty' });
        items.push({ label: 'Type an event…', description: 'JSON, checked as you type', special: 'type' });
        const chosen = await vscode.window.showQuickPick(items, { title: `Invoke ${fn}`, placeHolder: 'Which event should the function receive?' });
        if (!chosen) return undefined;
        if (chosen.special === 'empty') return { event: {}, label: 'empty event {}' };
        if (chosen.file) {
            const text = (await vscode.workspace.fs.readFile(vscode.Uri.file(chosen.file))).toString();
            const parsed = parseEvent(text, chosen.label);
            if ('error' in parsed) {
                void vscode.window.showErrorMessage(`Nimbus: ${parsed.error}`);
                return undefined;
            }
            return { event: parsed.event, label: chosen.label };
        }
        const typed = await vscode.window.showInputBox({
            title: `Invoke ${fn} with this event`,
            value: this.lastTyped.get(fn) ?? '{"key": "value"}',
            prompt: 'The event as JSON',
            validateInput: (text) => {
                const parsed = parseEvent(text, 'event');
                return 'error' in parsed ? parsed.error : undefined;
            },
        });
        if (typed === undefined) return undefined;
        this.lastTyped.set(fn, typed);
        const parsed = parseEvent(typed, 'event');
        return 'event' in parsed ? { event: parsed.event, label: 'typed event' } : undefined;
    }

    async invoke(project: string, fn: string, choice: EventChoice): Promise<void> {
        await vscode.window.withProgress({ location: vscode.ProgressLocation.Window, title: `Invoking ${fn}…` }, async () => {
            await this.beforeInvoke(project);
            let answer: InvokeAnswer;
            try {
                answer = await this.lsp.command<InvokeAnswer>('nimbus.invoke', [project, fn, choice.event]);
            } catch (e) {
                const message = (e as Error).message;
                this.output.appendLine(`invoke ${fn}: ${message}`);
                void vscode.window.showErrorMessage(`Nimbus: ${message}`, 'Show Output').then((a) => a && this.output.show(true));
                return;
            }
            this.output.appendLine(`── ${fn} (${choice.label}) ${'─'.repeat(20)}`);
            if (answer.logs) this.output.append(answer.logs.endsWith('\n') ? answer.logs : answer.logs + '\n');
            const figures = parseReport(answer.logs ?? '');
            const outcome = answer.functionError ? `failed: ${answer.errorType || answer.functionError}` : 'succeeded';
            const header = [
                `// ${fn} ${outcome}`,
                ...(figures ? [`// ${formatReport(figures)}`] : []),
                `// event: ${choice.label} · project: ${path.basename(project)}${figures?.requestId ? ` · request ${figures.requestId}` : ''}`,
            ];
            await this.results.show(fn, `${header.join('\n')}\n${JSON.stringify(answer.result, null, 2)}\n`);
            if (answer.functionError)
                void vscode.window.showWarningMessage(`Nimbus: ${fn} failed with ${answer.errorType || answer.functionError}; its log is in the Nimbus output.`, 'Show Output')
                    .then((a) => a && this.output.show(true));
        });
    }
}
