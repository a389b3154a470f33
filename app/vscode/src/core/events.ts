// The events a function can be invoked with: saved JSON files in the project's events/
// folder (and the function's own events/<function>/ folder), and checks of typed JSON.
import * as fs from 'fs';
import { ParseError, parse, printParseErrorCode } from 'jsonc-parser';
import * as path from 'path';

export interface SavedEvent {
    label: string; // "events/hello.json"
    file: string;
}

// Saved events, the function's own first (events/<fn>/*.json, events/<fn>.json), then the
// rest of events/*.json.
export function listSavedEvents(project: string, fn: string): SavedEvent[] {
    const found: SavedEvent[] = [];
    const add = (dir: string) => {
        let names: string[] = [];
        try {
            names = fs.readdirSync(path.join(project, dir)).filter((n) => n.endsWith('.json')).sort();
        } catch {
            return;
        }
        for (const n of names) {
            const rel = path.posix.join(dir, n);
            if (!found.some((e) => e.label === rel)) found.push({ label: rel, file: path.join(project, dir, n) });
        }
    };
    add(path.posix.join('events', fn));
    const own = path.join(project, 'events', `${fn}.json`);
    if (fs.existsSync(own)) found.push({ label: `events/${fn}.json`, file: own });
    add('events');
    return found;
}

// Parses an event typed or saved by the user; the error names the line and column and
// what is wrong there.
export function parseEvent(text: string, source: string): { event: unknown } | { error: string } {
    if (text.trim() === '') return { event: {} };
    const errors: ParseError[] = [];
    const event = parse(text, errors, { disallowComments: true, allowTrailingComma: false, allowEmptyContent: false });
    if (errors.length === 0) return { event };
    const first = errors[0];
    const before = text.slice(0, first.offset).split('\n');
    const what = printParseErrorCode(first.error).replace(/([a-z])([A-Z])/g, '$1 $2').toLowerCase();
    return { error: `${source}:${before.length}:${before[before.length - 1].length + 1}: not valid JSON: ${what}` };
}
