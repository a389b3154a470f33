// Runs the `nimbus` command line for the operations it owns (deploy, publish, aliases,
// functions, logs), echoing what it prints to the Nimbus output channel.
import { ChildProcess, spawn } from 'child_process';
import * as vscode from 'vscode';
import { Servers } from './core/servers';

export interface CliResult {
    code: number;
    stdout: string;
    stderr: string;
}

export class CliError extends Error {
    constructor(readonly args: string[], readonly result: CliResult) {
        super(lastLines(result.stderr || result.stdout) || `nimbus ${args[0]} exited with status ${result.code}`);
    }
}

// The last few meaningful lines of what a command printed: the message to show.
export function lastLines(text: string, count = 3): string {
    return text.split('\n').map((l) => l.trimEnd()).filter((l) => l.trim() !== '').slice(-count).join(' ');
}

export class Cli {
    constructor(private readonly servers: () => Servers, private readonly output: vscode.OutputChannel) {}

    // Runs `nimbus ARGS`; resolves with its output when it exits 0, rejects with a CliError
    // carrying its message otherwise. `echo` copies its output to the channel as it comes.
    run(args: string[], options: { echo?: boolean; cancel?: vscode.CancellationToken } = {}): Promise<CliResult> {
        const servers = this.servers();
        if (options.echo) this.output.appendLine(`$ nimbus ${args.map(quote).join(' ')}`);
        return new Promise((resolve, reject) => {
            const child = spawn(servers.cli, args, { env: { ...process.env, ...servers.env, NO_COLOR: '1' } });
            let stdout = '';
            let stderr = '';
            child.stdout.on('data', (d: Buffer) => {
                stdout += d;
                if (options.echo) this.output.append(d.toString());
            });
            child.stderr.on('data', (d: Buffer) => {
                stderr += d;
                if (options.echo) this.output.append(d.toString());
            });
            options.cancel?.onCancellationRequested(() => child.kill('SIGINT'));
            child.on('error', (e) => reject(new Error(`cannot run ${servers.cli}: ${e.message}`)));
            child.on('close', (code) => {
                const result = { code: code ?? 1, stdout, stderr };
                if (result.code === 0) resolve(result);
                else reject(new CliError(args, result));
            });
        });
    }

    // Starts a long-running `nimbus ARGS` (logs --tail) whose output goes to `channel`.
    follow(args: string[], channel: vscode.OutputChannel): ChildProcess {
        const servers = this.servers();
        const child = spawn(servers.cli, args, { env: { ...process.env, ...servers.env, NO_COLOR: '1' } });
        child.stdout.on('data', (d: Buffer) => channel.append(d.toString()));
        child.stderr.on('data', (d: Buffer) => channel.append(d.toString()));
        child.on('error', (e) => channel.appendLine(`cannot run ${servers.cli}: ${e.message}`));
        return child;
    }
}

const quote = (a: string) => (/^[\w@%+=:,./-]+$/.test(a) ? a : `'${a.replace(/'/g, `'\\''`)}'`);
