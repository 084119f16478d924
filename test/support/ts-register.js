'use strict';
/**
 * A require hook that compiles `.ts` files on load with the repository's own
 * `typescript` (`ts.transpileModule`), so a test can run the real service
 * entry in a child process without a prior `tsc` build:
 *
 *   node --enable-source-maps -r ./test/support/ts-register.js src/main.ts
 *
 * Each file is transpiled on its own, like `isolatedModules` (which
 * tsconfig.json enables, so `tsc --noEmit` already rejects code whose output
 * would depend on other files, e.g. a type imported without `import type`
 * into a decorated signature). No type checking: the parent test run
 * type-checks. Plain CommonJS because it is loaded before any compiler.
 *
 * Output is cached in the system temporary directory under a hash of the
 * file's path and source, the compiler options and the TypeScript version,
 * so a changed file is never served stale. Transpiling is about two thirds
 * of a child's start-up CPU; on a machine whose two cores are shared with
 * other test runs, that cost is what made a child miss its 40 s start-up
 * bound. On a warm cache the compiler is not even loaded.
 */
const crypto = require('node:crypto');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');

/**
 * The tsconfig.json compilerOptions that change emitted JavaScript; the
 * rest (outDir, incremental, lint flags) only matter to `tsc`. `strict`
 * matters: without strictNullChecks, `string | undefined` parameters get
 * `String` instead of tsc's `Object` as `design:paramtypes` metadata.
 * Source maps are inlined so `--enable-source-maps` stack traces name the
 * .ts lines. Written as tsconfig JSON so the cache key needs no compiler.
 */
const COMPILER_OPTIONS = {
  module: 'commonjs',
  target: 'es2022',
  experimentalDecorators: true,
  emitDecoratorMetadata: true,
  esModuleInterop: true,
  allowSyntheticDefaultImports: true,
  useDefineForClassFields: false,
  strict: true,
  isolatedModules: true,
  inlineSourceMap: true,
  inlineSources: false,
  removeComments: false,
};

const CACHE_DIR = path.join(os.tmpdir(), 'herald-ts-register');
const CACHE_KEY_BASE = `${require('typescript/package.json').version}\0${JSON.stringify(COMPILER_OPTIONS)}`;

/** The compiler and its parsed options, loaded on the first cache miss. */
let compiler;

function transpile(source, filename) {
  if (!compiler) {
    const ts = require('typescript');
    compiler = { ts, options: ts.convertCompilerOptionsFromJson(COMPILER_OPTIONS, process.cwd()).options };
  }
  return compiler.ts.transpileModule(source, { compilerOptions: compiler.options, fileName: filename, reportDiagnostics: false }).outputText;
}

require.extensions['.ts'] = function compileTypeScript(module, filename) {
  const source = fs.readFileSync(filename, 'utf8');
  const key = crypto.createHash('sha256').update(`${CACHE_KEY_BASE}\0${filename}\0${source}`).digest('hex');
  const cached = path.join(CACHE_DIR, `${key}.js`);
  let output;
  if (fs.existsSync(cached)) {
    output = fs.readFileSync(cached, 'utf8');
  } else {
    output = transpile(source, filename);
    // Children start side by side: write aside, then rename, so none reads a half-written file.
    fs.mkdirSync(CACHE_DIR, { recursive: true });
    const partial = `${cached}.${process.pid}.${crypto.randomBytes(4).toString('hex')}`;
    fs.writeFileSync(partial, output);
    fs.renameSync(partial, cached);
  }
  module._compile(output, filename);
};
