// The simulator serving a project advertises itself in PROJECT/.nimbus/sim.json.
import * as fs from 'fs';
import * as path from 'path';

export interface SimState {
    pid: number;
    controlPlane: string;
    gateway: string;
    service: string;
    stage: string;
    region: string;
    credentials?: { accessKeyId: string; secretAccessKey: string };
}

export const simStateFile = (project: string) => path.join(project, '.nimbus', 'sim.json');

// The running simulator's state, or undefined when none serves the project (no file, an
// unreadable one, or a process that has gone).
export function readSimState(project: string, isAlive: (pid: number) => boolean): SimState | undefined {
    let state: Record<string, unknown>;
    try {
        state = JSON.parse(fs.readFileSync(simStateFile(project), 'utf8'));
    } catch {
        return undefined;
    }
    const pid = Number(state.pid);
    if (!pid || !isAlive(pid) || typeof state.controlPlane !== 'string') return undefined;
    return {
        pid,
        controlPlane: state.controlPlane,
        gateway: String(state.gateway ?? ''),
        service: String(state.service ?? ''),
        stage: String(state.stage ?? ''),
        region: String(state.region ?? 'us-east-1'),
        credentials: asCredentials(state.credentials),
    };
}

export function processAlive(pid: number): boolean {
    try {
        process.kill(pid, 0);
        return true;
    } catch (e) {
        return (e as NodeJS.ErrnoException).code === 'EPERM';
    }
}

function asCredentials(value: unknown): SimState['credentials'] {
    const c = value as Record<string, unknown> | undefined;
    if (typeof c?.accessKeyId !== 'string' || typeof c?.secretAccessKey !== 'string') return undefined;
    return { accessKeyId: c.accessKeyId, secretAccessKey: c.secretAccessKey };
}
