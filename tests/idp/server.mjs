#!/usr/bin/env node
// SPDX-License-Identifier: Apache-2.0
//
// fedjit's test OpenID Connect provider: the `oidc-provider` npm package on
// 127.0.0.1 over HTTPS, device flow (RFC 8628) on, per-run signing keys
// (RS256, ES256, EdDSA), fixed test clients and users, its own login/consent
// pages for a real browser, and a test-only HTTP API under /test/ that
// approves or denies a device code without a browser, rotates keys, injects
// token errors and changes device-code timing at run time.
//
// NEVER use this for anything but tests: the /test/ API lets anyone on the
// machine sign in as anyone. README.md documents options, clients, users and
// the /test/ API.

import * as crypto from 'node:crypto';
import * as fs from 'node:fs';
import * as https from 'node:https';
import * as path from 'node:path';
import * as querystring from 'node:querystring';
import { fileURLToPath, pathToFileURL } from 'node:url';

const here = path.dirname(fileURLToPath(import.meta.url));

// ---------------------------------------------------------------------------
// Options: --name value on the command line. The timing options can also come
// from FEDJIT_IDP_NAME (upper case, dashes as underscores) in the environment;
// the command line wins. Only those: lib.sh exports FEDJIT_IDP_PORT and others
// for the running IdP, and a second IdP must not pick them up.
const ENV_OPTIONS = ['lifetime', 'device-expires-in', 'device-interval', 'enforce-interval', 'conform-id-token'];
const OPTIONS = {
  cert: 'server certificate (PEM)',
  key: 'server private key (PEM)',
  port: 'TCP port on 127.0.0.1 (0 or absent: a free one)',
  'port-file': 'write the port here once listening',
  'pid-file': 'write the pid here',
  'log-file': 'append the log here (default: stderr)',
  lifetime: 'exit after this many seconds (default 600)',
  'client-key': 'PEM key (private or public) or JWK/JWKS of the private_key_jwt client',
  'device-expires-in': 'expires_in of device codes, seconds (default 600)',
  'device-interval': 'interval in device authorization responses, seconds; 0 omits it (default 5)',
  'enforce-interval': '1: answer slow_down to polls faster than the interval (default 0)',
  users: 'JSON file of extra/overriding users (same shape as GET /test/users)',
  'conform-id-token': '1: profile/email/groups claims only from userinfo, not in the ID token',
};

function parseArgs(argv) {
  const opts = {};
  for (const name of ENV_OPTIONS) {
    const env = `FEDJIT_IDP_${name.toUpperCase().replaceAll('-', '_')}`;
    if (process.env[env] !== undefined && process.env[env] !== '') opts[name] = process.env[env];
  }
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === '--help' || a === '-h') {
      process.stdout.write('usage: server.mjs [--option value]...\n');
      for (const [n, d] of Object.entries(OPTIONS)) process.stdout.write(`  --${n.padEnd(20)} ${d}\n`);
      process.exit(0);
    }
    const m = /^--([a-z-]+)(?:=(.*))?$/.exec(a);
    if (!m || !(m[1] in OPTIONS)) {
      process.stderr.write(`server.mjs: unknown argument ${a} (see --help)\n`);
      process.exit(2);
    }
    opts[m[1]] = m[2] !== undefined ? m[2] : argv[++i];
    if (opts[m[1]] === undefined) {
      process.stderr.write(`server.mjs: --${m[1]} needs a value\n`);
      process.exit(2);
    }
  }
  return opts;
}

const opts = parseArgs(process.argv.slice(2));
for (const req of ['cert', 'key']) {
  if (!opts[req]) {
    process.stderr.write(`server.mjs: --${req} is required\n`);
    process.exit(2);
  }
}
const intOpt = (name, dflt) => {
  if (opts[name] === undefined) return dflt;
  const v = Number(opts[name]);
  if (!Number.isInteger(v) || v < 0) {
    process.stderr.write(`server.mjs: --${name} must be a non-negative integer\n`);
    process.exit(2);
  }
  return v;
};

// Mutable at run time through POST /test/config.
const settings = {
  deviceExpiresIn: intOpt('device-expires-in', 600) || 600,
  deviceInterval: intOpt('device-interval', 5),
  enforceInterval: intOpt('enforce-interval', 0) === 1,
  // refresh token rotation: 'default' (oidc-provider's: every use for public
  // clients, past 70% of the lifetime for the others), 'always', 'never'
  refreshRotation: 'default',
  // true: every request but /test/ answers 503 (the IdP is "down")
  down: false,
  // false: a refresh grant's answer leaves the ID token out (RFC 6749 §6 allows it;
  // Glewlwyd never sends one)
  refreshIdToken: true,
  // true: the UserInfo endpoint answers 503
  userinfoDown: false,
};
const lifetime = intOpt('lifetime', 600) || 600;

