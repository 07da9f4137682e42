// End-to-end check of the development provider: starts server.mjs on a free port, drives logins,
// token exchanges, refreshes, introspection, revocation and the /dev routes over real HTTP, then
// stops it with SIGTERM. Run with `npm test` (after `npm ci`). Exit status 0 when all checks pass.

import { spawn } from 'node:child_process';
import * as crypto from 'node:crypto';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';

const here = path.dirname(fileURLToPath(import.meta.url));
const REDIRECT_URI = 'http://127.0.0.1:8976/callback';
const CLIENTS = {
  post: { id: 'app-post', secret: 'app-post-secret' },
  basic: { id: 'app-basic', secret: 'app-basic-secret' },
  special: { id: 'app:basic special', secret: 's3cr3t:+/ &%=' },
  public: { id: 'app-public' },
  hs256: { id: 'app-hs256', secret: 'app-hs256-secret-0123456789abcdef0123' },
  native: { id: 'app-native' },
};

let failures = 0;
let checks = 0;
const sensitive = new Set(Object.values(CLIENTS).map((c) => c.secret).filter(Boolean));

function check(condition, label, detail) {
  checks += 1;
  if (condition) {
    process.stdout.write(`ok   ${label}\n`);
  } else {
    failures += 1;
    process.stdout.write(`FAIL ${label}${detail === undefined ? '' : `: ${typeof detail === 'string' ? detail : JSON.stringify(detail)}`}\n`);
  }
}

function remember(...values) {
  for (const v of values) if (typeof v === 'string' && v) sensitive.add(v);
}

// --- start the server -------------------------------------------------------------------------

const portFile = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'devprovider-')), 'port');
const started = process.hrtime.bigint();
const child = spawn(process.execPath, [path.join(here, 'server.mjs'), '--port-file', portFile], {
  stdio: ['ignore', 'pipe', 'pipe'],
  env: { ...process.env, PORT: '' },
});
let stderr = '';
child.stderr.on('data', (d) => { stderr += d; });
const exited = new Promise((resolve) => child.on('exit', (code, signal) => resolve({ code, signal })));

const readyLine = await new Promise((resolve, reject) => {
  let out = '';
  const timer = setTimeout(() => reject(new Error(`no ready line within 10 s; stderr: ${stderr}`)), 10_000);
  child.stdout.on('data', (d) => {
    out += d;
    const nl = out.indexOf('\n');
    if (nl !== -1) {
      clearTimeout(timer);
      resolve(out.slice(0, nl));
    }
  });
  child.on('exit', () => reject(new Error(`server exited before ready; stderr: ${stderr}`)));
});
const startupMs = Number(process.hrtime.bigint() - started) / 1e6;
let stdoutAfter = '';
child.stdout.on('data', (d) => { stdoutAfter += d; });

const ready = JSON.parse(readyLine);
const { port, issuer } = ready;
const BASE = `http://127.0.0.1:${port}`;
check(ready.ready === true && Number.isInteger(port) && port > 0, 'ready line', readyLine);
check(issuer === `${BASE}/oidc`, 'issuer carries the real port', issuer);
check(Object.keys(ready).join(',') === 'ready,port,issuer', 'ready line has exactly ready, port, issuer');
check(fs.readFileSync(portFile, 'utf8').trim() === String(port), '--port-file holds the port');
process.stdout.write(`     start-up to ready line: ${startupMs.toFixed(0)} ms\n`);

// --- helpers ---------------------------------------------------------------------------------

async function getJson(url, init) {
  const res = await fetch(url, init);
  const text = await res.text();
  let body;
  try { body = JSON.parse(text); } catch { body = text; }
  return { status: res.status, headers: res.headers, body };
}

function form(fields) {
  return new URLSearchParams(Object.entries(fields).filter(([, v]) => v !== undefined));
}

// RFC 6749 section 2.3.1: form-urlencode id and secret, then base64 "id:secret".
function basicHeader(id, secret) {
  const enc = (s) => new URLSearchParams({ x: s }).toString().slice(2);
  return `Basic ${Buffer.from(`${enc(id)}:${enc(secret)}`).toString('base64')}`;
}

