// The project's functions as nimbus-lsp's nimbus.listFunctions command lists them, and how
// the Functions view groups them.

export type FunctionKind = 'event' | 'http' | 'service';

export interface Location {
    file: string;
    line: number; // 0-based, as the language server counts
    column: number;
}

export interface ProjectFunction {
    name: string;
    kind: FunctionKind;
    runtime: string;
    handler: string;
    deployedName: string;
    memorySize?: number;
    timeout?: number;
    events: string[];
    manifest?: Location;
    definition?: Location; // the handler's definition, when the module and function exist
}

export interface FunctionGroup {
    kind: FunctionKind;
    label: string;
    functions: ProjectFunction[];
}

const groupLabels: Record<FunctionKind, string> = {
    event: 'Event functions',
    http: 'HTTP functions',
    service: 'HTTP services',
};

// Reads the command's answer, throwing with what was wrong when it is not a list of functions.
export function parseFunctionList(answer: unknown): ProjectFunction[] {
    if (!Array.isArray(answer)) throw new Error('nimbus.listFunctions did not answer a list of functions');
    return answer.map((raw, i) => {
        const f = raw as Record<string, unknown>;
        if (typeof f?.name !== 'string') throw new Error(`nimbus.listFunctions: entry ${i} has no name`);
        const kind = (['event', 'http', 'service'] as const).find((k) => k === f.kind) ?? 'event';
        return {
            name: f.name,
            kind,
            runtime: typeof f.runtime === 'string' ? f.runtime : '',
            handler: typeof f.handler === 'string' ? f.handler : '',
            deployedName: typeof f.deployedName === 'string' ? f.deployedName : f.name,
            memorySize: typeof f.memorySize === 'number' ? f.memorySize : undefined,
            timeout: typeof f.timeout === 'number' ? f.timeout : undefined,
            events: Array.isArray(f.events) ? f.events.filter((e): e is string => typeof e === 'string') : [],
            manifest: asLocation(f.manifest),
            definition: asLocation(f.definition),
        };
    });
}

function asLocation(value: unknown): Location | undefined {
    const v = value as Record<string, unknown> | undefined;
    if (!v || typeof v.file !== 'string') return undefined;
    return { file: v.file, line: Number(v.line) || 0, column: Number(v.column) || 0 };
}

// Non-empty groups in a fixed order (events, http functions, services), each sorted as the
// manifest lists them.
export function groupFunctions(functions: ProjectFunction[]): FunctionGroup[] {
    return (['event', 'http', 'service'] as const)
        .map((kind) => ({ kind, label: groupLabels[kind], functions: functions.filter((f) => f.kind === kind) }))
        .filter((g) => g.functions.length > 0);
}

// Python and Node handlers are debugged by nimbus-dap; custom runtimes and services are not.
export function isDebuggable(f: ProjectFunction): boolean {
    return f.kind !== 'service' && /^(python|nodejs)/i.test(f.runtime);
}

// What the tree item's context menu offers: "function invokable debuggable".
export function contextValue(f: ProjectFunction): string {
    const parts = ['function'];
    if (f.kind === 'event') parts.push('invokable');
    if (isDebuggable(f)) parts.push('debuggable');
    return parts.join(' ');
}

// The tree item's tooltip: what a user checks before running it.
export function describeFunction(f: ProjectFunction): string {
    const lines = [`${f.name} — ${f.kind === 'event' ? 'event function' : f.kind === 'http' ? 'http function' : 'http service'}`];
    if (f.handler) lines.push(`handler: ${f.handler}`);
    if (f.runtime) lines.push(`runtime: ${f.runtime}`);
    if (f.memorySize) lines.push(`memory: ${f.memorySize} MB`);
    if (f.timeout) lines.push(`timeout: ${f.timeout} s`);
    for (const e of f.events) lines.push(`event: ${e}`);
    lines.push(`deployed as: ${f.deployedName}`);
    return lines.join('\n');
}
