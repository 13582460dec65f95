#!/usr/bin/env node
// SPDX-License-Identifier: Apache-2.0
//
// fedjit's misbehaving test IdP: plain node https + crypto, no npm package.
// Serves discovery, JWKS, device authorization, token and userinfo endpoints
// whose answers are crafted per scenario (bad ID tokens, error responses,
// malformed, huge, slow or redirected responses), plus good ones, so a test
// can show the good path works against it too.
//
// A scenario is chosen either globally (POST /test/scenario {"name": ...},
// for requests without a prefix) or per issuer: the issuer
// https://127.0.0.1:PORT/s/NAME serves scenario NAME under /s/NAME/..., so
// tests can use several scenarios at once. README.md lists the scenarios.
//
// Test only: listens on 127.0.0.1, exits after --lifetime seconds.

import * as crypto from 'node:crypto';
import * as fs from 'node:fs';
import * as http from 'node:http';
import * as https from 'node:https';
import * as querystring from 'node:querystring';

// ---------------------------------------------------------------------------
// Options: --name value; --lifetime and --scenario also as FEDJIT_BAD_IDP_LIFETIME/_SCENARIO.
const OPTIONS = {
  cert: 'server certificate (PEM)',
  key: 'server private key (PEM)',
  port: 'TCP port on 127.0.0.1 (0 or absent: a free one)',
  'port-file': 'write the port here once listening',
  'pid-file': 'write the pid here',
  'log-file': 'append the log here (default: stderr)',
  lifetime: 'exit after this many seconds (default 600)',
  scenario: 'initial global scenario (default good)',
};
const opts = {};
// From the environment only these (lib.sh exports FEDJIT_BAD_IDP_PORT etc. of
// a running instance, which a second one must not pick up).
for (const name of ['lifetime', 'scenario']) {
  const env = process.env[`FEDJIT_BAD_IDP_${name.toUpperCase().replaceAll('-', '_')}`];
  if (env) opts[name] = env;
}
{
  const argv = process.argv.slice(2);
  for (let i = 0; i < argv.length; i++) {
    if (argv[i] === '--help' || argv[i] === '-h') {
      process.stdout.write('usage: bad-idp.mjs [--option value]...\n');
      for (const [n, d] of Object.entries(OPTIONS)) process.stdout.write(`  --${n.padEnd(12)} ${d}\n`);
      process.exit(0);
    }
    const m = /^--([a-z-]+)(?:=(.*))?$/.exec(argv[i]);
    if (!m || !(m[1] in OPTIONS)) {
      process.stderr.write(`bad-idp.mjs: unknown argument ${argv[i]}\n`);
      process.exit(2);
    }
    opts[m[1]] = m[2] !== undefined ? m[2] : argv[++i];
  }
}
if (!opts.cert || !opts.key) {
  process.stderr.write('bad-idp.mjs: --cert and --key are required\n');
  process.exit(2);
}
const lifetime = Number(opts.lifetime) || 600;

const logFd = opts['log-file'] ? fs.openSync(opts['log-file'], 'a') : 2;
const log = (msg) => fs.writeSync(logFd, `${new Date().toISOString()} bad-idp[${process.pid}] ${msg}\n`);

// ---------------------------------------------------------------------------
// Keys: the published ones (RS256, ES256, EdDSA) and one that is never published.
const b64u = (b) => Buffer.from(b).toString('base64url');
function makeKey(alg, kid) {
  let pair;
  if (alg === 'RS256') pair = crypto.generateKeyPairSync('rsa', { modulusLength: 2048 });
  else if (alg === 'ES256') pair = crypto.generateKeyPairSync('ec', { namedCurve: 'P-256' });
  else pair = crypto.generateKeyPairSync('ed25519');
  const jwk = { ...pair.publicKey.export({ format: 'jwk' }), kid, alg, use: 'sig' };
  return { alg, kid, privateKey: pair.privateKey, publicKey: pair.publicKey, jwk };
}
const rnd = () => crypto.randomBytes(4).toString('hex');
const keys = {
  RS256: makeKey('RS256', `bad-rs256-${rnd()}`),
  ES256: makeKey('ES256', `bad-es256-${rnd()}`),
  EdDSA: makeKey('EdDSA', `bad-eddsa-${rnd()}`),
};
const unpublished = makeKey('RS256', `unknown-kid-${rnd()}`);

