// What `nimbus functions --json` reports about deployed functions, shaped for the Deployed
// view: functions, their versions, and aliases with the traffic each version takes.

export interface DeployedAlias {
    name: string;
    version: string;
    weights: Record<string, number>; // additional versions and their share (0-1)
}

export interface DeployedFunction {
    name: string;
    runtime: string;
    handler: string;
    description: string;
    codeSize: number;
    lastModified: string;
    versions: string[];
    aliases: DeployedAlias[];
}

export function parseDeployed(stdout: string): DeployedFunction[] {
    let parsed: unknown;
    try {
        parsed = JSON.parse(stdout);
    } catch (e) {
        throw new Error(`nimbus functions --json printed something that is not JSON: ${(e as Error).message}`);
    }
    if (!Array.isArray(parsed)) throw new Error('nimbus functions --json did not print a list');
    return parsed
        .filter((f) => f && typeof f === 'object' && f.deployed !== false && typeof f.name === 'string')
        .map((f) => ({
            name: f.name,
            runtime: String(f.runtime ?? ''),
            handler: String(f.handler ?? ''),
            description: String(f.description ?? ''),
            codeSize: Number(f.codeSize ?? 0),
            lastModified: String(f.lastModified ?? ''),
            versions: Array.isArray(f.versions) ? f.versions.map(String) : [],
            aliases: Array.isArray(f.aliases)
                ? f.aliases.map((a: Record<string, unknown>) => ({
                    name: String(a.name),
                    version: String(a.version),
                    weights: Object.fromEntries(Object.entries((a.weights as Record<string, unknown>) ?? {})
                        .map(([v, w]) => [v, Number(w)])),
                }))
                : [],
        }));
}

const percent = (share: number) => `${Math.round(share * 1000) / 10}%`;

// "v1 90% · v2 10%", or "v3" when the alias sends everything to one version.
export function describeSplit(alias: DeployedAlias): string {
    const extra = Object.entries(alias.weights).filter(([, w]) => w > 0);
    if (extra.length === 0) return `v${alias.version}`;
    const rest = 1 - extra.reduce((sum, [, w]) => sum + w, 0);
    return [`v${alias.version} ${percent(rest)}`, ...extra.map(([v, w]) => `v${v} ${percent(w)}`)].join(' · ');
}

export function formatBytes(bytes: number): string {
    if (bytes < 1024) return `${bytes} B`;
    if (bytes < 1024 * 1024) return `${(bytes / 1024).toFixed(1)} KB`;
    return `${(bytes / 1024 / 1024).toFixed(1)} MB`;
}