async function token(fields, { basic, headers = {} } = {}) {
  const h = { 'content-type': 'application/x-www-form-urlencoded', accept: 'application/json', ...headers };
  if (basic) h.authorization = basicHeader(basic.id, basic.secret);
  const r = await getJson(`${BASE}/oidc/token`, { method: 'POST', headers: h, body: form(fields) });
  if (r.status === 200) remember(r.body.access_token, r.body.refresh_token, r.body.id_token);
  return r;
}

async function login(params) {
  const r = await getJson(`${BASE}/dev/login?${new URLSearchParams(params)}`);
  if (r.status === 200) remember(r.body.code);
  return r;
}

function pkcePair() {
  const verifier = crypto.randomBytes(32).toString('base64url');
  remember(verifier);
  return { verifier, challenge: crypto.createHash('sha256').update(verifier).digest('base64url') };
}

function decodeJwt(jwt) {
  const [h, p, s] = jwt.split('.');
  return {
    header: JSON.parse(Buffer.from(h, 'base64url')),
    payload: JSON.parse(Buffer.from(p, 'base64url')),
    signingInput: `${h}.${p}`,
    signature: Buffer.from(s, 'base64url'),
  };
}

// --- discovery and JWKS ------------------------------------------------------------------------

const disco = await getJson(`${BASE}/oidc/.well-known/openid-configuration`);
check(disco.status === 200, 'discovery answers 200');
const expected = {
  issuer: `${BASE}/oidc`,
  authorization_endpoint: `${BASE}/oidc/auth`,
  token_endpoint: `${BASE}/oidc/token`,
  userinfo_endpoint: `${BASE}/oidc/me`,
  revocation_endpoint: `${BASE}/oidc/token/revocation`,
  introspection_endpoint: `${BASE}/oidc/token/introspection`,
  end_session_endpoint: `${BASE}/oidc/session/end`,
  jwks_uri: `${BASE}/oidc/.well-known/jwks.json`,
};
for (const [k, v] of Object.entries(expected)) check(disco.body[k] === v, `discovery ${k}`, disco.body[k]);

const jwks = await getJson(`${BASE}/oidc/.well-known/jwks.json`);
const rsaKey = jwks.body.keys?.[0];
check(jwks.status === 200 && jwks.body.keys.length === 1 && rsaKey.kty === 'RSA' && rsaKey.kid && rsaKey.alg === 'RS256',
  'JWKS has one RS256 key with a kid', jwks.body);
check(jwks.body.keys.every((k) => !('d' in k) && !('p' in k)), 'JWKS carries no private parts');

function verifyRs256(jwt) {
  const { header, signingInput, signature } = decodeJwt(jwt);
  const jwk = jwks.body.keys.find((k) => k.kid === header.kid);
  if (!jwk || header.alg !== 'RS256') return false;
  const key = crypto.createPublicKey({ key: jwk, format: 'jwk' });
  return crypto.verify('sha256', Buffer.from(signingInput), key, signature);
}

// --- app-post: code, refresh, reuse ------------------------------------------------------------