function signJws(header, payload, key) {
  const input = `${b64u(JSON.stringify(header))}.${b64u(JSON.stringify(payload))}`;
  let sig;
  switch (header.alg) {
    case 'RS256': sig = crypto.sign('sha256', Buffer.from(input), key); break;
    case 'ES256': sig = crypto.sign('sha256', Buffer.from(input), { key, dsaEncoding: 'ieee-p1363' }); break;
    case 'EdDSA': sig = crypto.sign(null, Buffer.from(input), key); break;
    case 'HS256': sig = crypto.createHmac('sha256', key).update(input).digest(); break;
    case 'none': return `${input}.`;
    default: throw new Error(`alg ${header.alg}`);
  }
  return `${input}.${b64u(sig)}`;
}

// ---------------------------------------------------------------------------
// Scenarios. Each names what it changes; everything else stays good.
const ID_TOKEN_SCENARIOS = new Set([
  'good', 'good-es256', 'good-eddsa', 'multi-aud-azp', 'wrong-iss', 'wrong-aud', 'multi-aud-no-azp',
  'azp-wrong', 'expired', 'nbf-future', 'iat-future', 'alg-none', 'hs256-rsa-pem', 'unknown-kid',
  'bad-signature', 'missing-sub', 'id-token-garbage', 'no-id-token',
]);
const TOKEN_ERRORS = {
  authorization_pending: 'authorization request is still pending',
  slow_down: 'you are polling too quickly',
  access_denied: 'the end-user denied the request',
  expired_token: 'the device code has expired',
  invalid_grant: 'device code invalid or already used (bad-idp)',
};
const TRANSPORT = new Set(['truncated-json', 'garbage', 'huge', 'redirect-http', 'redirect-https', 'slow', 'drip', 'status-500']);
const ENDPOINTS = new Set(['discovery', 'jwks', 'device', 'token', 'userinfo', 'all']);
const OTHER = new Set([
  'pending-once', 'slow-down-once', 'pending-428-once', 'slow-down-403-once', 'token-403-no-error', 'discovery-wrong-issuer', 'discovery-http-endpoints',
  'discovery-no-device-endpoint', 'discovery-foreign-endpoints', 'jwks-too-many', 'jwks-empty', 'device-error', 'device-no-interval',
  'userinfo-sub-mismatch', 'groups-overage',
  // limits (issue 8): each exceeds one documented limit of the helper, the rest is good
  'deep-json', 'deep-claim', 'many-claims', 'many-groups', 'long-claim', 'long-sub', 'long-group',
  'jwks-big', 'device-forever', 'device-expires-huge',
]);
const allScenarios = () => [
  ...ID_TOKEN_SCENARIOS, ...Object.keys(TOKEN_ERRORS), ...OTHER,
  ...[...TRANSPORT].map((t) => `${t}[@discovery|@jwks|@device|@token|@userinfo|@all]`),
];

// parseScenario("huge@jwks") -> { name: "huge", endpoint: "jwks" } or undefined
function parseScenario(spec) {
  const [name, endpoint = 'token'] = String(spec).split('@');
  if (TRANSPORT.has(name)) return ENDPOINTS.has(endpoint) ? { name, endpoint } : undefined;
  if (spec.includes('@')) return undefined;
  if (ID_TOKEN_SCENARIOS.has(name) || name in TOKEN_ERRORS || OTHER.has(name)) return { name };
  return undefined;
}

let globalScenario = { ...parseScenario(opts.scenario || 'good') };
if (!globalScenario.name) {
  process.stderr.write(`bad-idp.mjs: unknown scenario ${opts.scenario}\n`);
  process.exit(2);
}

const USER = {
  sub: 'u-0001-alice', preferred_username: 'alice', name: 'Alice Liddell', email: 'alice@example.test',
  email_verified: true, groups: ['staff', 'admins'],
};
const stats = { requests: {}, plain_http_requests: 0 };
const polls = new Map(); // device_code -> count (for the *-once scenarios)

