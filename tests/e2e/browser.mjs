// SPDX-License-Identifier: Apache-2.0
//
// browser.mjs --url VERIFICATION_URI --code USER_CODE --user LOGIN --password PW
//             [--ca CA_FILE] [--shot PNG] [--deny] [--pages test|glewlwyd]
//
// Approves a device code the way a person does: headless Chromium (Debian's
// /usr/bin/chromium, driven by playwright-core) opens the IdP's verification
// page, types the user code, confirms it, logs in and consents (or, with
// --deny, aborts at the confirm page). Prints one line per page reached
// ("browser: success" at the end); exit 0 done, 1 failed, 2 usage.
//
// --pages says whose pages these are: "test" (tests/idp, the default) or
// "glewlwyd" (Glewlwyd's own web application, tests/glewlwyd: code page,
// login, the grant page with one box per scope, Continue, "Authorization
// complete"; it has no way to refuse a code, so no --deny).
//
// TLS: the IdP's certificate comes from a per-run test CA that Chromium does
// not know. Rather than turning verification off, this script checks the
// server's certificate against CA_FILE itself (node's TLS, like any client)
// and tells Chromium to accept exactly that public key
// (--ignore-certificate-errors-spki-list).
import { createHash, X509Certificate } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import tls from 'node:tls';
import { parseArgs } from 'node:util';
import { chromium } from 'playwright-core';

const { values: opt } = parseArgs({
  options: {
    url: { type: 'string' },
    code: { type: 'string' },
    user: { type: 'string' },
    password: { type: 'string' },
    ca: { type: 'string', default: process.env.FEDJIT_IDP_CA },
    shot: { type: 'string' },
    deny: { type: 'boolean', default: false },
    pages: { type: 'string', default: 'test' },
    chromium: { type: 'string', default: process.env.E2E_CHROMIUM || '/usr/bin/chromium' },
  },
});
if (!opt.url || !opt.code || (!opt.deny && (!opt.user || !opt.password)) || !opt.ca ||
    !['test', 'glewlwyd'].includes(opt.pages) || (opt.deny && opt.pages !== 'test')) {
  console.error('usage: browser.mjs --url URL --code CODE --user LOGIN --password PW [--ca CA] [--shot PNG] [--deny] [--pages test|glewlwyd]');
  process.exit(2);
}

// The SHA-256 of the server's SubjectPublicKeyInfo, after verifying its
// certificate chain against the CA file.
function verifiedSpki(url, caFile) {
  const u = new URL(url);
  return new Promise((resolve, reject) => {
    const s = tls.connect({
      host: u.hostname, port: Number(u.port || 443), ca: readFileSync(caFile),
      servername: u.hostname === '127.0.0.1' ? undefined : u.hostname,
      checkServerIdentity: (host, cert) => tls.checkServerIdentity(u.hostname, cert),
    }, () => {
      const der = new X509Certificate(s.getPeerCertificate().raw).publicKey
        .export({ type: 'spki', format: 'der' });
      s.end();
      resolve(createHash('sha256').update(der).digest('base64'));
    });
    s.on('error', reject);
    s.setTimeout(10000, () => s.destroy(new Error('TLS handshake timed out')));
  });
}

const step = (what) => console.log(`browser: ${what}`);

// tests/idp's pages: code, confirm, login, consent, result.
async function testIdpPages(page) {
  await page.goto(opt.url);
  await page.waitForSelector('input[name=user_code]');
  step('code page');
  await page.fill('input[name=user_code]', opt.code);
  await page.click('#continue');
  await page.waitForSelector('#confirm');
  const shown = (await page.textContent('#user-code') || '').trim();
  step(`confirm page (code ${shown})`);
  if (opt.deny) {
    await page.click('#abort');
    await page.waitForSelector('#result, #error, #message');
    step('denied');
  } else {
    await page.click('#confirm');
    // a login page, unless this browser is signed in already
    const next = await page.waitForSelector('input[name=login], #allow, #result');
    if (await next.getAttribute('name') === 'login') {
      step('login page');
      await page.fill('input[name=login]', opt.user);
      await page.fill('input[name=password]', opt.password);
      await page.click('#signin');
    }
    const after = await page.waitForSelector('#allow, #result, #message');
    if (await after.getAttribute('id') === 'allow') {
      step('consent page');
      await page.click('#allow');
    } else if (await after.getAttribute('id') === 'message') {
      throw new Error(`login failed: ${(await after.textContent()).trim()}`);
    }
    const result = await page.waitForSelector('#result');
    step(`result: ${(await result.textContent()).trim().split('\n')[0]}`);
    if (opt.shot) await page.screenshot({ path: opt.shot, fullPage: true });
    step('success');
  }
}

