// Nimbus in VS Code: a thin client of the same servers as the Studio. nimbus-lsp serves the
// manifest, nimbus-dap debugs functions, nimbus-sim runs them, the `nimbus` command line
// deploys and publishes. This file wires them to VS Code's views, commands and status bar.
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import * as vscode from 'vscode';
import { Cli } from './cli';
import { configurationFor } from './core/debugconfig';
import { ProjectFunction } from './core/functions';
import { Servers, resolveServers } from './core/servers';
import { DynamicDebugConfigurations, NimbusDebugAdapterFactory, NimbusDebugConfigurations } from './debug';
import { DeployedView } from './deployedview';
import { FunctionsNode, FunctionsView } from './functionsview';
import { Invoker, ResultDocuments } from './invoke';
import { LanguageServer } from './languageserver';
import { Management } from './manage';
import { Projects } from './project';
import { Simulator } from './simulator';

let languageServer: LanguageServer | undefined;

export async function activate(context: vscode.ExtensionContext): Promise<void> {
    const output = vscode.window.createOutputChannel('Nimbus');
    context.subscriptions.push(output);
    const settings = () => vscode.workspace.getConfiguration('nimbus');
    const stage = () => settings().get<string>('stage', '').trim();
    const isExecutable = (file: string) => {
        try {
            fs.accessSync(file, fs.constants.X_OK);
            return fs.statSync(file).isFile();
        } catch {
            return false;
        }
    };
    let resolved: Servers | undefined;
    const servers = (): Servers => {
        resolved ??= resolveServers({ serverPath: settings().get('serverPath', ''), resourcesPath: settings().get('resourcesPath', '') },
            context.extensionPath, isExecutable, os.homedir());
        return resolved;
    };

    const projects = new Projects();
    const simulator = new Simulator(servers, stage);
    const cli = new Cli(servers, output);
    const results = new ResultDocuments();
    context.subscriptions.push(projects, simulator, vscode.workspace.registerTextDocumentContentProvider(ResultDocuments.scheme, results));

    // Commands the user runs report failures as notifications with the server's message.
    const command = (id: string, run: (...args: any[]) => Promise<unknown> | unknown) =>
        context.subscriptions.push(vscode.commands.registerCommand(id, async (...args: any[]) => {
            try {
                return await run(...args);
            } catch (e) {
                management.report(e);
                return undefined;
            }
        }));

    let invoker: Invoker;
    let functionsView: FunctionsView;
    const startDebugging = async (project: string, fn: ProjectFunction) => {
        const config = configurationFor(fn, project, {});
        if (!config) throw new Error(fn.kind === 'service' ? `'${fn.name}' is an http service, a server of its own: debug it with its runtime's debugger` : `'${fn.name}' runs on ${fn.runtime}; Nimbus debugs Python and Node.js functions`);
        if (config.request === 'launch') {
            const choice = invoker.defaultEvent(project, fn.name);
            config.event = choice.event;
        }
        const folder = vscode.workspace.getWorkspaceFolder(vscode.Uri.file(project));
        // When it does not start, what stopped it (the configuration's check, the adapter) has
        // already said why.
        await vscode.debug.startDebugging(folder, config);
    };
    const findFunction = async (project: string, name: string) => {
        const fn = (await functionsView.functions(project)).find((f) => f.name === name);
        if (!fn) throw new Error(`serverless.yml has no function '${name}'`);
        return fn;
    };

    languageServer = new LanguageServer(servers, {
        invoke: async (project, fn) => invoker.invoke(project, fn, invoker.defaultEvent(project, fn)).catch((e) => management.report(e)),
        debug: async (project, fn) => startDebugging(project, await findFunction(project, fn)).catch((e) => management.report(e)),
    });
    invoker = new Invoker(languageServer, results, output, async (project) => {
        if (project === simulator.project) await simulator.ensureRunning();
    });
    functionsView = new FunctionsView(languageServer, projects);
    const deployedView = new DeployedView(cli, simulator, stage);
    const management = new Management(cli, simulator, deployedView, output, stage);
    context.subscriptions.push(functionsView, deployedView, management,
        vscode.window.createTreeView('nimbus.functions', { treeDataProvider: functionsView, showCollapseAll: true }),
        vscode.window.createTreeView('nimbus.deployed', { treeDataProvider: deployedView, showCollapseAll: true }));

    // The function a command means: the Functions view item it was run on, else a pick.
    const pickFunction = async (node: unknown, title: string, filter: (f: ProjectFunction) => boolean = () => true) => {
        const n = node as FunctionsNode | undefined;
        if (n?.type === 'function') return { project: n.project, fn: n.fn };
        const project = await projects.pick();
        if (!project) return undefined;
        const candidates = (await functionsView.functions(project)).filter(filter);
        if (candidates.length === 0) throw new Error('no function in this project fits');
        const chosen = await vscode.window.showQuickPick(candidates.map((f) => ({ label: f.name, description: f.handler, detail: `${f.kind} function · ${f.runtime}`, f })), { title });
        return chosen && { project, fn: chosen.f };
    };

    command('nimbus.startSimulator', async () => {
        const project = simulator.project ?? (await projects.pick());
        if (!project) return;
        simulator.setProject(project);
        const sim = await simulator.start();
        void vscode.window.setStatusBarMessage(`Nimbus: simulator serving ${sim.service} at ${sim.gateway}`, 5000);
    });
    command('nimbus.stopSimulator', () => simulator.stop());
    command('nimbus.showSimulatorLog', () => simulator.log.show(true));
    command('nimbus.invokeFunction', async (node?: unknown) => {
        const picked = await pickFunction(node, 'Invoke which function?', (f) => f.kind === 'event');
        if (!picked) return;
        const choice = await invoker.pickEvent(picked.project, picked.fn.name);
        if (choice) await invoker.invoke(picked.project, picked.fn.name, choice);
    });
    command('nimbus.debugFunction', async (node?: unknown) => {
        const picked = await pickFunction(node, 'Debug which function?', (f) => f.kind !== 'service');
        if (picked) await startDebugging(picked.project, picked.fn);
    });
    command('nimbus.openHandler', async (node?: unknown) => {
        const picked = await pickFunction(node, 'Open the handler of…');
        if (!picked) return;
        const where = picked.fn.definition;
        if (!where) throw new Error(`the handler '${picked.fn.handler}' of ${picked.fn.name} was not found: the language server marks it in serverless.yml`);
        const position = new vscode.Position(where.line, where.column);
        await vscode.window.showTextDocument(vscode.Uri.file(where.file), { selection: new vscode.Range(position, position) });
    });
    command('nimbus.deploy', () => management.deploy());
    command('nimbus.publishVersion', (node?: unknown) => management.publishVersion(node));
    command('nimbus.setAliasWeights', (node?: unknown) => management.setAliasWeights(node));
    command('nimbus.showLogs', async (node?: unknown) => management.showLogs(node, async () => {
        const project = simulator.project;
        return project ? (await functionsView.functions(project)).map((f) => f.name) : [];
    }));
    command('nimbus.refreshFunctions', () => functionsView.refresh());
    command('nimbus.refreshDeployed', () => deployedView.refresh());
    command('nimbus.restartLanguageServer', async () => {
        resolved = undefined;
        await languageServer?.restart();
        functionsView.refresh();
    });

    const debugContext = {
        projects,
        functions: (project: string) => functionsView.functions(project),
        servers,
        beforeSession: async (project: string) => {
            if (project === simulator.project) await simulator.ensureRunning();
        },
        defaultEventFile: (project: string, fn: string) => {
            const label = invoker.defaultEvent(project, fn).label;
            return label.endsWith('.json') ? label : undefined;
        },
    };
    context.subscriptions.push(
        vscode.debug.registerDebugConfigurationProvider('nimbus', new NimbusDebugConfigurations(debugContext)),
        vscode.debug.registerDebugConfigurationProvider('nimbus', new DynamicDebugConfigurations(debugContext), vscode.DebugConfigurationProviderTriggerKind.Dynamic),
        vscode.debug.registerDebugAdapterDescriptorFactory('nimbus', new NimbusDebugAdapterFactory(servers)),
        vscode.debug.onDidTerminateDebugSession((s) => {
            if (s.type === 'nimbus') deployedView.refresh();
        }),
        vscode.workspace.onDidChangeConfiguration(async (e) => {
            if (e.affectsConfiguration('nimbus.serverPath') || e.affectsConfiguration('nimbus.resourcesPath')) {
                resolved = undefined;
                const a = await vscode.window.showInformationMessage('Nimbus: the servers changed. Restart the language server now?', 'Restart');
                if (a) await vscode.commands.executeCommand('nimbus.restartLanguageServer');
            }
        }),
    );

    // The simulator follows the workspace's first project (or the active editor's).
    const followProject = () => {
        const active = vscode.window.activeTextEditor?.document.uri.fsPath;
        const project = projects.all.find((d) => active?.startsWith(d + path.sep)) ?? simulator.project ?? projects.all[0];
        simulator.setProject(projects.all.includes(project ?? '') ? project : projects.all[0]);
    };
    projects.onDidChange(followProject);
    vscode.window.onDidChangeActiveTextEditor(() => {
        if (simulator.status.state !== 'running') followProject();
    });

    try {
        servers();
    } catch (e) {
        void vscode.window.showErrorMessage(`Nimbus: ${(e as Error).message}`, 'Open Settings').then((a) => a && vscode.commands.executeCommand('workbench.action.openSettings', 'nimbus.serverPath'));
        return;
    }
    await projects.scan();
    followProject();
    if (settings().get('simulator.startAutomatically', false) && simulator.project)
        simulator.start().catch((e) => management.report(e));
    await languageServer.start().catch(() => undefined);
}

export async function deactivate(): Promise<void> {
    await languageServer?.dispose();
}
