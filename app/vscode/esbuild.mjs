// Bundles the extension and vscode-languageclient into dist/extension.js (the `vscode`
// module is VS Code's own, provided at run time).
import { build } from 'esbuild';

await build({
    entryPoints: ['src/extension.ts'],
    bundle: true,
    outfile: 'dist/extension.js',
    external: ['vscode'],
    format: 'cjs',
    platform: 'node',
    // jsonc-parser's default (UMD) build requires its parts at run time; its ES module build
    // bundles.
    mainFields: ['module', 'main'],
    target: 'node20',
    sourcemap: true,
    logLevel: 'warning',
});