await getJson(`${BASE}/dev/requests`, { method: 'DELETE' });
{
  const l = await login({ client_id: CLIENTS.post.id, nonce: 'n-post', state: 's-post' });
  check(l.status === 200 && l.body.code && l.body.state === 's-post' && l.body.iss === `${BASE}/oidc`,
    '/dev/login app-post gives code, state, iss', l.body);
  const cb = new URL(l.body.callback_url ?? 'http://x/');
  check(`${cb.origin}${cb.pathname}` === REDIRECT_URI && cb.searchParams.get('code') === l.body.code,
    'callback_url is the redirect_uri with the code', l.body.callback_url);

  const t = await token({
    client_id: CLIENTS.post.id, client_secret: CLIENTS.post.secret, grant_type: 'authorization_code',
    code: l.body.code, redirect_uri: REDIRECT_URI,
  }, { headers: { 'x-genauth-app-id': CLIENTS.post.id } });
  check(t.status === 200 && t.body.access_token && t.body.id_token && t.body.refresh_token
    && t.body.token_type === 'Bearer' && t.body.expires_in === 3600, 'app-post code exchange (client_secret_post)', t.body);
  const idt = decodeJwt(t.body.id_token);
  check(verifyRs256(t.body.id_token), 'id_token RS256 signature verifies with the JWKS');
  check(idt.payload.iss === issuer && idt.payload.aud === 'app-post' && idt.payload.sub === 'user-1'
    && idt.payload.nonce === 'n-post' && idt.payload.email === 'alice@example.com'
    && idt.payload.name === 'Alice Example' && idt.payload.exp - idt.payload.iat === 3600,
  'id_token claims', idt.payload);
  check(t.body.scope === 'openid profile email offline_access', 'granted scope', t.body.scope);

  const me = await getJson(`${BASE}/oidc/me`, { headers: { authorization: `Bearer ${t.body.access_token}` } });
  check(me.status === 200 && me.body.sub === 'user-1' && me.body.email === 'alice@example.com'
    && me.body.name === 'Alice Example', 'userinfo /oidc/me', me.body);

  const intro = await getJson(`${BASE}/oidc/token/introspection`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: form({ client_id: CLIENTS.post.id, client_secret: CLIENTS.post.secret, token: t.body.refresh_token }),
  });
  check(intro.status === 200 && intro.body.active === true && intro.body.client_id === 'app-post'
    && intro.body.sub === 'user-1', 'introspection of the refresh token (post)', intro.body);

  const r = await token({
    client_id: CLIENTS.post.id, client_secret: CLIENTS.post.secret, grant_type: 'refresh_token',
    refresh_token: t.body.refresh_token,
  });
  check(r.status === 200 && r.body.access_token && r.body.access_token !== t.body.access_token,
    'app-post refresh gives a new access token', r.body);
  check(r.body.refresh_token === t.body.refresh_token, 'confidential refresh token is not rotated');

  const reuse = await token({
    client_id: CLIENTS.post.id, client_secret: CLIENTS.post.secret, grant_type: 'authorization_code',
    code: l.body.code, redirect_uri: REDIRECT_URI,
  });
  check(reuse.status === 400 && reuse.body.error === 'invalid_grant', 'code reuse gives 400 invalid_grant', reuse);
  const after = await token({
    client_id: CLIENTS.post.id, client_secret: CLIENTS.post.secret, grant_type: 'refresh_token',
    refresh_token: t.body.refresh_token,
  });
  check(after.status === 400 && after.body.error === 'invalid_grant', 'code reuse also revoked the refresh token', after.body);

  const wrong = await token({
    client_id: CLIENTS.post.id, client_secret: 'wrong', grant_type: 'refresh_token', refresh_token: 'x',
  });
  check(wrong.status === 401 && wrong.body.error === 'invalid_client', 'wrong secret gives 401 invalid_client', wrong.body);
}

// --- app-basic ---------------------------------------------------------------------------------
{
  const l = await login({ client_id: CLIENTS.basic.id });
  const t = await token({ grant_type: 'authorization_code', code: l.body.code, redirect_uri: REDIRECT_URI },
    { basic: CLIENTS.basic });
  check(t.status === 200 && t.body.refresh_token, 'app-basic code exchange (client_secret_basic)', t.body);
  const r = await token({ grant_type: 'refresh_token', refresh_token: t.body.refresh_token }, { basic: CLIENTS.basic });
  check(r.status === 200 && r.body.access_token, 'app-basic refresh', r.body);

  const rev = await fetch(`${BASE}/oidc/token/revocation`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded', authorization: basicHeader(CLIENTS.basic.id, CLIENTS.basic.secret) },
    body: form({ token: t.body.refresh_token, token_type_hint: 'refresh_token' }),
  });
  check(rev.status === 200, 'app-basic revokes its refresh token', rev.status);
  const dead = await token({ grant_type: 'refresh_token', refresh_token: t.body.refresh_token }, { basic: CLIENTS.basic });
  check(dead.status === 400 && dead.body.error === 'invalid_grant', 'revoked refresh token is refused', dead.body);
}

