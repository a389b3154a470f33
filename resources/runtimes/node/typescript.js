'use strict';
// TypeScript handlers, run as they are written: teaches Node's CommonJS loader the .ts, .mts,
// .cts and .tsx extensions and compiles each file when it is required, with esbuild (pinned
// in ./typescript/package-lock.json, installed by scripts/dev), to CommonJS with an inline
// source map, so stack traces and debuggers show the .ts lines. Compiled output is cached by
// content: the key hashes esbuild's version, the options, the path and the text, so an edited
// file never gets stale output. bootstrap.js loads this module only for a TypeScript handler.
//
// As serverless-esbuild does, every file is compiled alone and types are not checked.
// Known limits: ES module syntax (.mts, or .ts in a "type": "module" package) becomes
// CommonJS too, so top-level await is not supported (esbuild reports it as a syntax error);
// `import()` of a .ts file and tsconfig `paths` aliases are not resolved; only the nearest
// tsconfig.json's own compilerOptions apply (`extends` is not followed).

const fs = require('fs');
const path = require('path');
const crypto = require('crypto');
const Module = require('module');

const PACKAGE_DIR = path.join(__dirname, 'typescript');
const ESBUILD_DIR = path.join(PACKAGE_DIR, 'node_modules', 'esbuild');
const LOADERS = { '.ts': 'ts', '.mts': 'ts', '.cts': 'ts', '.tsx': 'tsx' };
// A relative import written the ESM way names the output file ('./util.js'): try the source.
const SOURCE_FOR = { '.js': ['.ts', '.tsx'], '.mjs': ['.mts'], '.cjs': ['.cts'], '.jsx': ['.tsx'] };

let esbuild = null;
let esbuildVersion = null;
let registered = false;

function missingEsbuild(cause) {
  const error = new Error(
    `TypeScript handlers need esbuild, which is not installed in ${PACKAGE_DIR}: run ` +
      `scripts/dev build (or npm ci --omit=dev in that folder)` + (cause ? ` (${cause.message})` : ''));
  error.name = 'Runtime.ImportModuleError';
  error.lambdaType = 'Runtime.ImportModuleError';
  return error;
}

// The version alone, for cache keys: a cached load never starts esbuild.
function version() {
  if (esbuildVersion === null) {
    try {
      esbuildVersion = JSON.parse(fs.readFileSync(path.join(ESBUILD_DIR, 'package.json'), 'utf8')).version;
    } catch (e) {
      throw missingEsbuild();
    }
  }
  return esbuildVersion;
}

function compiler() {
  if (esbuild === null) {
    // One esbuild process per compile rather than a worker thread that lives in this
    // instance's memory (and its reported Max Memory Used) for the rest of its life.
    // (esbuild reads the switch once, as it loads; the handler's environment stays as it was.)
    const workerThreads = process.env.ESBUILD_WORKER_THREADS;
    process.env.ESBUILD_WORKER_THREADS = '0';
    try {
      esbuild = require(ESBUILD_DIR);
    } catch (e) {
      throw missingEsbuild(e);
    } finally {
      if (workerThreads === undefined) delete process.env.ESBUILD_WORKER_THREADS;
      else process.env.ESBUILD_WORKER_THREADS = workerThreads;
    }
  }
  return esbuild;
}

function cacheDir() {
  return process.env.NIMBUS_TS_CACHE ||
    path.join(process.env.LAMBDA_TASK_ROOT || process.env.USER_CODE_ROOT || process.cwd(), '.nimbus', 'cache', 'typescript');
}

// The text of the tsconfig.json nearest to `dir`, up to the task root ('' when none).
const tsconfigs = new Map();
function tsconfigFor(dir) {
  if (tsconfigs.has(dir)) return tsconfigs.get(dir);
  let text = '';
  try {
    text = fs.readFileSync(path.join(dir, 'tsconfig.json'), 'utf8');
  } catch (e) {
    const root = path.resolve(process.env.LAMBDA_TASK_ROOT || process.env.USER_CODE_ROOT || '/');
    const parent = path.dirname(dir);
    if (dir !== root && parent !== dir) text = tsconfigFor(parent);
  }
  tsconfigs.set(dir, text);
  return text;
}

