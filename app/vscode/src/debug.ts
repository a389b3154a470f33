// Debugging with nimbus-dap: the "nimbus" debug type's configurations (offered, resolved
// and checked before a session starts) and the adapter, started as a child process.
import * as path from 'path';
import * as vscode from 'vscode';
import { checkConfiguration, configurationFor, functionForFile } from './core/debugconfig';
import { ProjectFunction, isDebuggable } from './core/functions';
import { Servers } from './core/servers';
import { Projects } from './project';

export interface DebugContext {
    projects: Projects;
    functions(project: string): Promise<ProjectFunction[]>;
    servers(): Servers;
    beforeSession(project: string): Promise<void>;
    defaultEventFile(project: string, fn: string): string | undefined;
}

async function pickFunction(functions: ProjectFunction[], kinds: Array<ProjectFunction['kind']>, title: string): Promise<ProjectFunction | undefined> {
    const candidates = functions.filter((f) => kinds.includes(f.kind) && isDebuggable(f));
    if (candidates.length === 0) {
        void vscode.window.showWarningMessage(`Nimbus: no ${kinds.includes('http') && !kinds.includes('event') ? 'http' : 'Python or Node.js'} functions to debug in this project.`);
        return undefined;
    }
    const chosen = await vscode.window.showQuickPick(candidates.map((f) => ({ label: f.name, description: f.handler, detail: `${f.kind} function · ${f.runtime}`, f })), { title });
    return chosen?.f;
}

export class NimbusDebugConfigurations implements vscode.DebugConfigurationProvider {
    constructor(private readonly ctx: DebugContext) {}

    // For a new launch.json: what to debug, then which function.
    async provideDebugConfigurations(folder: vscode.WorkspaceFolder | undefined): Promise<vscode.DebugConfiguration[]> {
        const project = await this.ctx.projects.pick();
        if (!project) return [];
        const mode = await vscode.window.showQuickPick([
            { label: 'Debug function…', description: 'invoke an event function with an event', kinds: ['event'] as Array<ProjectFunction['kind']> },
            { label: 'Debug requests to an http function…', description: 'every request to its URL stops at your breakpoints', kinds: ['http', 'event'] as Array<ProjectFunction['kind']> },
        ], { title: 'Nimbus: what should this configuration debug?' });
        if (!mode) return [];
        const fn = await pickFunction(await this.ctx.functions(project), mode.kinds, mode.label.replace('…', ''));
        if (!fn) return [];
        const projectAttr = folder && project === folder.uri.fsPath ? '${workspaceFolder}' : project;
        const config = mode.kinds.includes('http')
            ? { type: 'nimbus', request: 'attach', name: `Attach to ${fn.name}`, project: projectAttr, function: fn.name }
            : configurationFor(fn, projectAttr, {})!;
        const eventFile = config.request === 'launch' ? this.ctx.defaultEventFile(project, fn.name) : undefined;
        if (eventFile) {
            delete (config as Record<string, unknown>).event;
            (config as Record<string, unknown>).eventFile = eventFile;
        }
        return [config];
    }

    // F5 with no launch.json (an empty configuration): the function whose handler is open,
    // else the user's pick. A configuration from launch.json gets its project filled in.
    async resolveDebugConfiguration(folder: vscode.WorkspaceFolder | undefined, config: vscode.DebugConfiguration): Promise<vscode.DebugConfiguration | undefined> {
        if (!config.type && !config.request && !config.name) {
            const project = await this.ctx.projects.pick();
            if (!project) return undefined;
            const functions = await this.ctx.functions(project);
            const fn = functionForFile(functions, vscode.window.activeTextEditor?.document.uri.fsPath)
                ?? await pickFunction(functions, ['event', 'http'], 'Debug which function?');
            if (!fn) return undefined;
            const resolved = configurationFor(fn, project, {})!;
            const eventFile = resolved.request === 'launch' ? this.ctx.defaultEventFile(project, fn.name) : undefined;
            if (eventFile) {
                delete resolved.event;
                resolved.eventFile = eventFile;
            }
            return resolved;
        }
        if (!config.project) config.project = folder?.uri.fsPath ?? (await this.ctx.projects.pick());
        return config;
    }

    // After ${…} substitution: the configuration is checked against the manifest, and the
    // project's simulator is started, so the session and the editor share it.
    async resolveDebugConfigurationWithSubstitutedVariables(_folder: vscode.WorkspaceFolder | undefined, config: vscode.DebugConfiguration): Promise<vscode.DebugConfiguration | undefined> {
        let functions: ProjectFunction[] | undefined;
        if (typeof config.project === 'string' && config.project) {
            config.project = path.resolve(config.project);
            functions = await this.ctx.functions(config.project).catch(() => undefined);
        }
        const problem = checkConfiguration(config, functions);
        if (problem) {
            const a = await vscode.window.showErrorMessage(`Nimbus: ${problem}`, 'Open launch.json');
            if (a) await vscode.commands.executeCommand('debug.addConfiguration').then(undefined, () => undefined);
            return undefined;
        }
        try {
            await this.ctx.beforeSession(config.project);
        } catch (e) {
            void vscode.window.showErrorMessage(`Nimbus: ${(e as Error).message}`);
            return undefined;
        }
        return config;
    }
}

// The Run and Debug view's dropdown lists "Debug <function>" for every debuggable function.
export class DynamicDebugConfigurations implements vscode.DebugConfigurationProvider {
    constructor(private readonly ctx: DebugContext) {}

    async provideDebugConfigurations(): Promise<vscode.DebugConfiguration[]> {
        const configs: vscode.DebugConfiguration[] = [];
        for (const project of this.ctx.projects.all) {
            const functions = await this.ctx.functions(project).catch(() => []);
            for (const fn of functions) {
                const c = configurationFor(fn, project, {});
                if (c) configs.push(c);
            }
        }
        return configs;
    }
}

export class NimbusDebugAdapterFactory implements vscode.DebugAdapterDescriptorFactory {
    constructor(private readonly servers: () => Servers) {}

    createDebugAdapterDescriptor(): vscode.ProviderResult<vscode.DebugAdapterDescriptor> {
        const servers = this.servers();
        return new vscode.DebugAdapterExecutable(servers.dap, [], { env: { ...process.env, ...servers.env } as Record<string, string> });
    }
}