// ---------------------------------------------------------------------------
// Logging: one line per request and per test-API action. Device codes and
// tokens are never logged (fedjit's own tests grep logs for leaks).
const logFd = opts['log-file'] ? fs.openSync(opts['log-file'], 'a') : 2;
function log(msg) {
  fs.writeSync(logFd, `${new Date().toISOString()} idp[${process.pid}] ${msg}\n`);
}
// oidc-provider prints development warnings with console.*; keep them in our log.
console.log = (...a) => log(a.join(' '));
console.warn = (...a) => log(a.join(' '));
console.info = (...a) => log(a.join(' '));

// ---------------------------------------------------------------------------
// Signing keys, generated per run. `kid` = "<alg>-<generation>-<random>".
// Generated in the thread pool while oidc-provider loads (start-up time).
let keyGeneration = 1;
const SIGNING_ALGS = ['RS256', 'ES256', 'EdDSA'];
const KEY_TYPES = {
  RS256: ['rsa', { modulusLength: 2048 }],
  ES256: ['ec', { namedCurve: 'P-256' }],
  EdDSA: ['ed25519', {}],
};

function signingJwk(alg, privateKey) {
  const jwk = privateKey.export({ format: 'jwk' });
  jwk.kid = `${alg.toLowerCase()}-${keyGeneration}-${crypto.randomBytes(4).toString('hex')}`;
  jwk.alg = alg;
  jwk.use = 'sig';
  return jwk;
}
function generateSigningKey(alg) {
  return signingJwk(alg, crypto.generateKeyPairSync(...KEY_TYPES[alg]).privateKey);
}
const generateSigningKeyAsync = (alg) => new Promise((resolve, reject) => {
  crypto.generateKeyPair(...KEY_TYPES[alg], (err, pub, priv) => (err ? reject(err) : resolve(signingJwk(alg, priv))));
});

function publicJwk(jwk) {
  const { d, p, q, dp, dq, qi, ...pub } = jwk;
  return pub;
}

const initialKeysPromise = Promise.all(SIGNING_ALGS.map(generateSigningKeyAsync));

// ---------------------------------------------------------------------------
// oidc-provider comes from tests/idp/node_modules, or from the directory named
// by FEDJIT_IDP_NODE_MODULES (a build from a tarball has no node_modules of
// its own). ESM ignores NODE_PATH, so the module is imported by file URL.
const nodeModules = process.env.FEDJIT_IDP_NODE_MODULES || path.join(here, 'node_modules');
const opDir = path.join(nodeModules, 'oidc-provider');
if (!fs.existsSync(path.join(opDir, 'package.json'))) {
  process.stderr.write(`server.mjs: ${opDir} missing: run "npm ci" in tests/idp or set FEDJIT_IDP_NODE_MODULES\n`);
  process.exit(3);
}
const { default: Provider } = await import(pathToFileURL(path.join(opDir, 'lib/index.js')).href);
// Key rotation swaps the provider's key store in place. oidc-provider has no
// public API for that; its internal state accessor is reached through the
// version pinned in package-lock.json.
const { default: instance } = await import(pathToFileURL(path.join(opDir, 'lib/helpers/weak_cache.js')).href);
const initialKeys = await initialKeysPromise;

// ---------------------------------------------------------------------------
// Users. `sub` is the account id inside oidc-provider; the login name is what
// the login form and the test API take. mallory claims alice's
// preferred_username with a different sub (ARCHITECTURE.md invariant 3).
const users = new Map();
function addUser(login, u) {
  const prev = users.get(login) || {};
  const merged = { ...prev, ...u, claims: { ...(prev.claims || {}), ...(u.claims || {}) } };
  if (!merged.sub) merged.sub = `u-${crypto.randomBytes(4).toString('hex')}-${login}`;
  if (!merged.password) merged.password = `${login}-password`;
  if (!merged.acr) merged.acr = 'urn:fedjit:acr:pwd';
  if (!merged.amr) merged.amr = ['pwd'];
  users.set(login, merged);
  return merged;
}
addUser('alice', {
  sub: 'u-0001-alice',
  acr: 'urn:fedjit:acr:mfa',
  amr: ['pwd', 'otp'],
  claims: {
    preferred_username: 'alice', name: 'Alice Liddell', given_name: 'Alice', family_name: 'Liddell',
    email: 'alice@example.test', email_verified: true, groups: ['staff', 'admins'],
  },
});
addUser('bob', {
  sub: 'u-0002-bob',
  claims: {
    preferred_username: 'bob', name: 'Bob Builder', given_name: 'Bob', family_name: 'Builder',
    email: 'bob@example.test', email_verified: true, groups: ['staff'],
  },
});
addUser('carol', {
  sub: 'u-0003-carol',
  claims: {
    preferred_username: 'carol', name: 'Carol Danvers', given_name: 'Carol', family_name: 'Danvers',
    email: 'carol@example.test', email_verified: false, groups: ['contractors'],
  },
});
addUser('mallory', {
  sub: 'u-0666-mallory',
  claims: {
    preferred_username: 'alice', name: 'Mallory Impostor', given_name: 'Mallory', family_name: 'Impostor',
    email: 'mallory@example.test', email_verified: true, groups: ['staff'],
  },
});
// Hostile or odd claims for the provisioning tests: a claim of "root", field
// separators and a newline in the name, group names no policy accepts, and a
// user without preferred_username or email.
addUser('eve', {
  sub: 'u-0005-eve',
  claims: {
    preferred_username: 'root', name: 'Eve Root', email: 'eve@example.test', email_verified: true, groups: ['staff'],
  },
});
addUser('trudy', {
  sub: 'u-0006-trudy',
  claims: {
    preferred_username: 'trudy', name: 'Trudy:x:0:0:root:/root:/bin/sh\nroot::0:0::/:/bin/sh',
    email: 'trudy@example.test', email_verified: true, groups: ['staff', 'bad group', '../../etc', 'sudo', 'wheel:x:0:'],
  },
});
addUser('frank', {
  sub: 'u-0007-frank',
  claims: { name: 'Frank Nopref', groups: [] },
});
if (opts.users) {
  for (const [login, u] of Object.entries(JSON.parse(fs.readFileSync(opts.users, 'utf8')))) addUser(login, u);
}
const userBySub = (sub) => [...users.values()].find((u) => u.sub === sub);
const loginBySub = (sub) => [...users.entries()].find(([, u]) => u.sub === sub)?.[0];

