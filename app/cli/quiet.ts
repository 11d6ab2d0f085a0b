// Imported first by the CLI. The Identus SDK's bundled wasm glue warns about its own init
// call whenever it loads; the warning is the library's, tells an operator nothing, and would
// drown the trace, so exactly that message is dropped.
const warn = console.warn.bind(console);
console.warn = (...args: unknown[]) => {
  if (typeof args[0] === 'string' && args[0].startsWith('using deprecated parameters for `initSync()`')) return;
  warn(...args);
};