// --- app:basic special (form-encoding before base64) ------------------------------------------
{
  const l = await login({ client_id: CLIENTS.special.id });
  check(l.status === 200, '/dev/login for "app:basic special"', l.body);
  const raw = `Basic ${Buffer.from(`${CLIENTS.special.id}:${CLIENTS.special.secret}`).toString('base64')}`;
  const bad = await getJson(`${BASE}/oidc/token`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded', authorization: raw },
    body: form({ grant_type: 'authorization_code', code: l.body.code, redirect_uri: REDIRECT_URI }),
  });
  check(bad.status !== 200, 'unencoded id:secret in Basic is refused', bad);
  const t = await token({ grant_type: 'authorization_code', code: l.body.code, redirect_uri: REDIRECT_URI },
    { basic: CLIENTS.special });
  check(t.status === 200 && t.body.refresh_token, 'form-encoded id:secret in Basic is accepted', t.body);
  check(decodeJwt(t.body.id_token).payload.aud === CLIENTS.special.id, 'id_token aud is "app:basic special"');
  const r = await token({ grant_type: 'refresh_token', refresh_token: t.body.refresh_token }, { basic: CLIENTS.special });
  check(r.status === 200, 'app:basic special refresh', r.body);
}

// --- app-public (PKCE, rotation) -----------------------------------------------------------------
{
  const noPkce = await login({ client_id: CLIENTS.public.id });
  check(noPkce.status === 500 && noPkce.body.error === 'invalid_request', 'public client without PKCE is refused', noPkce.body);

  const { verifier, challenge } = pkcePair();
  const l = await login({ client_id: CLIENTS.public.id, code_challenge: challenge, code_challenge_method: 'S256' });
  check(l.status === 200, '/dev/login app-public with code_challenge', l.body);
  const badVerifier = await token({
    client_id: CLIENTS.public.id, grant_type: 'authorization_code', code: l.body.code,
    redirect_uri: REDIRECT_URI, code_verifier: pkcePair().verifier,
  });
  check(badVerifier.status === 400 && badVerifier.body.error === 'invalid_grant', 'wrong code_verifier gives invalid_grant', badVerifier.body);
  const t = await token({
    client_id: CLIENTS.public.id, grant_type: 'authorization_code', code: l.body.code,
    redirect_uri: REDIRECT_URI, code_verifier: verifier,
  });
  check(t.status === 200 && t.body.refresh_token, 'app-public exchange with code_verifier (failed try did not spend the code)', t.body);

  const intro = await getJson(`${BASE}/oidc/token/introspection`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: form({ client_id: CLIENTS.public.id, token: t.body.access_token }),
  });
  check(intro.status === 200 && intro.body.active === true, 'public client introspects its own token', intro.body);

  const r1 = await token({ client_id: CLIENTS.public.id, grant_type: 'refresh_token', refresh_token: t.body.refresh_token });
  check(r1.status === 200 && r1.body.refresh_token && r1.body.refresh_token !== t.body.refresh_token,
    'public refresh token rotates', r1.body);
  const r2 = await token({ client_id: CLIENTS.public.id, grant_type: 'refresh_token', refresh_token: r1.body.refresh_token });
  check(r2.status === 200 && r2.body.refresh_token !== r1.body.refresh_token, 'rotated refresh token works and rotates again', r2.body);

  const rev = await fetch(`${BASE}/oidc/token/revocation`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: form({ client_id: CLIENTS.public.id, token: r2.body.refresh_token }),
  });
  check(rev.status === 200, 'public client revokes its refresh token', rev.status);
  const dead = await token({ client_id: CLIENTS.public.id, grant_type: 'refresh_token', refresh_token: r2.body.refresh_token });
  check(dead.status === 400, 'revoked public refresh token is refused', dead.body);
}

// --- app-hs256 ---------------------------------------------------------------------------------
{
  const l = await login({ client_id: CLIENTS.hs256.id });
  const t = await token({
    client_id: CLIENTS.hs256.id, client_secret: CLIENTS.hs256.secret, grant_type: 'authorization_code',
    code: l.body.code, redirect_uri: REDIRECT_URI,
  });
  check(t.status === 200, 'app-hs256 code exchange', t.body);
  const jwt = decodeJwt(t.body.id_token);
  const mac = crypto.createHmac('sha256', CLIENTS.hs256.secret).update(jwt.signingInput).digest();
  check(jwt.header.alg === 'HS256' && crypto.timingSafeEqual(mac, jwt.signature), 'id_token is HS256 signed with the client secret', jwt.header);
}