// Grants per account id (sub), so that the test API can revoke what a user was
// given; and the refresh tokens issued per login (their values, for tests that
// look for a leaked token). Tokens are opaque: the value is the token's jti.
const grantsBySub = new Map();
const refreshTokensBySub = new Map();
function rememberGrant(sub, grantId) {
  if (!grantsBySub.has(sub)) grantsBySub.set(sub, new Set());
  grantsBySub.get(sub).add(grantId);
}

// ---------------------------------------------------------------------------
// Clients. All allowed the device_code grant and scopes openid profile email groups.
function loadClientJwk(file) {
  const text = fs.readFileSync(file, 'utf8');
  let pub;
  if (text.trimStart().startsWith('{')) {
    const j = JSON.parse(text);
    const k = j.keys ? j.keys[0] : j;
    pub = crypto.createPublicKey({ key: k, format: 'jwk' }).export({ format: 'jwk' });
    if (k.kid) pub.kid = k.kid;
  } else {
    pub = crypto.createPublicKey(text).export({ format: 'jwk' });
  }
  if (!pub.kid) pub.kid = 'fedjit-jwt-1';
  return pub;
}
const DEVICE_GRANT = 'urn:ietf:params:oauth:grant-type:device_code';
const SCOPE = 'openid profile email groups';
const client = (id, extra) => ({
  client_id: id,
  client_name: `fedjit test client ${id}`,
  grant_types: [DEVICE_GRANT, 'refresh_token'],
  response_types: [],
  redirect_uris: [],
  scope: `${SCOPE} offline_access`,
  token_endpoint_auth_method: 'none',
  id_token_signed_response_alg: 'RS256',
  ...extra,
});
const clients = [
  client('fedjit-public'),
  client('fedjit-public-es256', { id_token_signed_response_alg: 'ES256' }),
  client('fedjit-public-eddsa', { id_token_signed_response_alg: 'EdDSA' }),
  client('fedjit-basic', { token_endpoint_auth_method: 'client_secret_basic', client_secret: 'fedjit-basic-secret' }),
  client('fedjit-post', {
    token_endpoint_auth_method: 'client_secret_post', client_secret: 'fedjit-post-secret', id_token_signed_response_alg: 'ES256',
  }),
];
if (opts['client-key']) {
  clients.push(client('fedjit-jwt', {
    token_endpoint_auth_method: 'private_key_jwt',
    id_token_signed_response_alg: 'EdDSA',
    jwks: { keys: [loadClientJwk(opts['client-key'])] },
  }));
}

// ---------------------------------------------------------------------------
// HTML pages (no external resources: the e2e browser has no internet).
const esc = (s) => String(s).replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
function page(title, body) {
  return `<!DOCTYPE html>
<html><head><meta charset="utf-8"><title>${esc(title)}</title>
<meta name="viewport" content="width=device-width, initial-scale=1">
<style>body{font-family:sans-serif;max-width:28em;margin:2em auto}input,button{font-size:1.1em;margin:.3em 0;display:block;width:100%}p.error{color:#b00}</style>
</head><body><h1>${esc(title)}</h1>
${body}
</body></html>`;
}

// ---------------------------------------------------------------------------
// Provider.
let provider;
const pendingCodes = []; // { userCode, clientId, created } newest last (for "latest")
const stats = {
  requests: {}, token_errors: {}, interval_violations: 0, approvals: 0, denials: 0, refresh_grants: 0, revocations: 0,
};
const injectedTokenErrors = []; // { error, error_description, status }
const pollState = new Map(); // sha256(device_code) -> { last, interval }

