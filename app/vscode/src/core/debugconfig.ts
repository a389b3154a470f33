// Debug configurations of type "nimbus", as nimbus-dap takes them: launch an event function
// with an event, or attach to a function so that every request to it stops at breakpoints.
import * as path from 'path';
import { ProjectFunction, isDebuggable } from './functions';

export interface NimbusDebugConfiguration {
    type: 'nimbus';
    request: 'launch' | 'attach';
    name: string;
    project: string;
    function: string;
    event?: unknown;
    eventFile?: string;
    stopOnEntry?: boolean;
    [key: string]: unknown;
}

// The configuration that debugs `fn` as its kind asks: launch with an event for event
// functions, attach for http functions. Services are servers of their own: undefined.
export function configurationFor(fn: ProjectFunction, project: string, event: unknown = {}): NimbusDebugConfiguration | undefined {
    if (!isDebuggable(fn)) return undefined;
    if (fn.kind === 'http')
        return { type: 'nimbus', request: 'attach', name: `Attach to ${fn.name}`, project, function: fn.name };
    return { type: 'nimbus', request: 'launch', name: `Debug ${fn.name}`, project, function: fn.name, event };
}

// The function an F5 without launch.json means: the one whose handler is the active file
// (when exactly one is), else undefined (then the user is asked).
export function functionForFile(functions: ProjectFunction[], file: string | undefined): ProjectFunction | undefined {
    if (!file) return undefined;
    const here = functions.filter((f) => isDebuggable(f) && f.definition && path.resolve(f.definition.file) === path.resolve(file));
    return here.length === 1 ? here[0] : undefined;
}

// Checks a configuration from launch.json against the project's functions before nimbus-dap
// starts; the error says which attribute is wrong and how to fix it.
export function checkConfiguration(config: Record<string, unknown>, functions: ProjectFunction[] | undefined): string | undefined {
    const where = `Launch configuration "${String(config.name ?? config.type)}"`;
    if (config.request !== 'launch' && config.request !== 'attach')
        return `${where}: "request" must be "launch" (invoke an event function) or "attach" (debug the requests to an http function).`;
    if (typeof config.project !== 'string' || config.project === '')
        return `${where}: "project" must be the folder holding serverless.yml, for example "\${workspaceFolder}".`;
    if (config.request === 'launch' && config.replay !== undefined) {
        // A failure the simulator kept (nimbus failures): the adapter finds its function.
        if (!(typeof config.replay === 'string' && config.replay !== '') && !Number.isInteger(config.replay))
            return `${where}: "replay" must be a failure's number or request id, as nimbus failures lists them.`;
        return undefined;
    }
    if (typeof config.function !== 'string' || config.function === '')
        return `${where}: "function" must name a function from serverless.yml${functions?.length ? ` (${functions.map((f) => f.name).join(', ')})` : ''}.`;
    if (config.eventFile !== undefined && typeof config.eventFile !== 'string')
        return `${where}: "eventFile" must be a path to a JSON file, relative to the project.`;
    if (!functions) return undefined;
    const fn = functions.find((f) => f.name === config.function);
    if (!fn) return `${where}: serverless.yml has no function "${config.function}"; its functions are ${functions.map((f) => f.name).join(', ') || 'none'}.`;
    if (fn.kind === 'service') return `${where}: "${fn.name}" is an http service, a server of its own: debug it with its runtime's own debugger.`;
    if (!isDebuggable(fn)) return `${where}: "${fn.name}" runs on ${fn.runtime}; Nimbus debugs Python and Node.js functions.`;
    if (fn.kind === 'http' && config.request === 'launch')
        return `${where}: "${fn.name}" is an http function, reached over HTTP rather than invoked: use "request": "attach", then send it requests.`;
    return undefined;
}
