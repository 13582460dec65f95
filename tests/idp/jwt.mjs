#!/usr/bin/env node
// SPDX-License-Identifier: Apache-2.0
//
// jwt.mjs: small JWT tool for shell tests (node crypto only, no npm package).
//
//   jwt.mjs decode TOKEN          header and payload as one JSON object
//                                 {"header":{...},"payload":{...}} (no verification)
//   jwt.mjs claim TOKEN NAME      one payload claim (JSON for non-strings)
//   jwt.mjs header TOKEN NAME     one header parameter
//   jwt.mjs verify TOKEN JWKS_FILE  exit 0 if the signature verifies with the key
//                                 named by kid (RS256, ES256, EdDSA), else 1
//   jwt.mjs assertion KEY_FILE CLIENT_ID AUDIENCE [KID]
//                                 a private_key_jwt client assertion (RS256 for
//                                 RSA keys, ES256 for P-256, EdDSA for Ed25519)
//   jwt.mjs jwk KEY_FILE [KID]    the private JWK of a PEM key (for tools that want JWK)

import * as crypto from 'node:crypto';
import * as fs from 'node:fs';

const b64 = (buf) => Buffer.from(buf).toString('base64url');
const part = (s) => JSON.parse(Buffer.from(s, 'base64url').toString('utf8'));
const die = (msg, code = 2) => {
  process.stderr.write(`jwt.mjs: ${msg}\n`);
  process.exit(code);
};

function decode(token) {
  const p = String(token).trim().split('.');
  if (p.length !== 3) die('not a JWS compact serialisation', 1);
  return { header: part(p[0]), payload: part(p[1]), signingInput: `${p[0]}.${p[1]}`, signature: Buffer.from(p[2], 'base64url') };
}

function algFor(key) {
  switch (key.asymmetricKeyType) {
    case 'rsa': return 'RS256';
    case 'ec': return 'ES256';
    case 'ed25519': return 'EdDSA';
    default: return die(`unsupported key type ${key.asymmetricKeyType}`);
  }
}

function sign(alg, key, input) {
  switch (alg) {
    case 'RS256': return crypto.sign('sha256', Buffer.from(input), key);
    case 'ES256': return crypto.sign('sha256', Buffer.from(input), { key, dsaEncoding: 'ieee-p1363' });
    case 'EdDSA': return crypto.sign(null, Buffer.from(input), key);
    default: return die(`unsupported alg ${alg}`);
  }
}

function verify(alg, key, input, sig) {
  switch (alg) {
    case 'RS256': return crypto.verify('sha256', Buffer.from(input), key, sig);
    case 'ES256': return crypto.verify('sha256', Buffer.from(input), { key, dsaEncoding: 'ieee-p1363' }, sig);
    case 'EdDSA': return crypto.verify(null, Buffer.from(input), key, sig);
    default: return false;
  }
}

const [cmd, ...args] = process.argv.slice(2);
const out = (v) => process.stdout.write(`${typeof v === 'string' ? v : JSON.stringify(v)}\n`);
switch (cmd) {
  case 'decode': {
    const { header, payload } = decode(args[0]);
    out({ header, payload });
    break;
  }
  case 'claim':
  case 'header': {
    const d = decode(args[0]);
    const v = (cmd === 'claim' ? d.payload : d.header)[args[1]];
    if (v === undefined) process.exit(1);
    out(v);
    break;
  }
  case 'verify': {
    const d = decode(args[0]);
    const { keys } = JSON.parse(fs.readFileSync(args[1], 'utf8'));
    const jwk = keys.find((k) => k.kid === d.header.kid);
    if (!jwk) die(`no key with kid ${d.header.kid}`, 1);
    const ok = verify(d.header.alg, crypto.createPublicKey({ key: jwk, format: 'jwk' }), d.signingInput, d.signature);
    process.exit(ok ? 0 : 1);
    break;
  }
  case 'assertion': {
    const [keyFile, clientId, aud, kid] = args;
    if (!aud) die('usage: assertion KEY_FILE CLIENT_ID AUDIENCE [KID]');
    const key = crypto.createPrivateKey(fs.readFileSync(keyFile));
    const alg = algFor(key);
    const now = Math.floor(Date.now() / 1000);
    const input = `${b64(JSON.stringify({ alg, typ: 'JWT', kid: kid || 'fedjit-jwt-1' }))}.${b64(JSON.stringify({
      iss: clientId, sub: clientId, aud, iat: now, exp: now + 60, jti: crypto.randomUUID(),
    }))}`;
    out(`${input}.${b64(sign(alg, key, input))}`);
    break;
  }
  case 'jwk': {
    const key = crypto.createPrivateKey(fs.readFileSync(args[0]));
    out({ ...key.export({ format: 'jwk' }), kid: args[1] || 'fedjit-jwt-1', alg: algFor(key), use: 'sig' });
    break;
  }
  default:
    die('usage: jwt.mjs decode|claim|header|verify|assertion|jwk ...');
}