function buildConfiguration() {
  return {
    clients,
    jwks: { keys: initialKeys },
    cookies: { keys: [crypto.randomBytes(32).toString('hex')] },
    claims: {
      // acr, amr and auth_time ride on the openid scope, so every ID token
      // carries them (the helper checks acr when a service requires it).
      sid: null, iss: null,
      openid: ['sub', 'acr', 'amr', 'auth_time'],
      profile: ['name', 'given_name', 'family_name', 'preferred_username'],
      email: ['email', 'email_verified'],
      groups: ['groups'],
    },
    scopes: ['openid', 'offline_access', 'profile', 'email', 'groups'],
    acrValues: ['urn:fedjit:acr:pwd', 'urn:fedjit:acr:mfa'],
    conformIdTokenClaims: opts['conform-id-token'] === '1',
    features: {
      devInteractions: { enabled: false },
      deviceFlow: {
        enabled: true,
        charset: 'base-20',
        mask: '****-****',
        userCodeInputSource(ctx, form, out, err) {
          let msg = '<p id="message">Enter the code displayed on your device</p>';
          if (err && (err.userCode || err.name === 'NoCodeError')) msg = '<p class="error" id="message">The code you entered is incorrect. Try again</p>';
          else if (err && err.name === 'AbortedError') msg = '<p class="error" id="message">The sign-in request was interrupted</p>';
          else if (err) msg = `<p class="error" id="message">There was an error processing your request (${esc(err.name || err.message)})</p>`;
          ctx.body = page('Device sign-in', `${msg}${form}<button id="continue" type="submit" form="op.deviceInputForm">Continue</button>`);
        },
        userCodeConfirmSource(ctx, form, client, deviceInfo, userCode) {
          ctx.body = page('Confirm device', `<p><strong>${esc(client.clientName || client.clientId)}</strong> asks to sign in.</p>
<p>The device should show the code <code id="user-code">${esc(userCode)}</code>.</p>${form}
<button id="confirm" type="submit" form="op.deviceConfirmForm">Continue</button>
<button id="abort" type="submit" form="op.deviceConfirmForm" value="yes" name="abort">Abort</button>`);
        },
        successSource(ctx) {
          ctx.body = page('Sign-in success', '<p id="result">Your sign-in was successful, you can now close this page.</p>');
        },
      },
      userinfo: { enabled: true },
      revocation: { enabled: true },
      introspection: { enabled: false },
      rpInitiatedLogout: { enabled: false },
    },
    async findAccount(ctx, sub) {
      const u = userBySub(sub);
      // a disabled user is gone as far as every grant is concerned: a refresh
      // answers invalid_grant ("referenced account not found")
      if (!u || u.disabled) return undefined;
      return {
        accountId: u.sub,
        async claims() { return { sub: u.sub, ...u.claims }; },
      };
    },
    ttl: {
      AccessToken: 3600,
      IdToken: 3600,
      RefreshToken: 86400,
      Grant: 86400,
      Interaction: 3600,
      Session: 86400,
      DeviceCode: () => settings.deviceExpiresIn,
    },
    // Refresh tokens only when offline_access is asked for.
    issueRefreshToken: (ctx, c, code) => c.grantTypeAllowed('refresh_token') && code.scopes.has('offline_access'),
    rotateRefreshToken(ctx) {
      if (settings.refreshRotation === 'always') return true;
      if (settings.refreshRotation === 'never') return false;
      const { RefreshToken: rt, Client: c } = ctx.oidc.entities;
      if (c.clientAuthMethod === 'none' && !rt.isSenderConstrained()) return true;
      return rt.ttlPercentagePassed() >= 70;
    },
    renderError(ctx, out, error) {
      ctx.type = 'html';
      ctx.body = page('Error', `<p class="error" id="error">${esc(out.error)}: ${esc(out.error_description || '')}</p>`);
    },
  };
}

// ---------------------------------------------------------------------------
// Request helpers for our own routes.
async function readBody(req, limit = 64 * 1024) {
  const chunks = [];
  let n = 0;
  for await (const c of req) {
    n += c.length;
    if (n > limit) throw new Error('body too large');
    chunks.push(c);
  }
  return Buffer.concat(chunks);
}
async function readParams(ctx) {
  const raw = (await readBody(ctx.req)).toString('utf8');
  if (!raw) return {};
  if (ctx.is('application/json')) return JSON.parse(raw);
  return { ...querystring.parse(raw) };
}
function json(ctx, status, body) {
  ctx.status = status;
  ctx.type = 'application/json';
  ctx.set('Cache-Control', 'no-store');
  ctx.body = body;
}
const normalizeUserCode = (c) => String(c).toUpperCase().replace(/\W/g, '');
const sha256 = (s) => crypto.createHash('sha256').update(s).digest('hex');