// --- scope and prompt rules --------------------------------------------------------------------
{
  const l = await login({ client_id: CLIENTS.post.id, scope: 'openid email' });
  const t = await token({
    client_id: CLIENTS.post.id, client_secret: CLIENTS.post.secret, grant_type: 'authorization_code',
    code: l.body.code, redirect_uri: REDIRECT_URI,
  });
  check(t.status === 200 && !t.body.refresh_token && t.body.scope === 'openid email', 'no offline_access, no refresh token', t.body);

  const l2 = await login({ client_id: CLIENTS.post.id, prompt: '' });
  const t2 = await token({
    client_id: CLIENTS.post.id, client_secret: CLIENTS.post.secret, grant_type: 'authorization_code',
    code: l2.body.code, redirect_uri: REDIRECT_URI,
  });
  check(t2.status === 200 && !t2.body.refresh_token, 'offline_access without prompt=consent gives no refresh token', t2.body);
}

// --- /dev/login?authorize_url= -----------------------------------------------------------------
{
  const { verifier, challenge } = pkcePair();
  const authorize = new URL(`${BASE}/oidc/auth`);
  authorize.search = new URLSearchParams({
    client_id: CLIENTS.public.id, response_type: 'code', redirect_uri: REDIRECT_URI,
    scope: 'openid offline_access', prompt: 'consent', state: 'given-state', nonce: 'given-nonce',
    code_challenge: challenge, code_challenge_method: 'S256',
  });
  const l = await login({ authorize_url: authorize.href });
  check(l.status === 200 && l.body.state === 'given-state' && l.body.callback_url.startsWith(`${REDIRECT_URI}?`),
    '/dev/login?authorize_url= drives the given URL', l.body);
  const t = await token({
    client_id: CLIENTS.public.id, grant_type: 'authorization_code', code: l.body.code,
    redirect_uri: REDIRECT_URI, code_verifier: verifier,
  });
  check(t.status === 200 && decodeJwt(t.body.id_token).payload.nonce === 'given-nonce', 'its code exchanges', t.body);

  const bad = await login({ authorize_url: `${BASE}/oidc/auth?client_id=nobody&response_type=code&redirect_uri=${encodeURIComponent(REDIRECT_URI)}&scope=openid` });
  check(bad.status === 500 && bad.body.reason, '/dev/login failure answers 500 with a reason', bad.body);
  const missing = await login({});
  check(missing.status === 400, '/dev/login without client_id answers 400', missing.body);
}

// --- wire recorder -----------------------------------------------------------------------------
{
  // Without a Content-Type (what one SDK sends) and with JSON: oidc-provider refuses both, the
  // recorder still lists the fields that were sent.
  await fetch(`${BASE}/oidc/token`, {
    method: 'POST',
    headers: { authorization: basicHeader(CLIENTS.basic.id, CLIENTS.basic.secret), 'x-genauth-app-id': 'app-basic' },
    body: new TextEncoder().encode('grant_type=refresh_token&refresh_token=abc'),
  });
  await fetch(`${BASE}/oidc/token`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ grant_type: 'refresh_token', refresh_token: 'abc', client_id: 'app-post', client_secret: 'app-post-secret' }),
  });

  const rec = await getJson(`${BASE}/dev/requests`);
  const list = rec.body;
  check(rec.status === 200 && Array.isArray(list) && list.length >= 20, 'GET /dev/requests returns the records', list.length);
  const first = list[0];
  check(JSON.stringify(first) === JSON.stringify({
    path: '/oidc/token', grant_type: 'authorization_code', client_id: 'app-post', auth: 'post',
    content_type: 'application/x-www-form-urlencoded', accept: 'application/json', app_id_header: 'app-post',
    body_keys: ['client_id', 'client_secret', 'code', 'grant_type', 'redirect_uri'], status: 200,
  }), 'first record is the app-post exchange, exactly', first);
  const special = list.find((x) => x.client_id === CLIENTS.special.id && x.status === 200);
  check(special && special.auth === 'basic' && !special.body_keys.includes('client_id'), 'Basic client_id decoded from the header', special);
  const pub = list.find((x) => x.client_id === CLIENTS.public.id && x.grant_type === 'authorization_code' && x.status === 200);
  check(pub && pub.auth === 'none' && pub.body_keys.includes('code_verifier'), 'public client recorded as auth none', pub);
  check(list.some((x) => x.path === '/oidc/token/introspection') && list.some((x) => x.path === '/oidc/token/revocation'),
    'introspection and revocation are recorded');
  const noCty = list.at(-2);
  check(noCty.content_type === null && noCty.status === 400 && noCty.app_id_header === 'app-basic'
    && noCty.body_keys.join(',') === 'grant_type,refresh_token' && noCty.client_id === 'app-basic',
  'request without Content-Type recorded with its fields', noCty);
  const json = list.at(-1);
  check(json.content_type === 'application/json' && json.status === 400 && json.auth === 'post'
    && json.body_keys.join(',') === 'client_id,client_secret,grant_type,refresh_token', 'JSON request recorded', json);

  const dump = JSON.stringify(list);
  const leaked = [...sensitive].filter((v) => dump.includes(v));
  check(leaked.length === 0, 'no secret, code, token or verifier value in /dev/requests', leaked.map((v) => `${v.slice(0, 6)}…`));

  const del = await fetch(`${BASE}/dev/requests`, { method: 'DELETE' });
  const empty = await getJson(`${BASE}/dev/requests`);
  check(del.status === 200 && empty.body.length === 0, 'DELETE /dev/requests clears');
  await token({ grant_type: 'refresh_token', refresh_token: 'x', client_id: 'app-public' });
  const reset = await fetch(`${BASE}/dev/requests/reset`, { method: 'POST' });
  const empty2 = await getJson(`${BASE}/dev/requests`);
  check(reset.status === 200 && empty2.body.length === 0, 'POST /dev/requests/reset clears');
}

