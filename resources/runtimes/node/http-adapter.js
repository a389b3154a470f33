'use strict';
// Nimbus http functions in Node: the gateway's request becomes an Express-style `req` and
// `res`, as the Google Functions Framework gives them, so (req, res) handlers written for
// it run unchanged. The invocation ends when the response does.
//
// In:  {method, path, query, headers: [[name, value]...], body (base64), mountPath,
//       sourceIp, protocol, requestId}
// Out: {statusCode, multiValueHeaders, body (base64), isBase64Encoded: true}
const STATUS_TEXT = require('http').STATUS_CODES;

function mimeOf(contentType) {
  return (contentType || '').split(';')[0].trim().toLowerCase();
}

// Express's default ("extended") query parser, for the shapes handlers use: repeated keys
// become arrays, a[b]=1 becomes { a: { b: '1' } }.
function parseQuery(raw) {
  const query = {};
  if (!raw) return query;
  for (const part of raw.split('&')) {
    if (!part) continue;
    const eq = part.indexOf('=');
    const decode = (s) => { try { return decodeURIComponent(s.replace(/\+/g, ' ')); } catch { return s; } };
    const key = decode(eq < 0 ? part : part.slice(0, eq));
    const value = eq < 0 ? '' : decode(part.slice(eq + 1));
    const nested = /^([^[\]]+)\[([^[\]]*)\]$/.exec(key);
    if (nested) {
      const [, outer, inner] = nested;
      if (inner === '') {
        query[outer] = [].concat(query[outer] === undefined ? [] : query[outer], value);
      } else {
        if (typeof query[outer] !== 'object' || Array.isArray(query[outer])) query[outer] = {};
        query[outer][inner] = value;
      }
    } else if (query[key] === undefined) {
      query[key] = value;
    } else {
      query[key] = [].concat(query[key], value);
    }
  }
  return query;
}

class Request {
  constructor(event) {
    const headers = {};
    const rawHeaders = [];
    for (const [name, value] of event.headers || []) {
      rawHeaders.push(name, value);
      const key = name.toLowerCase();
      if (key === 'set-cookie') (headers[key] = headers[key] || []).push(value);
      else headers[key] = key in headers ? `${headers[key]}, ${value}` : value;
    }
    const query = event.query || '';
    this.method = event.method;
    this.headers = headers;
    this.rawHeaders = rawHeaders;
    this.path = event.path || '/';
    this.url = this.path + (query ? `?${query}` : '');
    this.baseUrl = event.mountPath || '';
    this.originalUrl = this.baseUrl + this.url;
    this.query = parseQuery(query);
    this.params = {};
    this.ip = event.sourceIp;
    this.ips = [];
    this.protocol = 'http';
    this.secure = false;
    this.hostname = (headers.host || '').replace(/:\d+$/, '');
    this.httpVersion = (event.protocol || 'HTTP/1.1').replace('HTTP/', '');
    this.rawBody = Buffer.from(event.body || '', 'base64');
    this.body = undefined;
    this.executionId = event.requestId;
  }

  get(name) {
    const key = name.toLowerCase();
    if (key === 'referer' || key === 'referrer') return this.headers.referer || this.headers.referrer;
    return this.headers[key];
  }

  header(name) {
    return this.get(name);
  }

  is(type) {
    const mime = mimeOf(this.headers['content-type']);
    if (!mime) return false;
    const want = type.includes('/') ? type : { json: 'application/json', text: 'text/plain', html: 'text/html', urlencoded: 'application/x-www-form-urlencoded' }[type] || type;
    if (want.endsWith('/*')) return mime.startsWith(want.slice(0, -1)) ? mime : false;
    return mime === want ? mime : false;
  }
}

// The body as the Functions Framework's parsers leave it; an error means 400.
function parseBody(req) {
  const mime = mimeOf(req.headers['content-type']);
  const raw = req.rawBody;
  if (mime === 'application/json' || mime.endsWith('+json')) {
    if (raw.length === 0) return {};
    return JSON.parse(raw.toString('utf8'));
  }
  if (mime === 'text/plain') return raw.toString('utf8');
  if (mime === 'application/x-www-form-urlencoded') return parseQuery(raw.toString('utf8'));
  return raw.length ? raw : {};
}

class Response {
  constructor(done) {
    this.statusCode = 200;
    this.statusMessage = undefined;
    this.locals = {};
    this.headersSent = false;
    this.writableEnded = false;
    this.finished = false;
    this._headers = new Map(); // lower-case name -> [name, value (string or array)]
    this._chunks = [];
    this._done = done;
    this._listeners = { finish: [], close: [] };
  }

  status(code) {
    this.statusCode = code;
    return this;
  }

  sendStatus(code) {
    this.statusCode = code;
    if (!this.hasHeader('content-type')) this.type('text/plain; charset=utf-8');
    return this.end(STATUS_TEXT[code] || String(code));
  }

  setHeader(name, value) {
    this._headers.set(name.toLowerCase(), [name, Array.isArray(value) ? value.map(String) : String(value)]);
    return this;
  }

  getHeader(name) {
    const entry = this._headers.get(name.toLowerCase());
    return entry ? entry[1] : undefined;
  }

  getHeaders() {
    const out = {};
    for (const [key, [, value]] of this._headers) out[key] = value;
    return out;
  }

  getHeaderNames() {
    return [...this._headers.keys()];
  }

  hasHeader(name) {
    return this._headers.has(name.toLowerCase());
  }

  removeHeader(name) {
    this._headers.delete(name.toLowerCase());
  }