// ---------------------------------------------------------------------------
// Test API: approval/denial without a browser. It does what the device flow's
// browser path does after login and consent (see oidc-provider's
// actions/authorization/device.js): a Grant for (account, client) with the
// requested scopes, and the DeviceCode marked with accountId, grantId, acr,
// amr and authTime. The client's next poll then gets normal tokens from the
// normal token endpoint. A denial stores error=access_denied on the code,
// exactly like "Abort" on the confirm page.
async function findPending(userCode, clientId) {
  if (userCode === 'latest') {
    for (let i = pendingCodes.length - 1; i >= 0; i--) {
      const p = pendingCodes[i];
      if (clientId && p.clientId !== clientId) continue;
      const code = await provider.DeviceCode.findByUserCode(p.userCode, { ignoreExpiration: true });
      if (code && !code.isExpired && !code.error && !code.accountId && !code.consumed) return [code, p.userCode];
    }
    return [undefined, userCode];
  }
  const uc = normalizeUserCode(userCode);
  return [await provider.DeviceCode.findByUserCode(uc, { ignoreExpiration: true }), uc];
}

async function testDecide(ctx, approve) {
  const p = await readParams(ctx);
  if (!p.user_code) return json(ctx, 400, { error: 'user_code missing' });
  const [code, uc] = await findPending(p.user_code, p.client_id);
  if (!code) return json(ctx, 404, { error: 'no such user code' });
  if (code.isExpired) return json(ctx, 410, { error: 'user code expired' });
  if (code.error || code.accountId || code.consumed) return json(ctx, 409, { error: 'user code already used' });

  if (!approve) {
    Object.assign(code, {
      error: p.error || 'access_denied',
      errorDescription: p.error_description || 'End-User aborted interaction',
    });
    await code.save();
    stats.denials++;
    log(`test: denied user code ${uc} of ${code.clientId}`);
    return json(ctx, 200, { ok: true, user_code: uc, client_id: code.clientId, error: code.error });
  }

  const user = users.get(p.account || p.user);
  if (!user) return json(ctx, 400, { error: `unknown account ${p.account || p.user}` });
  if (user.disabled) return json(ctx, 403, { error: `account ${p.account || p.user} is disabled` });
  const supported = new Set(['openid', 'offline_access', 'profile', 'email', 'groups']);
  const requested = String(code.params.scope || 'openid').split(' ').filter((s) => supported.has(s));
  const grant = new provider.Grant({ accountId: user.sub, clientId: code.clientId });
  grant.addOIDCScope(requested.join(' '));
  let claims;
  if (code.params.claims) {
    claims = JSON.parse(code.params.claims);
    grant.addOIDCClaims([...Object.keys(claims.id_token || {}), ...Object.keys(claims.userinfo || {})]);
  }
  const grantId = await grant.save();
  rememberGrant(user.sub, grantId);
  let amr = p.amr || user.amr;
  if (typeof amr === 'string') amr = amr.split(/[ ,]+/);
  Object.assign(code, {
    accountId: user.sub,
    acr: p.acr || user.acr,
    amr,
    authTime: Math.floor(Date.now() / 1000),
    grantId,
    scope: requested.join(' '),
    claims,
  });
  await code.save();
  stats.approvals++;
  log(`test: approved user code ${uc} of ${code.clientId} as ${p.account || p.user} (${user.sub})`);
  return json(ctx, 200, { ok: true, user_code: uc, client_id: code.clientId, account: p.account || p.user, sub: user.sub });
}

function rotateKeys(algs) {
  const ks = instance(provider).keystore;
  const old = [...ks];
  keyGeneration++;
  const fresh = algs.map(generateSigningKey);
  // Selection takes the first matching key: new keys first, old ones stay
  // published so tokens signed before the rotation still verify.
  ks.clear();
  for (const k of [...fresh, ...old]) ks.add(k);
  instance(provider).jwksResponse = { keys: [...ks].map(publicJwk) };
  return Object.fromEntries(fresh.map((k) => [k.alg, k.kid]));
}

function currentKids() {
  const kids = {};
  for (const k of instance(provider).keystore) if (!(k.alg in kids)) kids[k.alg] = k.kid;
  return kids;
}