// ---------------------------------------------------------------------------
// Response helpers.
function send(res, status, body, type = 'application/json') {
  const buf = Buffer.isBuffer(body) ? body : Buffer.from(typeof body === 'string' ? body : JSON.stringify(body));
  res.writeHead(status, { 'content-type': type, 'content-length': buf.length, 'cache-control': 'no-store' });
  res.end(buf);
}

// Transport misbehaviour for one endpoint; `good` is the body it would have sent.
function misbehave(sc, req, res, ctx, good) {
  switch (sc.name) {
    case 'truncated-json': {
      const s = JSON.stringify(good);
      return send(res, 200, s.slice(0, Math.max(1, Math.floor(s.length / 2))));
    }
    case 'garbage':
      return send(res, 200, Buffer.concat([Buffer.from([0, 0xff]), Buffer.from('<html>not json'), crypto.randomBytes(256)]));
    case 'status-500':
      return send(res, 500, '<html><body>Internal Server Error</body></html>', 'text/html');
    case 'redirect-http':
      res.writeHead(302, { location: `http://127.0.0.1:${httpPort}${req.url}`, 'content-length': 0 });
      return res.end();
    case 'redirect-https':
      res.writeHead(302, { location: `${ctx.issuer}/moved${ctx.rest}`, 'content-length': 0 });
      return res.end();
    case 'huge': {
      // 20 MB (or sc.size) of one JSON string, chunked: only a size cap on
      // the client's side stops it.
      const size = Number(sc.size) || 20 * 1024 * 1024;
      res.writeHead(200, { 'content-type': 'application/json', 'cache-control': 'no-store' });
      res.write('{"access_token":"');
      const chunk = Buffer.alloc(64 * 1024, 'A');
      let sent = 0;
      const pump = () => {
        while (sent < size) {
          sent += chunk.length;
          if (!res.write(chunk)) return res.once('drain', pump);
        }
        return res.end('","token_type":"Bearer"}');
      };
      res.on('close', () => { sent = size; });
      return pump();
    }
    case 'slow': {
      // Nothing at all until sc.delay seconds (default 60) have passed.
      const t = setTimeout(() => { if (!res.destroyed) send(res, 200, good); }, (Number(sc.delay) || 60) * 1000);
      res.on('close', () => clearTimeout(t));
      return undefined;
    }
    case 'drip': {
      // Headers at once, then the good body one byte per second.
      const body = Buffer.from(JSON.stringify(good));
      res.writeHead(200, { 'content-type': 'application/json', 'content-length': body.length });
      let i = 0;
      const iv = setInterval(() => {
        if (res.destroyed || i >= body.length) { clearInterval(iv); if (!res.destroyed) res.end(); return; }
        res.write(body.subarray(i, i + 1));
        i++;
      }, 1000);
      res.on('close', () => clearInterval(iv));
      return undefined;
    }
    default:
      return send(res, 500, { error: 'bad-idp: unknown transport scenario' });
  }
}

function discovery(sc, issuer) {
  let base = sc.name === 'discovery-http-endpoints' ? issuer.replace(/^https:/, 'http:') : issuer;
  // The same server under another host name (the certificate covers localhost too).
  if (sc.name === 'discovery-foreign-endpoints') base = issuer.replace('//127.0.0.1:', '//localhost:');
  const d = {
    issuer: sc.name === 'discovery-wrong-issuer' ? 'https://evil.example.test' : issuer,
    authorization_endpoint: `${base}/auth`,
    device_authorization_endpoint: `${base}/device/auth`,
    token_endpoint: `${base}/token`,
    userinfo_endpoint: `${base}/me`,
    jwks_uri: `${base}/jwks`,
    response_types_supported: ['code'],
    subject_types_supported: ['public'],
    grant_types_supported: ['urn:ietf:params:oauth:grant-type:device_code'],
    id_token_signing_alg_values_supported: ['RS256', 'ES256', 'EdDSA'],
    token_endpoint_auth_methods_supported: ['none', 'client_secret_basic', 'client_secret_post', 'private_key_jwt'],
    scopes_supported: ['openid', 'profile', 'email', 'groups'],
    claims_supported: ['sub', 'iss', 'aud', 'exp', 'iat', 'acr', 'name', 'preferred_username', 'email', 'groups'],
  };
  if (sc.name === 'discovery-no-device-endpoint') delete d.device_authorization_endpoint;
  return d;
}

