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
 * into a decorated signature). No type checking, no cache: the parent test
 * run type-checks. Plain CommonJS because it is loaded before any compiler.
 */
const fs = require('node:fs');
const ts = require('typescript');

/**
 * The tsconfig.json compilerOptions that change emitted JavaScript; the
 * rest (outDir, incremental, lint flags) only matter to `tsc`. `strict`
 * matters: without strictNullChecks, `string | undefined` parameters get
 * `String` instead of tsc's `Object` as `design:paramtypes` metadata.
 * Source maps are inlined so `--enable-source-maps` stack traces name the
 * .ts lines.
 */
const compilerOptions = {
  module: ts.ModuleKind.CommonJS,
  target: ts.ScriptTarget.ES2022,
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

require.extensions['.ts'] = function compileTypeScript(module, filename) {
  const source = fs.readFileSync(filename, 'utf8');
  const { outputText } = ts.transpileModule(source, { compilerOptions, fileName: filename, reportDiagnostics: false });
  module._compile(outputText, filename);
};
