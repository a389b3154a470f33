// The simulator's live event stream (GET /_nimbus/events?after=N&wait=S on its control
// plane), as lines for the "Nimbus Simulator" output.

export interface EventBatch {
    events: Array<Record<string, unknown>>;
    next: number;
    dropped: number;
}

// One event as a log line, or undefined for events that are not part of the log.
export function eventLine(event: Record<string, unknown>): string | undefined {
    const fn = typeof event.function === 'string' ? event.function : '';
    switch (event.type) {
        case 'log':
            return `${fn} ${String(event.line ?? '')}`;
        case 'request':
            return `${fn} ${String(event.line ?? '')}`;
        case 'platform':
            return `[nimbus] ${String(event.message ?? '')}`;
        default:
            return undefined;
    }
}

export function parseBatch(body: string): EventBatch {
    const parsed = JSON.parse(body) as Partial<EventBatch>;
    if (!Array.isArray(parsed.events) || typeof parsed.next !== 'number')
        throw new Error('the simulator answered the event stream with something else than a batch of events');
    return { events: parsed.events, next: parsed.next, dropped: Number(parsed.dropped ?? 0) };
}
