// Loaded into every test process (scripts/test.mjs): writes to stdout and stderr block until
// done. Each test file runs in a child process that reports its verdicts over a pipe, and pipe
// writes are asynchronous; under --test-force-exit the child can exit with the last verdicts
// still unwritten, and the runner then reports fewer tests, with no failure (nodejs/node#64833;
// a loaded run here reported 87 of 99 conformance tests). A blocking pipe loses nothing.
for (const stream of [process.stdout, process.stderr]) {
  const handle = /** @type {{ setBlocking?: (blocking: boolean) => void } | undefined} */ (stream._handle);
  handle?.setBlocking?.(true);
}