async function testApi(ctx) {
  const route = `${ctx.method} ${ctx.path}`;
  switch (route) {
    case 'POST /test/approve': return testDecide(ctx, true);
    case 'POST /test/deny': return testDecide(ctx, false);
    case 'POST /test/rotate': {
      const p = await readParams(ctx);
      const algs = p.alg ? String(p.alg).split(/[ ,]+/) : SIGNING_ALGS;
      if (!algs.every((a) => SIGNING_ALGS.includes(a))) return json(ctx, 400, { error: `alg must be among ${SIGNING_ALGS}` });
      const kids = rotateKeys(algs);
      log(`test: rotated keys, new kids ${JSON.stringify(kids)}`);
      return json(ctx, 200, { ok: true, kids });
    }
    case 'GET /test/kids': return json(ctx, 200, { kids: currentKids() });
    case 'POST /test/token-error': {
      const p = await readParams(ctx);
      const count = p.count === undefined ? 1 : Number(p.count);
      for (let i = 0; i < count; i++) {
        injectedTokenErrors.push({
          error: p.error || 'slow_down', error_description: p.error_description, status: Number(p.status) || 400,
        });
      }
      log(`test: next ${count} device_code token request(s) answer ${p.error || 'slow_down'}`);
      return json(ctx, 200, { ok: true, queued: injectedTokenErrors.length });
    }
    case 'POST /test/config': {
      const p = await readParams(ctx);
      if (p.device_expires_in !== undefined) settings.deviceExpiresIn = Number(p.device_expires_in);
      if (p.device_interval !== undefined) settings.deviceInterval = Number(p.device_interval);
      if (p.enforce_interval !== undefined) settings.enforceInterval = [true, 1, '1', 'true'].includes(p.enforce_interval);
      if (p.refresh_rotation !== undefined) {
        if (!['default', 'always', 'never'].includes(p.refresh_rotation)) return json(ctx, 400, { error: 'refresh_rotation: default, always or never' });
        settings.refreshRotation = p.refresh_rotation;
      }
      if (p.down !== undefined) settings.down = [true, 1, '1', 'true'].includes(p.down);
      if (p.refresh_id_token !== undefined) settings.refreshIdToken = [true, 1, '1', 'true'].includes(p.refresh_id_token);
      if (p.userinfo_down !== undefined) settings.userinfoDown = [true, 1, '1', 'true'].includes(p.userinfo_down);
      log(`test: config ${JSON.stringify(settings)}`);
      return json(ctx, 200, { ok: true, settings });
    }
    case 'GET /test/config': return json(ctx, 200, { settings });
    case 'POST /test/user': {
      const p = await readParams(ctx);
      const login = p.account || p.login;
      if (!login || !/^[A-Za-z0-9._@\\/-]+$/.test(login)) return json(ctx, 400, { error: 'account missing or invalid' });
      const { account, login: _l, ...rest } = p;
      const u = addUser(login, rest);
      log(`test: user ${login} set (${u.sub})`);
      return json(ctx, 200, { ok: true, account: login, user: u });
    }
    case 'GET /test/users': return json(ctx, 200, Object.fromEntries(users));
    case 'POST /test/revoke': {
      // What an administrator's "revoke sessions / consents" does at a real IdP:
      // every grant of the user (optionally of one client) and the tokens issued
      // under it are gone; the next refresh answers invalid_grant.
      const p = await readParams(ctx);
      const user = users.get(p.account);
      if (!user) return json(ctx, 400, { error: `unknown account ${p.account}` });
      let revoked = 0;
      for (const grantId of grantsBySub.get(user.sub) || []) {
        const grant = await provider.Grant.find(grantId, { ignoreExpiration: true });
        if (grant && p.client_id && grant.clientId !== p.client_id) continue;
        await Promise.all(['RefreshToken', 'AccessToken', 'AuthorizationCode', 'DeviceCode']
          .map((m) => provider[m].adapter.revokeByGrantId(grantId)));
        if (grant) await grant.destroy();
        grantsBySub.get(user.sub).delete(grantId);
        revoked++;
      }
      stats.revocations += revoked;
      log(`test: revoked ${revoked} grant(s) of ${p.account}`);
      return json(ctx, 200, { ok: true, account: p.account, revoked });
    }
    case 'GET /test/refresh-tokens': {
      const out = {};
      for (const [sub, values] of refreshTokensBySub) out[loginBySub(sub) || sub] = [...values];
      return json(ctx, 200, out);
    }
    case 'GET /test/pending': {
      const out = [];
      for (const p of pendingCodes) {
        const code = await provider.DeviceCode.findByUserCode(p.userCode, { ignoreExpiration: true });
        if (code && !code.isExpired && !code.error && !code.accountId && !code.consumed) {
          out.push({
            user_code: p.userCode, client_id: p.clientId, scope: code.params.scope, created: p.created, in_flight: !!code.inFlight,
          });
        }
      }
      return json(ctx, 200, { pending: out });
    }
    case 'GET /test/stats': return json(ctx, 200, stats);
    case 'POST /test/stats/reset':
      stats.requests = {}; stats.token_errors = {}; stats.interval_violations = 0;
      stats.approvals = 0; stats.denials = 0; stats.refresh_grants = 0; stats.revocations = 0;
      return json(ctx, 200, { ok: true });
    default: return json(ctx, 404, { error: `no test API route ${route}` });
  }
}