function jwks(sc) {
  const pub = Object.values(keys).map((k) => k.jwk);
  if (sc.name === 'jwks-empty') return { keys: [] };
  if (sc.name === 'jwks-too-many') {
    // The real keys hidden after 1000 copies of the EC key under other kids.
    const many = [];
    for (let i = 0; i < 1000; i++) many.push({ ...keys.ES256.jwk, kid: `filler-${i}` });
    return { keys: [...many, ...pub] };
  }
  if (sc.name === 'jwks-big') {
    // Few keys (under the key count limit) but 300 KB in all: over the size limit.
    const pad = 'p'.repeat(5000);
    const filler = [];
    for (let i = 0; i < 60; i++) filler.push({ ...keys.ES256.jwk, kid: `big-${i}`, x_pad: pad });
    return { keys: [...filler, ...pub] };
  }
  return { keys: pub };
}

function idToken(sc, issuer, clientId) {
  const now = Math.floor(Date.now() / 1000);
  let alg = sc.alg || 'RS256';
  if (sc.name === 'good-es256') alg = 'ES256';
  if (sc.name === 'good-eddsa') alg = 'EdDSA';
  const key = keys[alg] || keys.RS256;
  const header = { alg: key.alg, typ: 'JWT', kid: key.kid };
  const p = {
    iss: issuer, aud: clientId, iat: now, exp: now + 600, auth_time: now,
    acr: 'urn:fedjit:acr:mfa', amr: ['pwd', 'otp'], ...USER, ...(sc.claims || {}),
  };
  let signWith = key.privateKey;
  switch (sc.name) {
    case 'wrong-iss': p.iss = 'https://evil.example.test'; break;
    case 'wrong-aud': p.aud = 'someone-else'; break;
    case 'multi-aud-no-azp': p.aud = [clientId, 'someone-else']; break;
    case 'multi-aud-azp': p.aud = [clientId, 'someone-else']; p.azp = clientId; break;
    case 'azp-wrong': p.aud = [clientId, 'someone-else']; p.azp = 'someone-else'; break;
    case 'expired': p.iat = now - 7200; p.auth_time = now - 7200; p.exp = now - 3600; break;
    case 'nbf-future': p.nbf = now + 3600; break;
    case 'iat-future': p.iat = now + 3600; p.exp = now + 7200; break;
    case 'missing-sub': delete p.sub; break;
    case 'alg-none': header.alg = 'none'; break;
    case 'hs256-rsa-pem':
      // The classic key-confusion attack: HMAC keyed with the RSA public key's PEM.
      header.alg = 'HS256';
      header.kid = keys.RS256.kid;
      signWith = keys.RS256.publicKey.export({ type: 'spki', format: 'pem' });
      break;
    case 'unknown-kid': header.alg = 'RS256'; header.kid = unpublished.kid; signWith = unpublished.privateKey; break;
    case 'deep-claim': p.x_deep = JSON.parse('['.repeat(40) + ']'.repeat(40)); break;
    case 'many-claims': for (let i = 0; i < 300; i++) p[`x_claim_${i}`] = i; break;
    case 'many-groups': p.groups = Array.from({ length: 600 }, (_, i) => `g${i}`); break;
    case 'long-claim': p.name = 'N'.repeat(5000); break;
    case 'long-sub': p.sub = 's'.repeat(300); break;
    case 'long-group': p.groups = ['staff', 'g'.repeat(300)]; break;
    // Entra ID above 200 groups: no groups, a distributed-claim reference instead
    case 'groups-overage':
      delete p.groups;
      p._claim_names = { groups: 'src1' };
      p._claim_sources = { src1: { endpoint: `https://graph.windows.net/t/users/${p.sub}/getMemberObjects` } };
      break;
    default: break;
  }
  let jws = signJws(header, p, signWith);
  if (sc.name === 'bad-signature') {
    const [h, b, s] = jws.split('.');
    const sig = Buffer.from(s, 'base64url');
    sig[sig.length >> 1] ^= 0x5a;
    jws = `${h}.${b}.${b64u(sig)}`;
  }
  return jws;
}

