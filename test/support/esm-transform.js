'use strict';
/**
 * Jest transformer for the few ES-module-only packages Herald uses (`jose`,
 * and `oidc-provider` in tests). Node >= 20.19 loads them with
 * `require(esm)`, but Jest's own module loader does that only on Node >= 24.9,
 * so under Jest their files are rewritten to CommonJS with the repository's
 * `typescript` (`ts.transpileModule`, no type checking). Listed in
 * package.json's `transformIgnorePatterns` exception, nothing else goes
 * through it.
 */
const ts = require('typescript');

const compilerOptions = {
  module: ts.ModuleKind.CommonJS,
  target: ts.ScriptTarget.ES2022,
  allowJs: true,
  esModuleInterop: true,
  inlineSourceMap: true,
};

module.exports = {
  process(source, filename) {
    const { outputText } = ts.transpileModule(source, { compilerOptions, fileName: filename, reportDiagnostics: false });
    return { code: outputText };
  },
  getCacheKey(source, filename) {
    return require('node:crypto').createHash('sha256').update(ts.version).update('\0').update(filename).update('\0').update(source).digest('hex');
  },
};
