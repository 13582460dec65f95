#!/usr/bin/env node
// SPDX-License-Identifier: Apache-2.0
//
// approve.mjs: approve or deny a device-flow user code at the test IdP
// without a browser, through its test-only API (POST /test/approve|deny).
//
//   node tests/idp/approve.mjs --url https://127.0.0.1:PORT --code ABCD-EFGH --user alice
//   node tests/idp/approve.mjs --url ... --code latest --user bob   (newest pending code)
//   node tests/idp/approve.mjs --url ... --code ABCD-EFGH --deny
//
// Options: --cacert FILE (default: $FEDJIT_IDP_CA), --url (default:
// $FEDJIT_IDP_ISSUER), --acr VALUE, --client ID (with --code latest: only
// that client's codes), --quiet. Exit status 0 on success, 1 when the IdP
// refused (unknown/expired/used code, unknown user), 2 on usage errors.
// Needs no npm package.

import * as fs from 'node:fs';
import * as https from 'node:https';

const usage = () => {
  process.stderr.write('usage: approve.mjs --url ISSUER --code USER_CODE|latest (--user NAME | --deny) [--cacert FILE] [--acr ACR] [--client ID] [--quiet]\n');
  process.exit(2);
};
const o = { url: process.env.FEDJIT_IDP_ISSUER, cacert: process.env.FEDJIT_IDP_CA };
const argv = process.argv.slice(2);
for (let i = 0; i < argv.length; i++) {
  const a = argv[i];
  if (a === '--deny' || a === '--quiet') { o[a.slice(2)] = true; continue; }
  const m = /^--(url|code|user|cacert|acr|client)(?:=(.*))?$/.exec(a);
  if (!m) usage();
  o[m[1]] = m[2] !== undefined ? m[2] : argv[++i];
  if (o[m[1]] === undefined) usage();
}
if (!o.url || !o.code || (!o.user && !o.deny)) usage();

const body = JSON.stringify(o.deny
  ? { user_code: o.code, client_id: o.client }
  : { user_code: o.code, account: o.user, acr: o.acr, client_id: o.client });
const url = new URL(o.deny ? '/test/deny' : '/test/approve', o.url);
const req = https.request(url, {
  method: 'POST',
  headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) },
  ca: o.cacert ? fs.readFileSync(o.cacert) : undefined,
  timeout: 10000,
}, (res) => {
  let text = '';
  res.setEncoding('utf8');
  res.on('data', (c) => { text += c; });
  res.on('end', () => {
    let j = {};
    try { j = JSON.parse(text); } catch { j = { error: text }; }
    if (res.statusCode === 200) {
      if (!o.quiet) {
        process.stdout.write(o.deny
          ? `denied ${j.user_code} (client ${j.client_id})\n`
          : `approved ${j.user_code} (client ${j.client_id}) as ${j.account} (sub ${j.sub})\n`);
      }
      process.exit(0);
    }
    process.stderr.write(`approve.mjs: ${res.statusCode}: ${j.error || text}\n`);
    process.exit(1);
  });
});
req.on('timeout', () => req.destroy(new Error('timeout')));
req.on('error', (e) => {
  process.stderr.write(`approve.mjs: ${url}: ${e.message}\n`);
  process.exit(1);
});
req.end(body);