// ---------------------------------------------------------------------------
async function readBody(req) {
  const chunks = [];
  let n = 0;
  for await (const c of req) {
    n += c.length;
    if (n > 256 * 1024) throw new Error('body too large');
    chunks.push(c);
  }
  return Buffer.concat(chunks).toString('utf8');
}
const parseBody = (req, raw) => {
  if (!raw) return {};
  if ((req.headers['content-type'] || '').startsWith('application/json')) return JSON.parse(raw);
  return { ...querystring.parse(raw) };
};
function clientIdOf(req, p) {
  const auth = req.headers.authorization || '';
  if (auth.startsWith('Basic ')) {
    const [id] = Buffer.from(auth.slice(6), 'base64').toString('utf8').split(':');
    return decodeURIComponent(id);
  }
  if (p.client_id) return p.client_id;
  if (p.client_assertion) {
    try { return JSON.parse(Buffer.from(p.client_assertion.split('.')[1], 'base64url')).iss; } catch { /* none */ }
  }
  return 'unknown-client';
}

async function testApi(req, res, path) {
  if (req.method === 'POST' && path === '/test/scenario') {
    const p = parseBody(req, await readBody(req));
    const sc = parseScenario(p.name || '');
    if (!sc) return send(res, 400, { error: `unknown scenario ${p.name}`, scenarios: allScenarios() });
    globalScenario = { ...p, ...sc };
    polls.clear();
    log(`test: scenario ${JSON.stringify(globalScenario)}`);
    return send(res, 200, { ok: true, scenario: globalScenario });
  }
  if (req.method === 'GET' && path === '/test/scenario') return send(res, 200, { scenario: globalScenario });
  if (req.method === 'GET' && path === '/test/scenarios') return send(res, 200, { scenarios: allScenarios() });
  if (req.method === 'GET' && path === '/test/stats') return send(res, 200, stats);
  if (req.method === 'POST' && path === '/test/stats/reset') {
    stats.requests = {};
    stats.plain_http_requests = 0;
    return send(res, 200, { ok: true });
  }
  return send(res, 404, { error: 'no such test route' });
}

