// The nimbus command lines behind the extension's Deploy, Publish Version, Set Alias
// Weights and Show Logs commands, and the checks on what the user typed for them.

export interface Target {
    project: string;
    stage: string; // '' for the manifest's
}

function common(t: Target): string[] {
    return ['--project', t.project, ...(t.stage ? ['--stage', t.stage] : [])];
}

export const deployArgs = (t: Target) => ['deploy', ...common(t)];
export const functionsArgs = (t: Target) => ['functions', '--json', ...common(t)];
export const logsArgs = (t: Target, fn: string, follow: boolean) =>
    ['logs', fn, '--since', '1h', ...(follow ? ['--tail'] : []), ...common(t)];
export function publishArgs(t: Target, fn: string, description: string): string[] {
    return ['publish', fn, ...(description.trim() ? ['--description', description.trim()] : []), ...common(t)];
}

// An alias name as Lambda takes it: 1-128 of letters, digits, - and _, not only digits.
export function checkAliasName(name: string): string | undefined {
    if (!/^[A-Za-z0-9_-]{1,128}$/.test(name)) return 'An alias name is 1-128 letters, digits, - or _ (for example live)';
    if (/^[0-9]+$/.test(name)) return 'An alias name cannot be only digits: that would read as a version';
    return undefined;
}

// "90" (percent of traffic the alias's own version keeps) → the share the other version gets.
export function parseSplit(text: string): { primaryPercent: number } | { error: string } {
    const t = text.trim().replace(/%$/, '');
    if (!/^\d+(\.\d+)?$/.test(t)) return { error: 'Type the percentage of traffic for the first version, 0-100 (for example 90)' };
    const p = Number(t);
    if (p < 0 || p > 100) return { error: 'The percentage is between 0 and 100' };
    return { primaryPercent: p };
}

// `nimbus alias FN NAME --version V [--weight OTHER=SHARE]`: the alias sends primaryPercent
// of traffic to `version` and the rest to `other`.
export function aliasArgs(t: Target, fn: string, alias: string, version: string,
    other?: { version: string; primaryPercent: number }): string[] {
    const args = ['alias', fn, alias, '--version', version];
    if (other && other.version !== version && other.primaryPercent < 100) {
        const share = Math.round((100 - other.primaryPercent) * 10) / 1000;
        args.push('--weight', `${other.version}=${share}`);
    }
    return [...args, ...common(t)];
}