  set(field, value) {
    if (typeof field === 'object') {
      for (const [k, v] of Object.entries(field)) this.set(k, v);
      return this;
    }
    if (field.toLowerCase() === 'content-type' && !String(value).includes('/')) value = this._mime(value);
    return this.setHeader(field, value);
  }

  header(field, value) {
    return this.set(field, value);
  }

  get(field) {
    return this.getHeader(field);
  }

  append(field, value) {
    const current = this.getHeader(field);
    if (current === undefined) return this.setHeader(field, value);
    return this.setHeader(field, [].concat(current, value));
  }

  type(t) {
    return this.setHeader('Content-Type', t.includes('/') ? t : this._mime(t));
  }

  contentType(t) {
    return this.type(t);
  }

  _mime(short) {
    const known = { json: 'application/json; charset=utf-8', html: 'text/html; charset=utf-8', text: 'text/plain; charset=utf-8', txt: 'text/plain; charset=utf-8', xml: 'application/xml', bin: 'application/octet-stream', png: 'image/png', jpg: 'image/jpeg', jpeg: 'image/jpeg', gif: 'image/gif', css: 'text/css; charset=utf-8', js: 'application/javascript; charset=utf-8' };
    return known[String(short).replace(/^\./, '').toLowerCase()] || 'application/octet-stream';
  }

  location(url) {
    return this.setHeader('Location', url);
  }

  redirect(status, url) {
    if (url === undefined) [status, url] = [302, status];
    this.statusCode = status;
    this.location(url);
    if (!this.hasHeader('content-type')) this.type('text/plain; charset=utf-8');
    return this.end(`${STATUS_TEXT[status] || 'Found'}. Redirecting to ${url}`);
  }

  cookie(name, value, options = {}) {
    let cookie = `${name}=${encodeURIComponent(typeof value === 'object' ? `j:${JSON.stringify(value)}` : String(value))}`;
    if (options.maxAge !== undefined) cookie += `; Max-Age=${Math.floor(options.maxAge / 1000)}`;
    cookie += `; Path=${options.path || '/'}`;
    if (options.domain) cookie += `; Domain=${options.domain}`;
    if (options.expires) cookie += `; Expires=${options.expires.toUTCString()}`;
    if (options.httpOnly) cookie += '; HttpOnly';
    if (options.secure) cookie += '; Secure';
    if (options.sameSite) cookie += `; SameSite=${options.sameSite === true ? 'Strict' : options.sameSite}`;
    return this.append('Set-Cookie', cookie);
  }

  clearCookie(name, options = {}) {
    return this.cookie(name, '', { ...options, expires: new Date(1) });
  }

  json(body) {
    if (!this.hasHeader('content-type')) this.setHeader('Content-Type', 'application/json; charset=utf-8');
    return this.end(JSON.stringify(body));
  }

  send(body) {
    if (body === undefined || body === null) return this.end();
    if (Buffer.isBuffer(body)) {
      if (!this.hasHeader('content-type')) this.setHeader('Content-Type', 'application/octet-stream');
      return this.end(body);
    }
    if (typeof body === 'object' || typeof body === 'boolean' || typeof body === 'number') {
      if (typeof body === 'object') return this.json(body);
      body = String(body);
    }
    if (!this.hasHeader('content-type')) this.setHeader('Content-Type', 'text/html; charset=utf-8');
    return this.end(body);
  }

  write(chunk, encoding) {
    if (this.writableEnded) return false;
    this.headersSent = true;
    if (chunk !== undefined && chunk !== null) this._chunks.push(Buffer.isBuffer(chunk) ? chunk : Buffer.from(String(chunk), encoding || 'utf8'));
    return true;
  }

  writeHead(status, message, headers) {
    this.statusCode = status;
    if (typeof message === 'object') headers = message;
    for (const [k, v] of Object.entries(headers || {})) this.setHeader(k, v);
    this.headersSent = true;
    return this;
  }

  end(chunk, encoding) {
    if (this.writableEnded) return this;
    if (typeof chunk === 'function') chunk = undefined;
    this.write(chunk, typeof encoding === 'string' ? encoding : undefined);
    this.writableEnded = this.finished = this.headersSent = true;
    const multiValueHeaders = {};
    for (const [, [name, value]] of this._headers) multiValueHeaders[name] = [].concat(value);
    this._done({
      statusCode: this.statusCode,
      multiValueHeaders,
      body: Buffer.concat(this._chunks).toString('base64'),
      isBase64Encoded: true,
    });
    for (const listener of this._listeners.finish) listener();
    for (const listener of this._listeners.close) listener();
    return this;
  }

  on(event, listener) {
    if (this._listeners[event]) this._listeners[event].push(listener);
    return this;
  }

  once(event, listener) {
    return this.on(event, listener);
  }
}

// The handler the bootstrap runs: (event, context) -> Promise of the response document.
function adapt(fn) {
  return (event) => new Promise((resolve, reject) => {
    const req = new Request(event);
    const res = new Response(resolve);
    try {
      req.body = parseBody(req);
    } catch (e) {
      // As the Functions Framework answers a body its parser refuses.
      res.status(400).type('text/plain; charset=utf-8').end(`Bad Request: the body is not valid JSON (${e.message})`);
      return;
    }
    let returned;
    try {
      returned = fn(req, res);
    } catch (e) {
      if (!res.writableEnded) reject(e);
      return;
    }
    if (returned && typeof returned.then === 'function') {
      returned.then(undefined, (e) => {
        if (!res.writableEnded) reject(e === undefined || e === null ? new Error('Promise rejected') : e);
      });
    }
  });
}

module.exports = { adapt, Request, Response, parseQuery };