// --- app-native: real sign-in and consent pages, loopback redirect on any port -----------------
{
  // A browser's part, by hand: cookies by name (one host; the newest interaction's win) and the
  // redirects followed until one leaves for the loopback callback.
  const jar = new Map();
  const keep = (res) => {
    for (const line of res.headers.getSetCookie()) {
      const [pair, ...attrs] = line.split(';');
      const name = pair.slice(0, pair.indexOf('=')).trim();
      const gone = attrs.some((a) => /^\s*(max-age=0|expires=Thu, 01 Jan 1970)/i.test(a));
      if (gone) jar.delete(name); else jar.set(name, pair.slice(pair.indexOf('=') + 1).trim());
    }
  };
  async function browse(url, fields) {
    let next = new URL(url, BASE);
    let init = fields ? { method: 'POST', body: form(fields), headers: { 'content-type': 'application/x-www-form-urlencoded' } } : {};
    for (let i = 0; i < 10; i += 1) {
      const cookie = [...jar].map(([k, v]) => `${k}=${v}`).join('; ');
      const res = await fetch(next, { ...init, redirect: 'manual', headers: { ...init.headers, cookie } });
      keep(res);
      const location = res.headers.get('location');
      if (res.status >= 300 && res.status < 400 && location) {
        await res.arrayBuffer();
        next = new URL(location, next);
        if (next.origin !== BASE) return { callback: next };
        init = {};
        continue;
      }
      return { status: res.status, type: res.headers.get('content-type') || '', html: await res.text(), url: next };
    }
    return { error: 'too many redirects' };
  }
  const formAction = (html, step) => new RegExp(`action="(/oidc/interaction/[^/"]+/${step})"`).exec(html)?.[1];

  const callbackPort = 45000 + crypto.randomInt(10000);
  const redirectUri = `http://127.0.0.1:${callbackPort}/callback`;
  const { verifier, challenge } = pkcePair();
  const authorize = (extra = {}) => `${BASE}/oidc/auth?${new URLSearchParams({
    client_id: CLIENTS.native.id, response_type: 'code', redirect_uri: redirectUri,
    scope: 'openid profile email offline_access', prompt: 'consent', state: 's-native', nonce: 'n-native',
    code_challenge: challenge, code_challenge_method: 'S256', ...extra,
  })}`;

  const signIn = await browse(authorize());
  const loginAction = formAction(signIn.html ?? '', 'login');
  check(signIn.status === 200 && signIn.type.startsWith('text/html') && loginAction
    && signIn.html.includes('name="username"') && signIn.html.includes('name="password"'),
  'app-native: the authorize URL leads to a sign-in form', signIn);
  const wrong = await browse(loginAction, { username: 'alice@example.com', password: 'not-it' });
  check(wrong.status === 200 && wrong.html.includes('Wrong email or password.') && formAction(wrong.html, 'login') === loginAction,
    'app-native: a wrong password shows the form again, saying so', wrong.status);
  const consent = await browse(loginAction, { username: 'Alice@Example.com', password: 'alice-password' });
  const confirmAction = formAction(consent.html ?? '', 'confirm');
  check(consent.status === 200 && confirmAction && confirmAction !== loginAction.replace(/login$/, 'confirm')
    && consent.html.includes('Allow access?') && consent.html.includes('offline_access'),
  'app-native: signing in leads to the consent page listing the scopes', consent.status);
  const done = await browse(confirmAction, {});
  const cb = done.callback;
  check(cb && `${cb.origin}${cb.pathname}` === redirectUri && cb.searchParams.get('code')
    && cb.searchParams.get('state') === 's-native' && cb.searchParams.get('iss') === issuer,
  'app-native: allowing redirects to the loopback port given (any port)', done);
  const code = cb?.searchParams.get('code');
  remember(code);
  const t = await token({
    client_id: CLIENTS.native.id, grant_type: 'authorization_code', code, redirect_uri: redirectUri, code_verifier: verifier,
  });
  const claims = t.body.id_token ? decodeJwt(t.body.id_token).payload : {};
  check(t.status === 200 && t.body.refresh_token && claims.sub === 'user-1' && claims.aud === 'app-native'
    && claims.nonce === 'n-native' && claims.email === 'alice@example.com', 'app-native: its code exchanges (PKCE, no secret)', t.body);

  jar.clear();
  const first = await browse(authorize({ state: 's-cancel' }));
  const cancel = await browse(formAction(first.html ?? '', 'abort') ?? '/nowhere', {});
  check(cancel.callback?.searchParams.get('error') === 'access_denied' && cancel.callback.searchParams.get('state') === 's-cancel',
    'app-native: Cancel on the sign-in form ends the login with access_denied', cancel);
  jar.clear();
  const again = await browse(authorize({ state: 's-deny' }));
  const consent2 = await browse(formAction(again.html ?? '', 'login') ?? '/nowhere', { username: 'alice@example.com', password: 'alice-password' });
  const deny = await browse(formAction(consent2.html ?? '', 'abort') ?? '/nowhere', {});
  check(deny.callback?.searchParams.get('error') === 'access_denied' && deny.callback.searchParams.get('state') === 's-deny',
    'app-native: Deny on the consent page ends the login with access_denied', deny);

  jar.clear();
  const otherPath = await browse(authorize({ redirect_uri: `http://127.0.0.1:${callbackPort}/elsewhere` }));
  check(otherPath.status === 400 && otherPath.html.includes('redirect_uri'), 'app-native: another loopback path is refused', otherPath.status);
  const postOtherPort = await browse(`${BASE}/oidc/auth?${new URLSearchParams({
    client_id: CLIENTS.post.id, response_type: 'code', redirect_uri: redirectUri, scope: 'openid',
  })}`);
  check(postOtherPort.status === 400, 'app-post (not native): a loopback port it did not register is refused', postOtherPort.status);
  const headless = await login({ client_id: CLIENTS.native.id });
  check(headless.status === 400 && /real pages/.test(headless.body.reason), '/dev/login refuses app-native, saying it has pages', headless.body);
}

// --- stop ----------------------------------------------------------------------------------------
const killedAt = Date.now();
child.kill('SIGTERM');
const { code, signal } = await exited;
check(code === 0 && signal === null, 'SIGTERM stops it with exit status 0', { code, signal });
process.stdout.write(`     stopped ${Date.now() - killedAt} ms after SIGTERM\n`);
check(stdoutAfter === '', 'nothing but the ready line on stdout', stdoutAfter);
const unexpected = stderr.split('\n').filter((l) => l && !l.includes('Unsupported runtime'));
check(unexpected.length === 0, 'stderr has only the runtime warning', unexpected);
fs.rmSync(path.dirname(portFile), { recursive: true, force: true });

process.stdout.write(`\n${checks - failures}/${checks} checks passed\n`);
process.exit(failures ? 1 : 0);
