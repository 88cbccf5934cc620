// Bundler shim: the zod this package depends on, through its CommonJS build.
//
// Parcel 2.9 (used by Plasmo 0.90 for the extension) drops zod's `export * from "./v4/classic/external.js"`
// from its ESM entry (a symbol-propagation bug with `import * as z` + `export { z }` in a
// side-effect-free package), so `z.string` is undefined at run time. The extension aliases "zod" to
// this file; required from here, "zod/index.cjs" resolves to the copy protocol/ depends on, wherever
// npm puts it. Node, Vite and TypeScript never load this file.
module.exports = require("zod/index.cjs");