// Glewlwyd's web application (login.html with a "prompt" parameter): the code
// page, the login form unless signed in already, the grant page when this
// person has not granted the client its scopes yet (every box ticked, "Grant
// access"), then Continue, which enters the code.
const pageText = (t) => t.replace(/\s+/g, ' ').trim().slice(0, 200);
const verdictUrl = /[?&]prompt=device(Complete|CodeError|ServerError)\b/;
async function glewlwydRefused(page) {
  const verdict = new URL(page.url()).searchParams.get('prompt');
  if (verdict === 'deviceCodeError' || verdict === 'deviceServerError') {
    await page.waitForTimeout(500); // the page fills in its message
    throw new Error(`code refused (${verdict}): ${pageText(await page.innerText('body'))}`);
  }
}
async function glewlwydPages(page) {
  await page.goto(opt.url);
  const code = page.locator('input[type=text]:visible').first();
  await code.waitFor();
  step('code page');
  await code.fill(opt.code);
  await page.locator('button:visible', { hasText: 'OK' }).first().click();
  const login = page.locator('#username:visible');
  const cont = page.locator('button:visible', { hasText: 'Continue' });
  // an unknown code comes back at once with prompt=deviceCodeError
  await Promise.race([login.or(cont).first().waitFor(),
    page.waitForURL(verdictUrl).catch(() => {})]);
  await glewlwydRefused(page);
  if (await login.count()) {
    step('login page');
    await login.fill(opt.user);
    await page.fill('#password', opt.password);
    await page.click('#loginbut');
  }
  await cont.first().waitFor();
  const grant = page.locator('button:visible', { hasText: 'Grant access' });
  if (await grant.count()) {
    const boxes = page.locator('input[id^=grant-]:visible');
    for (let i = 0; i < await boxes.count(); i++) await boxes.nth(i).check();
    step(`grant page (${await boxes.count()} scopes ticked)`);
    await grant.click();
    await grant.waitFor({ state: 'detached' });
  }
  await cont.first().click();
  // the code is checked on Continue; the page comes back with its verdict
  await page.waitForURL(verdictUrl);
  await glewlwydRefused(page);
  const done = page.getByText('Authorization complete').first();
  step(`result: ${pageText(await done.textContent())}`);
  if (opt.shot) await page.screenshot({ path: opt.shot, fullPage: true });
  step('success');
}

const profile = mkdtempSync(join(process.env.TMPDIR || tmpdir(), 'fedjit-chromium-'));
let context;
let status = 1;
try {
  const spki = await verifiedSpki(opt.url, opt.ca);
  context = await chromium.launchPersistentContext(profile, {
    executablePath: opt.chromium,
    headless: true,
    timeout: 60000,
    args: [
      '--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
      '--disable-background-networking', '--disable-component-update', '--disable-sync',
      '--disable-dev-shm-usage', `--ignore-certificate-errors-spki-list=${spki}`,
    ],
  });
  const page = context.pages()[0] || await context.newPage();
  page.setDefaultTimeout(20000);
  await (opt.pages === 'glewlwyd' ? glewlwydPages(page) : testIdpPages(page));
  status = 0;
} catch (e) {
  console.error(`browser: failed: ${e.message}`);
} finally {
  if (context) await context.close().catch(() => {});
  rmSync(profile, { recursive: true, force: true });
}
process.exit(status);