// ---------------------------------------------------------------------------
// Our login and consent pages (devInteractions is off). Form fields:
// login page: input[name=login], input[name=password], button#signin;
// consent page: button#allow (form .../confirm), button#deny (form .../abort).
async function interactions(ctx) {
  const m = /^\/interaction\/([A-Za-z0-9_-]+)(?:\/(login|confirm|abort))?$/.exec(ctx.path);
  if (!m) return false;
  const [, uid, action] = m;
  ctx.set('Cache-Control', 'no-store');
  let details;
  try {
    details = await provider.interactionDetails(ctx.req, ctx.res);
  } catch (e) {
    ctx.status = 400;
    ctx.type = 'html';
    ctx.body = page('Error', `<p class="error" id="error">${esc(e.message)}</p>`);
    return true;
  }
  const { prompt, params } = details;
  const loginForm = (msg) => page('Sign in', `${msg ? `<p class="error" id="message">${esc(msg)}</p>` : ''}
<form method="post" action="/interaction/${esc(uid)}/login" autocomplete="off">
<input required type="text" name="login" placeholder="user name" autofocus>
<input required type="password" name="password" placeholder="password">
<button id="signin" type="submit">Sign in</button></form>`);

  if (ctx.method === 'GET' && !action) {
    ctx.type = 'html';
    if (prompt.name === 'login') {
      ctx.body = loginForm();
    } else if (prompt.name === 'consent') {
      const c = await provider.Client.find(params.client_id);
      const scopes = (details.prompt.details.missingOIDCScope || []).filter((s) => s !== 'openid');
      ctx.body = page('Authorize', `<p><strong>${esc(c ? c.clientName || c.clientId : params.client_id)}</strong> asks for: <span id="scopes">${esc(scopes.join(' ') || 'sign-in')}</span></p>
<form method="post" action="/interaction/${esc(uid)}/confirm"><button id="allow" type="submit">Allow</button></form>
<form method="post" action="/interaction/${esc(uid)}/abort"><button id="deny" type="submit">Deny</button></form>`);
    } else {
      ctx.status = 501;
      ctx.body = page('Error', `<p class="error">prompt ${esc(prompt.name)} not implemented</p>`);
    }
    return true;
  }
  if (ctx.method !== 'POST' || !action) {
    ctx.status = 405;
    return true;
  }
  const form = await readParams(ctx);
  if (action === 'login') {
    const u = users.get(form.login);
    const ok = u && typeof form.password === 'string'
      && crypto.timingSafeEqual(Buffer.from(sha256(form.password)), Buffer.from(sha256(u.password)));
    if (prompt.name !== 'login' || !ok || u.disabled) {
      log(`login: failed for ${JSON.stringify(String(form.login || ''))}`);
      ctx.type = 'html';
      ctx.body = loginForm('Invalid user name or password');
      return true;
    }
    log(`login: ${form.login} (${u.sub})`);
    await provider.interactionFinished(ctx.req, ctx.res, {
      login: { accountId: u.sub, acr: u.acr, amr: u.amr },
    }, { mergeWithLastSubmission: false });
    ctx.respond = false;
    return true;
  }
  if (action === 'confirm') {
    if (prompt.name !== 'consent') {
      ctx.status = 400;
      return true;
    }
    const { session, grantId } = details;
    const grant = grantId ? await provider.Grant.find(grantId)
      : new provider.Grant({ accountId: session.accountId, clientId: params.client_id });
    const d = prompt.details;
    if (d.missingOIDCScope) grant.addOIDCScope(d.missingOIDCScope.join(' '));
    if (d.missingOIDCClaims) grant.addOIDCClaims(d.missingOIDCClaims);
    if (d.missingResourceScopes) {
      for (const [ind, sc] of Object.entries(d.missingResourceScopes)) grant.addResourceScope(ind, sc.join(' '));
    }
    const savedGrantId = await grant.save();
    rememberGrant(session.accountId, savedGrantId);
    await provider.interactionFinished(ctx.req, ctx.res, { consent: { grantId: savedGrantId } }, { mergeWithLastSubmission: true });
    ctx.respond = false;
    return true;
  }
  // abort
  await provider.interactionFinished(ctx.req, ctx.res, {
    error: 'access_denied', error_description: 'End-User aborted interaction',
  }, { mergeWithLastSubmission: false });
  ctx.respond = false;
  return true;
}

// ---------------------------------------------------------------------------
// Token endpoint hooks: injected errors (slow_down once, ...), optional
// interval enforcement, counters. The body is read here and handed on
// through req.body, which oidc-provider accepts from upstream parsers.
async function tokenHook(ctx) {
  const raw = await readBody(ctx.req);
  ctx.req.body = raw;
  const p = querystring.parse(raw.toString('utf8'));
  if (p.grant_type === 'refresh_token') stats.refresh_grants++;
  if (p.grant_type !== DEVICE_GRANT) return false;
  const reply = (error, status = 400, description) => {
    stats.token_errors[error] = (stats.token_errors[error] || 0) + 1;
    json(ctx, status, description ? { error, error_description: description } : { error });
    return true;
  };
  if (settings.enforceInterval && typeof p.device_code === 'string') {
    const key = sha256(p.device_code);
    const st = pollState.get(key) || { last: 0, interval: settings.deviceInterval || 5 };
    const now = Date.now();
    const early = st.last && now - st.last < st.interval * 1000 - 250;
    st.last = now;
    if (early) {
      st.interval += 5;
      pollState.set(key, st);
      stats.interval_violations++;
      return reply('slow_down');
    }
    pollState.set(key, st);
  }
  const inj = injectedTokenErrors.shift();
  if (inj) {
    if (inj.error === 'slow_down' && settings.enforceInterval && typeof p.device_code === 'string') {
      pollState.get(sha256(p.device_code)).interval += 5;
    }
    return reply(inj.error, inj.status, inj.error_description);
  }
  return false;
}

