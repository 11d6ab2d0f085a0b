// Imported first by the CLI. Standard output carries a command's result alone (a
// ClaimResponse, a matrix, a report path), so libraries' console output goes to stderr; and
// two messages libraries print on every run, which tell an operator nothing, are dropped:
// the Identus SDK's wasm glue warning about its own init call, and Castor's note that it
// resolved a long-form did:prism locally after its (deliberately unreachable) endpoint failed.
const DROPPED = [/^using deprecated parameters for `initSync\(\)`/, /^Failed resolving did/];
const toStderr =
  (write: (...args: unknown[]) => void) =>
  (...args: unknown[]): void => {
    if (typeof args[0] === 'string' && DROPPED.some((re) => re.test(args[0] as string))) return;
    write(...args);
  };
const err = console.error.bind(console);
console.warn = toStderr(console.warn.bind(console));
console.log = toStderr(err);
console.info = toStderr(err);
console.debug = toStderr(err);