async function handle(req, res) {
  const url = new URL(req.url, 'https://127.0.0.1');
  let path = url.pathname;
  const started = Date.now();
  res.on('finish', () => log(`${req.method} ${req.url} ${res.statusCode} ${Date.now() - started}ms`));
  if (path.startsWith('/test/')) return testApi(req, res, path);

  // Per-issuer scenario: /s/NAME/...
  let sc = globalScenario;
  let issuer = origin;
  const m = /^\/s\/([A-Za-z0-9_@-]+)(\/.*)?$/.exec(path);
  if (m) {
    sc = parseScenario(m[1]);
    if (!sc) return send(res, 404, { error: `unknown scenario ${m[1]}` });
    issuer = `${origin}/s/${m[1]}`;
    path = m[2] || '/';
  }
  if (path.startsWith('/moved/')) path = path.slice(6); // target of redirect-https
  stats.requests[`${req.method} ${m ? `/s/${m[1]}` : ''}${path}`] = (stats.requests[`${req.method} ${m ? `/s/${m[1]}` : ''}${path}`] || 0) + 1;

  const endpoint = {
    '/.well-known/openid-configuration': 'discovery', '/jwks': 'jwks', '/device/auth': 'device',
    '/token': 'token', '/me': 'userinfo',
  }[path];
  if (!endpoint) return send(res, 404, { error: 'not found' });
  const raw = req.method === 'POST' ? await readBody(req) : '';
  const p = parseBody(req, raw);
  const transport = TRANSPORT.has(sc.name) && (sc.endpoint === endpoint || sc.endpoint === 'all');
  const ctx = { issuer, rest: path };

  let good;
  switch (endpoint) {
    case 'discovery': good = discovery(sc, issuer); break;
    case 'jwks': good = jwks(sc); break;
    case 'device':
      if (sc.name === 'device-error') return send(res, 400, { error: 'invalid_client', error_description: 'client authentication failed (bad-idp)' });
      good = {
        device_code: crypto.randomBytes(24).toString('base64url'),
        user_code: 'BDDC-FGHJ',
        verification_uri: `${issuer}/device`,
        verification_uri_complete: `${issuer}/device?user_code=BDDC-FGHJ`,
        expires_in: 600,
        interval: Number(sc.interval) || 1,
      };
      // Every poll stays pending (see the token case), for the longest expires_in the
      // helper accepts (a day) or one far beyond it.
      if (sc.name === 'device-forever') good.expires_in = 86400;
      if (sc.name === 'device-expires-huge') good.expires_in = 1e9;
      if (sc.name === 'device-no-interval') delete good.interval;
      break;
    case 'userinfo':
      good = { ...USER, ...(sc.claims || {}) };
      if (sc.name === 'userinfo-sub-mismatch') good.sub = 'u-0666-mallory';
      break;
    case 'token': {
      if (sc.name in TOKEN_ERRORS) {
        return send(res, 400, { error: sc.name, error_description: TOKEN_ERRORS[sc.name] });
      }
      const n = (polls.get(p.device_code) || 0) + 1;
      polls.set(p.device_code, n);
      if (n === 1 && sc.name === 'pending-once') return send(res, 400, { error: 'authorization_pending' });
      if (n === 1 && sc.name === 'slow-down-once') return send(res, 400, { error: 'slow_down' });
      // Google's device flow: 428 for authorization_pending, 403 for slow_down
      if (n === 1 && sc.name === 'pending-428-once') return send(res, 428, { error: 'authorization_pending' });
      if (n === 1 && sc.name === 'slow-down-403-once') return send(res, 403, { error: 'slow_down' });
      if (sc.name === 'token-403-no-error') return send(res, 403, { message: 'forbidden' });
      if (sc.name === 'device-forever' || sc.name === 'device-expires-huge') return send(res, 400, { error: 'authorization_pending' });
      good = {
        access_token: crypto.randomBytes(24).toString('base64url'),
        token_type: 'Bearer',
        expires_in: 3600,
        scope: 'openid profile email groups',
      };
      if (sc.name === 'deep-json') good.x_deep = JSON.parse('['.repeat(40) + ']'.repeat(40));
      if (sc.name === 'id-token-garbage') good.id_token = 'this-is-not-a-jwt';
      else if (sc.name !== 'no-id-token') good.id_token = idToken(sc, issuer, clientIdOf(req, p));
      break;
    }
    default: break;
  }
  if (transport) return misbehave(sc, req, res, ctx, good);
  return send(res, 200, good);
}

// ---------------------------------------------------------------------------
const server = https.createServer({ key: fs.readFileSync(opts.key), cert: fs.readFileSync(opts.cert) }, (req, res) => {
  handle(req, res).catch((e) => {
    log(`error: ${e.stack || e}`);
    if (!res.headersSent) send(res, 500, { error: 'server_error' });
  });
});
// The plain-HTTP target of redirect-http: counts whoever follows the redirect.
const plain = http.createServer((req, res) => {
  stats.plain_http_requests++;
  log(`plain http: ${req.method} ${req.url} (a client followed a redirect to http)`);
  send(res, 200, { error: 'plaintext', error_description: 'you followed a redirect to http' });
});
const listen = (srv, port) => new Promise((resolve, reject) => {
  srv.once('error', reject);
  srv.listen(port, '127.0.0.1', () => resolve(srv.address().port));
});
const port = await listen(server, Number(opts.port) || 0);
const httpPort = await listen(plain, 0);
const origin = `https://127.0.0.1:${port}`;

if (opts['pid-file']) fs.writeFileSync(opts['pid-file'], `${process.pid}\n`);
if (opts['port-file']) {
  fs.writeFileSync(`${opts['port-file']}.tmp`, `${port}\n`);
  fs.renameSync(`${opts['port-file']}.tmp`, opts['port-file']);
}
log(`listening on ${origin} (plain http trap on ${httpPort}), scenario ${globalScenario.name}, lifetime ${lifetime}s`);
const bye = (why) => {
  log(`exiting: ${why}`);
  process.exit(0);
};
setTimeout(() => bye(`lifetime of ${lifetime}s over`), lifetime * 1000);
process.on('SIGTERM', () => bye('SIGTERM'));
process.on('SIGINT', () => bye('SIGINT'));