// ---------------------------------------------------------------------------
// HTTPS server on 127.0.0.1. The port must be known before the provider is
// built (it is part of the issuer), so the server listens first.
let handler = (req, res) => { res.statusCode = 503; res.end(); };
const server = https.createServer({
  key: fs.readFileSync(opts.key),
  cert: fs.readFileSync(opts.cert),
}, (req, res) => handler(req, res));

await new Promise((resolve, reject) => {
  server.once('error', reject);
  server.listen(intOpt('port', 0), '127.0.0.1', resolve);
});
const { port } = server.address();
const issuer = `https://127.0.0.1:${port}`;

provider = new Provider(issuer, buildConfiguration());
provider.on('server_error', (ctx, err) => log(`server_error: ${err.stack || err}`));
provider.on('refresh_token.saved', (token) => {
  if (!refreshTokensBySub.has(token.accountId)) refreshTokensBySub.set(token.accountId, new Set());
  refreshTokensBySub.get(token.accountId).add(token.jti);
});
provider.on('grant.error', (ctx, err) => log(`grant.error: ${err.name}: ${err.message}${err.error_description ? ` (${err.error_description})` : ''}`));

provider.use(async (ctx, next) => {
  const started = Date.now();
  const key = `${ctx.method} ${ctx.path.replace(/^\/(interaction|device)\/[A-Za-z0-9_-]{10,}/, '/$1/:uid')}`;
  try {
    if (ctx.path.startsWith('/test/')) {
      await testApi(ctx);
    } else if (settings.down || (settings.userinfoDown && ctx.path === '/me')) {
      json(ctx, 503, { error: 'temporarily_unavailable', error_description: 'the test IdP is down' });
    } else if (ctx.path.startsWith('/interaction/')) {
      await interactions(ctx);
    } else if (ctx.method === 'POST' && ctx.path === '/token' && await tokenHook(ctx)) {
      // answered by the hook
    } else {
      await next();
      if (ctx.method === 'POST' && ctx.path === '/device/auth' && ctx.status === 200 && ctx.body?.user_code) {
        if (settings.deviceInterval > 0) ctx.body.interval = settings.deviceInterval;
        pendingCodes.push({
          userCode: normalizeUserCode(ctx.body.user_code), clientId: ctx.oidc?.client?.clientId, created: Date.now(),
        });
        if (pendingCodes.length > 500) pendingCodes.shift();
      }
      if (!settings.refreshIdToken && ctx.method === 'POST' && ctx.path === '/token' && ctx.status === 200 &&
          ctx.body?.id_token && querystring.parse(ctx.req.body?.toString('utf8') || '').grant_type === 'refresh_token') {
        delete ctx.body.id_token;
      }
      if (ctx.method === 'POST' && ctx.path === '/token' && ctx.status >= 400 && ctx.body?.error) {
        stats.token_errors[ctx.body.error] = (stats.token_errors[ctx.body.error] || 0) + 1;
      }
    }
  } catch (e) {
    log(`error in ${key}: ${e.stack || e}`);
    if (!ctx.headerSent) json(ctx, 500, { error: 'server_error', error_description: e.message });
  }
  if (!key.startsWith('GET /test/') && !key.startsWith('POST /test/')) stats.requests[key] = (stats.requests[key] || 0) + 1;
  const err = ctx.body && typeof ctx.body === 'object' && ctx.body.error ? ` ${ctx.body.error}` : '';
  log(`${key} ${ctx.respond === false ? ctx.res.statusCode : ctx.status}${err} ${Date.now() - started}ms`);
});

handler = provider.callback();

if (opts['pid-file']) fs.writeFileSync(opts['pid-file'], `${process.pid}\n`);
if (opts['port-file']) {
  // Written atomically: a waiting script never reads half a number.
  fs.writeFileSync(`${opts['port-file']}.tmp`, `${port}\n`);
  fs.renameSync(`${opts['port-file']}.tmp`, opts['port-file']);
}
log(`listening on ${issuer} (lifetime ${lifetime}s, device expires_in ${settings.deviceExpiresIn}s, interval ${settings.deviceInterval}s, clients ${clients.map((c) => c.client_id).join(' ')})`);

const bye = (why) => {
  log(`exiting: ${why}`);
  server.close();
  process.exit(0);
};
setTimeout(() => bye(`lifetime of ${lifetime}s over`), lifetime * 1000);
process.on('SIGTERM', () => bye('SIGTERM'));
process.on('SIGINT', () => bye('SIGINT'));
