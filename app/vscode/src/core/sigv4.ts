// AWS Signature Version 4 for the simulator's control plane: what the extension needs to
// follow the live event stream of a simulator started outside VS Code (with the
// credentials in its .nimbus/sim.json). GET requests with a query, no body.
import { createHash, createHmac } from 'crypto';

export interface Credentials {
    accessKeyId: string;
    secretAccessKey: string;
}

const sha256 = (data: string) => createHash('sha256').update(data).digest('hex');
const hmac = (key: Buffer | string, data: string) => createHmac('sha256', key).update(data).digest();
// RFC 3986 encoding, as SigV4 wants it (encodeURIComponent leaves !'()* alone).
const encode = (s: string) => encodeURIComponent(s).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);

// The headers that sign `GET url` (x-amz-date and authorization); `now` is for tests.
export function signGet(url: URL, credentials: Credentials, region: string, service: string, now = new Date()): Record<string, string> {
    const amzDate = now.toISOString().replace(/[:-]|\.\d{3}/g, '');
    const day = amzDate.slice(0, 8);
    const query = [...url.searchParams.entries()]
        .map(([k, v]) => [encode(k), encode(v)])
        .sort(([a, x], [b, y]) => (a < b ? -1 : a > b ? 1 : x < y ? -1 : x > y ? 1 : 0))
        .map(([k, v]) => `${k}=${v}`)
        .join('&');
    const path = url.pathname.split('/').map((segment) => encode(decodeURIComponent(segment))).join('/') || '/';
    const canonical = ['GET', path, query, `host:${url.host}`, `x-amz-date:${amzDate}`, '', 'host;x-amz-date', sha256('')].join('\n');
    const scope = `${day}/${region}/${service}/aws4_request`;
    const toSign = ['AWS4-HMAC-SHA256', amzDate, scope, sha256(canonical)].join('\n');
    const key = hmac(hmac(hmac(hmac(`AWS4${credentials.secretAccessKey}`, day), region), service), 'aws4_request');
    const signature = createHmac('sha256', key).update(toSign).digest('hex');
    return {
        'x-amz-date': amzDate,
        authorization: `AWS4-HMAC-SHA256 Credential=${credentials.accessKeyId}/${scope}, SignedHeaders=host;x-amz-date, Signature=${signature}`,
    };
}
