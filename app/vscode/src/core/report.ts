// The figures of a platform REPORT line, as Lambda writes them (SCF's Report line below):
//   REPORT RequestId: 8f…  Duration: 1.23 ms  Billed Duration: 2 ms  Memory Size: 256 MB
//   Max Memory Used: 41 MB  Init Duration: 80.5 ms  Queued: 3.5 ms
// (Queued is Nimbus's own: how long the invocation waited for an instance, when it did.)
export interface ReportFigures {
    requestId: string;
    durationMs?: number;
    billedDurationMs?: number;
    memorySizeMb?: number;
    maxMemoryUsedMb?: number;
    initDurationMs?: number; // only on a cold start
    queuedMs?: number; // only when it waited for an instance
}

const fields: Array<[keyof ReportFigures, string]> = [
    ['durationMs', 'Duration'],
    ['billedDurationMs', 'Billed Duration'],
    ['memorySizeMb', 'Memory Size'],
    ['maxMemoryUsedMb', 'Max Memory Used'],
    ['initDurationMs', 'Init Duration'],
    ['queuedMs', 'Queued'],
];

// Tencent Cloud SCF's lines: "Report RequestId: 8f… Duration:3ms Memory:128MB MemUsage:12MB",
// after "Init Report RequestId: 8f… Coldstart: 85ms" on a cold start.
function parseScfReport(lines: string[], line: string): ReportFigures {
    const requestId = /RequestId:\s*(\S+)/.exec(line)?.[1] ?? '';
    const figures: ReportFigures = { requestId };
    const number = (pattern: RegExp) => {
        const match = pattern.exec(line);
        return match ? Number(match[1]) : undefined;
    };
    figures.durationMs = number(/\bDuration:\s*([0-9.]+)\s*ms/);
    figures.memorySizeMb = number(/\bMemory:\s*([0-9.]+)\s*MB/);
    figures.maxMemoryUsedMb = number(/\bMemUsage:\s*([0-9.]+)\s*MB/);
    const init = lines.find((l) => l.startsWith(`Init Report RequestId: ${requestId} `));
    const coldstart = init ? /Coldstart:\s*([0-9.]+)\s*ms/.exec(init) : null;
    if (coldstart) figures.initDurationMs = Number(coldstart[1]);
    for (const key of Object.keys(figures) as Array<keyof ReportFigures>)
        if (figures[key] === undefined) delete figures[key];
    return figures;
}

// The last REPORT line in a log (Lambda's, or SCF's Report), or undefined when it has none.
export function parseReport(log: string): ReportFigures | undefined {
    const all = log.split(/\r?\n/);
    const lines = all.filter((l) => l.startsWith('REPORT ') || l.startsWith('Report RequestId:'));
    const line = lines[lines.length - 1];
    if (!line) return undefined;
    if (line.startsWith('Report RequestId:')) return parseScfReport(all, line);
    const figures: ReportFigures = { requestId: /RequestId:\s*(\S+)/.exec(line)?.[1] ?? '' };
    for (const [key, label] of fields) {
        // "Duration:" must not match inside "Billed Duration:" / "Init Duration:".
        const match = new RegExp(`(?<!Billed |Init )\\b${label}:\\s*([0-9.]+)`).exec(line);
        if (match) (figures as unknown as Record<string, number>)[key] = Number(match[1]);
    }
    return figures;
}

// "1.2 ms (billed 2 ms) · 41 MB of 256 MB · cold start: init 80.5 ms"
export function formatReport(figures: ReportFigures): string {
    const parts: string[] = [];
    if (figures.durationMs !== undefined) {
        let duration = `Duration ${figures.durationMs} ms`;
        if (figures.billedDurationMs !== undefined) duration += ` (Billed ${figures.billedDurationMs} ms)`;
        parts.push(duration);
    }
    if (figures.maxMemoryUsedMb !== undefined) {
        parts.push(`Max Memory Used ${figures.maxMemoryUsedMb} MB` +
            (figures.memorySizeMb !== undefined ? ` of ${figures.memorySizeMb} MB` : ''));
    }
    parts.push(figures.initDurationMs !== undefined ? `cold start (Init Duration ${figures.initDurationMs} ms)` : 'warm');
    if (figures.queuedMs !== undefined) parts.push(`queued ${figures.queuedMs} ms for an instance`);
    return parts.join(' · ');
}