function optionsFor(filename, source) {
  const options = {
    loader: LOADERS[path.extname(filename)] || 'ts',
    format: 'cjs',
    target: `node${process.versions.node}`,
    sourcemap: 'inline',
    sourcefile: filename, // the map's source is the real file, for traces and debuggers
    logLevel: 'silent',
  };
  const tsconfig = tsconfigFor(path.dirname(filename));
  if (tsconfig) options.tsconfigRaw = tsconfig; // esbuild reads it, comments and all
  if (source.includes('import.meta')) {
    // What ES modules ask of import.meta, in CommonJS terms.
    options.define = {
      'import.meta.url': '__nimbus_import_meta_url',
      'import.meta.filename': '__filename',
      'import.meta.dirname': '__dirname',
    };
    options.banner = "var __nimbus_import_meta_url = require('url').pathToFileURL(__filename).href;";
  }
  return options;
}

function syntaxError(filename, failure) {
  const errors = failure.errors && failure.errors.length ? failure.errors : [{ text: failure.message }];
  const hint = (text) =>
    text.startsWith('Top-level await') ? `${text} (TypeScript handlers are compiled to CommonJS)` : text;
  const where = (e) =>
    e.location ? `${e.location.file || filename}:${e.location.line}:${e.location.column + 1}` : filename;
  const error = new SyntaxError(errors.map((e) => `${where(e)}: ${hint(e.text)}`).join('\n'));
  error.stack = `SyntaxError: ${where(errors[0])}: ${hint(errors[0].text)}\n` +
    errors.map((e) => `    at ${where(e)}`).join('\n');
  error.lambdaType = 'Runtime.UserCodeSyntaxError';
  return error;
}

function compile(filename, source) {
  const options = optionsFor(filename, source);
  const key = crypto.createHash('sha256')
    .update(JSON.stringify([version(), options, filename]))
    .update('\0')
    .update(source)
    .digest('hex');
  const dir = cacheDir();
  const cached = path.join(dir, `${key}.js`);
  try {
    return fs.readFileSync(cached, 'utf8');
  } catch (e) {
    // Not compiled yet.
  }
  let code;
  try {
    code = compiler().transformSync(source, options).code;
  } catch (e) {
    if (e.lambdaType) throw e;
    throw syntaxError(filename, e);
  }
  // Written whole under a temporary name, then renamed: a reader sees all or nothing.
  try {
    fs.mkdirSync(dir, { recursive: true });
    const temporary = `${cached}.${process.pid}.${crypto.randomBytes(4).toString('hex')}.tmp`;
    fs.writeFileSync(temporary, code);
    fs.renameSync(temporary, cached);
  } catch (e) {
    // A read-only project still runs; it compiles every time.
  }
  return code;
}

function load(module, filename) {
  module._compile(compile(filename, fs.readFileSync(filename, 'utf8')), filename);
}

function register() {
  if (registered) return;
  registered = true;
  process.setSourceMapsEnabled(true);
  for (const ext of Object.keys(LOADERS)) Module._extensions[ext] = load;

  const resolve = Module._resolveFilename;
  Module._resolveFilename = function resolveTypeScript(request, parent, ...rest) {
    try {
      return resolve.call(this, request, parent, ...rest);
    } catch (e) {
      const ext = path.extname(request);
      const relative = request.startsWith('./') || request.startsWith('../');
      if (e.code !== 'MODULE_NOT_FOUND' || !relative || !SOURCE_FOR[ext] || !parent ||
          !LOADERS[path.extname(parent.filename || '')]) throw e;
      for (const source of SOURCE_FOR[ext]) {
        try {
          return resolve.call(this, request.slice(0, -ext.length) + source, parent, ...rest);
        } catch (ignored) {
          // Try the next, then report the original request.
        }
      }
      throw e;
    }
  };
}

module.exports = { register, compile };
