// Local OpenID Connect provider with GenAuth's routes, for development and tests only.
//
// Everything OIDC lives under /oidc (issuer http://127.0.0.1:PORT/oidc), exactly where GenAuth
// serves it. A fixed user logs in without any page (every client but app-native, whose logins go
// through a real sign-in form and consent page for a browser), /dev/login drives a whole
// authorization code login over real HTTP and returns the code, and /dev/requests shows what
// clients sent to the token, revocation and introspection endpoints (field names only, never
// values).
//
// The client secrets below are public. Never use this provider for anything but development.

import * as crypto from 'node:crypto';
import * as fs from 'node:fs';
import * as http from 'node:http';
import * as net from 'node:net';
import * as path from 'node:path';
import { promisify } from 'node:util';

// The signing key is made fresh at every start (nothing is committed). Generating it takes
// 0.1-0.5 s, so it runs on the thread pool while oidc-provider loads.
const keyPairPromise = promisify(crypto.generateKeyPair)('rsa', { modulusLength: 2048 });

// ---------------------------------------------------------------------------------------------
// Command line

function usage(message) {
  if (message) process.stderr.write(`server.mjs: ${message}\n`);
  process.stderr.write('usage: node server.mjs [--port N] [--port-file FILE] [--verbose]\n'
    + '  --port N          port on 127.0.0.1 (default: env PORT, else a free port)\n'
    + '  --port-file FILE  also write the port number to FILE once ready\n'
    + '  --verbose         log requests and the real reason of grant errors to stderr\n');
  process.exit(message ? 2 : 0);
}

function parseArgs(argv) {
  const opts = { port: undefined, portFile: undefined, verbose: false };
  for (let i = 0; i < argv.length; i += 1) {
    const arg = argv[i];
    const [name, inline] = arg.startsWith('--') && arg.includes('=')
      ? [arg.slice(0, arg.indexOf('=')), arg.slice(arg.indexOf('=') + 1)]
      : [arg, undefined];
    const value = () => {
      if (inline !== undefined) return inline;
      i += 1;
      if (i >= argv.length) usage(`${name} needs a value`);
      return argv[i];
    };
    switch (name) {
      case '--port': opts.port = value(); break;
      case '--port-file': opts.portFile = value(); break;
      case '--verbose': opts.verbose = true; break;
      case '-h': case '--help': usage(); break;
      default: usage(`unknown argument ${arg}`);
    }
  }
  if (opts.port === undefined && process.env.PORT) opts.port = process.env.PORT;
  if (opts.port === undefined || opts.port === '') {
    opts.port = 0;
  } else {
    if (!/^\d+$/.test(String(opts.port)) || Number(opts.port) > 65535) usage(`bad port ${opts.port}`);
    opts.port = Number(opts.port);
  }
  if (!opts.verbose && /^(1|true|yes)$/i.test(process.env.DEVPROVIDER_VERBOSE || '')) opts.verbose = true;
  return opts;
}

const opts = parseArgs(process.argv.slice(2));

// oidc-provider prints its notices with console.info; stdout is reserved for the ready line.
console.info = console.error;
console.log = console.error;

const { default: Provider } = await import('oidc-provider');

function freePort() {
  return new Promise((resolve, reject) => {
    const probe = net.createServer();
    probe.unref();
    probe.on('error', reject);
    probe.listen(0, '127.0.0.1', () => {
      const { port } = probe.address();
      probe.close(() => resolve(port));
    });
  });
}

const port = opts.port || await freePort();
const ORIGIN = `http://127.0.0.1:${port}`;
const ISSUER = `${ORIGIN}/oidc`;

// ---------------------------------------------------------------------------------------------
// Fixed data: clients and the one user

const DEFAULT_REDIRECT_URI = 'http://127.0.0.1:8976/callback';
const DEFAULT_SCOPE = 'openid profile email offline_access';

const DEVICE_CODE_GRANT = 'urn:ietf:params:oauth:grant-type:device_code';

const common = {
  grant_types: ['authorization_code', 'refresh_token'],
  response_types: ['code'],
  redirect_uris: [DEFAULT_REDIRECT_URI],
};

const clients = [
  {
    ...common,
    // Confidential clients may also act for themselves and log devices in.
    grant_types: [...common.grant_types, 'client_credentials', DEVICE_CODE_GRANT],
    client_id: 'app-post',
    client_secret: 'app-post-secret',
    token_endpoint_auth_method: 'client_secret_post',
  },
  {
    ...common,
    grant_types: [...common.grant_types, 'client_credentials', DEVICE_CODE_GRANT],
    client_id: 'app-basic',
    client_secret: 'app-basic-secret',
    token_endpoint_auth_method: 'client_secret_basic',
  },
  {
    // id and secret contain characters that RFC 6749 section 2.3.1 form-encoding changes
    // (":" "+" "/" " " "&" "%" "="), so only a client that encodes before base64 gets in.
    ...common,
    client_id: 'app:basic special',
    client_secret: 's3cr3t:+/ &%=',
    token_endpoint_auth_method: 'client_secret_basic',
  },
  {
    ...common,
    client_id: 'app-public',
    token_endpoint_auth_method: 'none',
  },
  {
    ...common,
    client_id: 'app-hs256',
    client_secret: 'app-hs256-secret-0123456789abcdef0123',
    token_endpoint_auth_method: 'client_secret_post',
    id_token_signed_response_alg: 'HS256',
  },
  {
    // A desktop or command-line app (RFC 8252): public, PKCE, and a loopback redirect URI on any
    // port (oidc-provider ignores the port of a loopback redirect URI for native clients). Its
    // logins show real pages: a sign-in form and a consent page (INTERACTIVE_CLIENTS below).
    grant_types: ['authorization_code', 'refresh_token'],
    response_types: ['code'],
    application_type: 'native',
    redirect_uris: ['http://127.0.0.1/callback'],
    client_id: 'app-native',
    token_endpoint_auth_method: 'none',
  },
];

// Clients whose interactions are pages for a person; every other client is signed in headlessly.
const INTERACTIVE_CLIENTS = new Set(['app-native']);

const USER = {
  sub: 'user-1',
  name: 'Alice Example',
  email: 'alice@example.com',
  email_verified: true,
};
// What the sign-in form accepts (app-native only; public, like every secret here).
const USER_PASSWORD = 'alice-password';

// ---------------------------------------------------------------------------------------------
// Storage: an in-memory adapter without oidc-provider's 1 000-entry cap (its own memory adapter
// is an LRU of 1 000 entries, so long test runs or benchmarks would see tokens vanish).

const MAX_ENTRIES = 500_000;
const store = new Map(); // `${model}:${id}` -> { payload, expiresAt }
const grantMembers = new Map(); // grantId -> Set of keys
const sessionUids = new Map(); // session uid -> session id
const userCodes = new Map(); // user code -> id
const GRANTABLE = new Set(['AccessToken', 'AuthorizationCode', 'RefreshToken', 'DeviceCode',
  'BackchannelAuthenticationRequest', 'PreAuthorizedCode']);

function dropEntry(key) {
  const entry = store.get(key);
  if (!entry) return;
  store.delete(key);
  const { payload } = entry;
  if (payload.grantId) grantMembers.get(payload.grantId)?.delete(key);
  if (payload.uid && key.startsWith('Session:') && sessionUids.get(payload.uid) === key.slice(8)) {
    sessionUids.delete(payload.uid);
  }
  if (payload.userCode) userCodes.delete(payload.userCode);
}

function liveEntry(key) {
  const entry = store.get(key);
  if (!entry) return undefined;
  if (entry.expiresAt <= Date.now()) {
    dropEntry(key);
    return undefined;
  }
  return entry;
}

setInterval(() => {
  const now = Date.now();
  for (const [key, entry] of store) if (entry.expiresAt <= now) dropEntry(key);
  for (const [grantId, members] of grantMembers) if (members.size === 0) grantMembers.delete(grantId);
}, 60_000).unref();

class DevAdapter {
  constructor(model) {
    this.model = model;
  }

  key(id) {
    return `${this.model}:${id}`;
  }

  async upsert(id, payload, expiresIn) {
    const key = this.key(id);
    dropEntry(key);
    const expiresAt = typeof expiresIn === 'number' ? Date.now() + expiresIn * 1000 : Infinity;
    store.set(key, { payload: { ...payload }, expiresAt });
    if (GRANTABLE.has(this.model) && payload.grantId) {
      if (!grantMembers.has(payload.grantId)) grantMembers.set(payload.grantId, new Set());
      grantMembers.get(payload.grantId).add(key);
    }
    if (this.model === 'Session' && payload.uid) sessionUids.set(payload.uid, id);
    if (payload.userCode) userCodes.set(payload.userCode, id);
    while (store.size > MAX_ENTRIES) dropEntry(store.keys().next().value);
  }

  async find(id) {
    const entry = liveEntry(this.key(id));
    return entry ? { ...entry.payload } : undefined;
  }

  async findByUid(uid) {
    const id = sessionUids.get(uid);
    return id === undefined ? undefined : this.find(id);
  }

  async findByUserCode(userCode) {
    const id = userCodes.get(userCode);
    return id === undefined ? undefined : this.find(id);
  }

  async consume(id) {
    const entry = liveEntry(this.key(id));
    if (entry) entry.payload.consumed = Math.floor(Date.now() / 1000);
  }

  async destroy(id) {
    dropEntry(this.key(id));
  }

  async revokeByGrantId(grantId) {
    const members = grantMembers.get(grantId);
    if (!members) return;
    for (const key of [...members]) dropEntry(key);
    grantMembers.delete(grantId);
  }
}

// ---------------------------------------------------------------------------------------------
// Signing key (RS256), exported as a JWK with a kid

const { privateKey } = await keyPairPromise;
const signingJwk = {
  ...privateKey.export({ format: 'jwk' }),
  kid: `dev-${crypto.randomBytes(8).toString('hex')}`,
  alg: 'RS256',
  use: 'sig',
};

// ---------------------------------------------------------------------------------------------
// The provider

function sendJsonCtx(ctx, status, body) {
  ctx.status = status;
  ctx.type = 'application/json';
  ctx.body = body;
}

const configuration = {
  adapter: DevAdapter,
  clients,
  jwks: { keys: [signingJwk] },
  findAccount: async (ctx, sub) => {
    if (sub !== USER.sub) return undefined;
    return {
      accountId: USER.sub,
      claims: async () => ({ ...USER }),
    };
  },
  claims: {
    openid: ['sub'],
    profile: ['name'],
    email: ['email', 'email_verified'],
  },
  scopes: ['openid', 'offline_access', 'profile', 'email'],
  // Put the profile/email claims the scopes grant into the id_token too, not only into /oidc/me.
  conformIdTokenClaims: false,
  routes: {
    authorization: '/auth',
    token: '/token',
    userinfo: '/me',
    revocation: '/token/revocation',
    introspection: '/token/introspection',
    end_session: '/session/end',
    jwks: '/.well-known/jwks.json',
  },
  interactions: {
    url: async (ctx, interaction) => `/oidc/interaction/${interaction.uid}`,
  },
  features: {
    devInteractions: { enabled: false },
    clientCredentials: { enabled: true },
    deviceFlow: { enabled: true },
    userinfo: { enabled: true },
    introspection: {
      enabled: true,
      // oidc-provider's default policy, written out: confidential clients may introspect any
      // token, a public client only its own.
      allowedPolicy: async (ctx, client, token) => !(client.clientAuthMethod === 'none'
        && token.clientId !== ctx.oidc.client.clientId),
    },
    revocation: {
      enabled: true,
      // A client may revoke its own tokens only.
      allowedPolicy: async (ctx, client, token) => token.clientId === client.clientId,
    },
    rpInitiatedLogout: {
      enabled: true,
      logoutSource: async (ctx, form) => {
        ctx.type = 'html';
        ctx.body = `<!DOCTYPE html><html><head><meta charset="utf-8"><title>Sign out</title></head>
<body>${form}<button type="submit" form="op.logoutForm" value="yes" name="logout">Sign out</button>
<script>document.forms[0].insertAdjacentHTML('beforeend','<input type="hidden" name="logout" value="yes">');document.forms[0].submit()</script>
</body></html>`;
      },
      postLogoutSuccessSource: async (ctx) => sendJsonCtx(ctx, 200, { signed_out: true }),
    },
  },
  enabledJWA: {
    idTokenSigningAlgValues: ['RS256', 'HS256'],
  },
  pkce: {
    // Only public clients must use PKCE (S256, oidc-provider 9's only method by default).
    required: (ctx, client) => client.clientAuthMethod === 'none',
  },
  // Refresh tokens whenever the client may use the refresh_token grant and offline_access was
  // granted (which oidc-provider only keeps when the login used prompt=consent).
  issueRefreshToken: async (ctx, client, code) => client.grantTypeAllowed('refresh_token')
    && code.scopes.has('offline_access'),
  ttl: {
    AccessToken: 3600,
    AuthorizationCode: 600,
    IdToken: 3600,
    RefreshToken: 14 * 24 * 3600,
    Interaction: 3600,
    Session: 14 * 24 * 3600,
    Grant: 14 * 24 * 3600,
    ClientCredentials: 600,
    DeviceCode: 600,
    BackchannelAuthenticationRequest: 600,
    PreAuthorizedCode: 600,
  },
  clientBasedCORS: () => true,
  renderError: async (ctx, out) => sendJsonCtx(ctx, ctx.status >= 400 ? ctx.status : 400, out),
};

const provider = new Provider(ISSUER, configuration);

provider.on('server_error', (ctx, err) => {
  process.stderr.write(`devprovider: server_error on ${ctx?.method} ${ctx?.path}: ${err?.stack || err}\n`);
});
if (opts.verbose) {
  for (const event of ['grant.error', 'authorization.error', 'introspection.error',
    'revocation.error', 'userinfo.error', 'end_session.error']) {
    provider.on(event, (ctx, err) => {
      const detail = err?.error_detail ? ` (${err.error_detail})` : '';
      process.stderr.write(`devprovider: ${event}: ${err?.message}: ${err?.error_description}${detail}\n`);
    });
  }
}

// ---------------------------------------------------------------------------------------------
// Wire recorder for POST /oidc/token, /oidc/token/revocation, /oidc/token/introspection.
// Records field names and request metadata, never the values of secrets, codes or tokens.

const RECORDED_PATHS = new Set(['/token', '/token/revocation', '/token/introspection']);
const MAX_RECORDS = 10_000;
const BODY_LIMIT = 64 * 1024;
let records = [];

function decodeFormComponent(value) {
  try {
    return decodeURIComponent(value.replace(/\+/g, '%20'));
  } catch {
    return value;
  }
}

function basicClientId(authorization) {
  if (typeof authorization !== 'string') return null;
  const [scheme, token] = authorization.trim().split(/\s+/);
  if (!scheme || scheme.toLowerCase() !== 'basic' || !token) return null;
  const decoded = Buffer.from(token, 'base64').toString('utf8');
  const i = decoded.indexOf(':');
  if (i === -1) return null;
  return decodeFormComponent(decoded.slice(0, i));
}

function parseBody(raw, contentType) {
  const text = raw.toString('utf8');
  if (/^application\/json\b/i.test(contentType || '')) {
    try {
      const parsed = JSON.parse(text);
      if (parsed && typeof parsed === 'object' && !Array.isArray(parsed)) {
        return new Map(Object.entries(parsed).map(([k, v]) => [k, typeof v === 'string' ? v : null]));
      }
    } catch { /* fall through: not JSON after all */ }
    return new Map();
  }
  const fields = new Map();
  for (const [k, v] of new URLSearchParams(text)) if (!fields.has(k)) fields.set(k, v);
  return fields;
}

provider.use(async (ctx, next) => {
  if (ctx.method !== 'POST' || !RECORDED_PATHS.has(ctx.path)) return next();

  const { req } = ctx;
  const chunks = [];
  let size = 0;
  const keep = (chunk) => {
    if (size < BODY_LIMIT) chunks.push(chunk);
    size += chunk.length;
  };

  // Tee the body as oidc-provider reads it (it uses req.iterator), so its own parser still gets
  // the untouched stream.
  let consumedByProvider = false;
  const originalIterator = req.iterator;
  req.iterator = function teeIterator(options) {
    consumedByProvider = true;
    const inner = originalIterator.call(req, options);
    return (async function* tee() {
      for await (const chunk of inner) {
        keep(chunk);
        yield chunk;
      }
    }());
  };

  let status;
  try {
    await next();
    status = ctx.status;
  } catch (err) {
    status = err?.status || err?.statusCode || 500;
    throw err;
  } finally {
    delete req.iterator;
    // oidc-provider rejected the request before reading the body (e.g. a wrong content-type):
    // read it now, before the response goes out, so the summary still shows what was sent.
    if (!consumedByProvider && req.readable) {
      try {
        for await (const chunk of req) {
          keep(chunk);
          if (size > BODY_LIMIT) break;
        }
      } catch { /* the client went away */ }
    }

    const contentType = ctx.get('content-type') || null;
    const fields = parseBody(Buffer.concat(chunks), contentType);
    const authorization = ctx.get('authorization') || '';
    let auth = 'none';
    if (/^\s*basic\s/i.test(authorization)) auth = 'basic';
    else if (fields.has('client_secret')) auth = 'post';

    records.push({
      path: `/oidc${ctx.path}`,
      grant_type: fields.get('grant_type') ?? null,
      client_id: fields.get('client_id') ?? basicClientId(authorization),
      auth,
      content_type: contentType,
      accept: ctx.get('accept') || null,
      app_id_header: ctx.get('x-genauth-app-id') || null,
      body_keys: [...fields.keys()].sort(),
      status,
    });
    while (records.length > MAX_RECORDS) records.shift();
  }
  return undefined;
});

const providerCallback = provider.callback();

// ---------------------------------------------------------------------------------------------
// Interactions. For most clients a GET of /oidc/interaction/:uid logs the fixed user in (first
// interaction) or grants everything that was asked for (second), without any page. For
// INTERACTIVE_CLIENTS the same URL is a page for a person: a sign-in form (POST .../login) or a
// consent page (POST .../confirm); POST .../abort ends the login with access_denied.

async function grantEverything(details) {
  const { prompt, params, session } = details;
  const grant = details.grantId
    ? await provider.Grant.find(details.grantId)
    : new provider.Grant({ accountId: session.accountId, clientId: params.client_id });
  const { missingOIDCScope, missingOIDCClaims, missingResourceScopes } = prompt.details;
  if (missingOIDCScope) grant.addOIDCScope(missingOIDCScope.join(' '));
  if (missingOIDCClaims) grant.addOIDCClaims(missingOIDCClaims);
  if (missingResourceScopes) {
    for (const [indicator, scopes] of Object.entries(missingResourceScopes)) {
      grant.addResourceScope(indicator, scopes.join(' '));
    }
  }
  const grantId = await grant.save();
  return { consent: details.grantId ? {} : { grantId } };
}

async function handleInteraction(req, res, uid, action) {
  const details = await provider.interactionDetails(req, res);
  if (details.uid !== uid) {
    sendJson(res, 400, { error: 'invalid_request', error_description: 'interaction cookie does not match the URL' });
    return;
  }
  const { prompt, params } = details;
  if (INTERACTIVE_CLIENTS.has(params.client_id)) {
    await interactionPage(req, res, details, action);
    return;
  }
  if (req.method !== 'GET' || action) {
    sendJson(res, 405, { error: 'method not allowed' });
    return;
  }
  let result;
  if (prompt.name === 'login') {
    result = { login: { accountId: USER.sub } };
  } else if (prompt.name === 'consent') {
    result = await grantEverything(details);
  } else {
    result = { error: 'access_denied', error_description: `unsupported prompt ${prompt.name}` };
  }
  await provider.interactionFinished(req, res, result, { mergeWithLastSubmission: true });
}

const SCOPE_TEXT = {
  openid: 'sign you in (your user id)',
  profile: 'see your name',
  email: 'see your email address',
  offline_access: 'stay signed in while you are away (a refresh token)',
};

function escapeHtml(text) {
  return String(text).replace(/[&<>"']/g, (c) => ({
    '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;',
  }[c]));
}

function sendPage(res, title, body) {
  const html = `<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escapeHtml(title)}</title>
<style>
body{font-family:system-ui,sans-serif;background:#f4f5f7;margin:0}
main{max-width:22rem;margin:4rem auto;background:#fff;padding:1.5rem 2rem;border-radius:8px;box-shadow:0 1px 4px #0002}
h1{font-size:1.3rem}label{display:block;margin:.8rem 0}input{display:block;width:100%;box-sizing:border-box;padding:.4rem;margin-top:.2rem}
button{padding:.45rem 1.1rem;margin:.8rem .4rem 0 0}.actions form{display:inline-block}.error{color:#b00020}.hint{color:#666;font-size:.85rem}
</style></head>
<body><main>
${body}
<p class="hint">Development provider: every secret here is public.</p>
</main></body></html>
`;
  res.writeHead(200, {
    'content-type': 'text/html; charset=utf-8',
    'content-length': Buffer.byteLength(html),
    'cache-control': 'no-store',
    'x-frame-options': 'DENY',
    'content-security-policy': "default-src 'none'; style-src 'unsafe-inline'; frame-ancestors 'none'",
  });
  res.end(html);
}

async function readForm(req) {
  const chunks = [];
  let size = 0;
  for await (const chunk of req) {
    size += chunk.length;
    if (size > 16 * 1024) throw Object.assign(new Error('form too large'), { status: 413 });
    chunks.push(chunk);
  }
  return new URLSearchParams(Buffer.concat(chunks).toString('utf8'));
}

function loginPage(res, details, error) {
  const action = `/oidc/interaction/${encodeURIComponent(details.uid)}`;
  sendPage(res, 'Sign in', `<h1>Sign in</h1>
<p>to continue to <strong>${escapeHtml(details.params.client_id)}</strong></p>
${error ? `<p class="error" role="alert">${escapeHtml(error)}</p>` : ''}
<form method="post" action="${action}/login" autocomplete="off">
<label>Email <input name="username" type="email" required autofocus></label>
<label>Password <input name="password" type="password" required></label>
<button type="submit">Sign in</button>
</form>
<form method="post" action="${action}/abort"><button type="submit">Cancel</button></form>
<p class="hint">Test user: ${escapeHtml(USER.email)} / ${escapeHtml(USER_PASSWORD)}</p>`);
}

function consentPage(res, details) {
  const action = `/oidc/interaction/${encodeURIComponent(details.uid)}`;
  const scopes = String(details.params.scope || '').split(' ').filter(Boolean);
  const items = scopes.map((s) => `<li><code>${escapeHtml(s)}</code>: ${escapeHtml(SCOPE_TEXT[s] || s)}</li>`).join('\n');
  sendPage(res, 'Allow access', `<h1>Allow access?</h1>
<p><strong>${escapeHtml(details.params.client_id)}</strong> asks to:</p>
<ul>
${items}
</ul>
<p>Signed in as ${escapeHtml(USER.email)}.</p>
<div class="actions">
<form method="post" action="${action}/confirm"><button type="submit">Allow</button></form>
<form method="post" action="${action}/abort"><button type="submit">Deny</button></form>
</div>`);
}

// The pages of INTERACTIVE_CLIENTS. A POST for a step that is not the current one (the back
// button, a second tab) shows the current step's page again.
async function interactionPage(req, res, details, action) {
  const { prompt, uid } = details;
  const here = `/oidc/interaction/${encodeURIComponent(uid)}`;
  if (req.method === 'GET' && !action) {
    if (prompt.name === 'login') return loginPage(res, details);
    if (prompt.name === 'consent') return consentPage(res, details);
    return provider.interactionFinished(req, res, { error: 'access_denied', error_description: `unsupported prompt ${prompt.name}` }, { mergeWithLastSubmission: false });
  }
  if (req.method !== 'POST' || !action) return sendJson(res, 405, { error: 'method not allowed' });
  const fields = await readForm(req);
  if (action === 'abort') {
    return provider.interactionFinished(req, res, {
      error: 'access_denied',
      error_description: prompt.name === 'login' ? 'the user cancelled the sign-in' : 'the user denied access',
    }, { mergeWithLastSubmission: false });
  }
  if (action === 'login' && prompt.name === 'login') {
    const username = (fields.get('username') || '').trim().toLowerCase();
    if (username !== USER.email || fields.get('password') !== USER_PASSWORD) {
      return loginPage(res, details, 'Wrong email or password.');
    }
    return provider.interactionFinished(req, res, { login: { accountId: USER.sub } }, { mergeWithLastSubmission: false });
  }
  if (action === 'confirm' && prompt.name === 'consent') {
    return provider.interactionFinished(req, res, await grantEverything(details), { mergeWithLastSubmission: true });
  }
  res.writeHead(303, { location: here, 'content-length': 0 });
  return res.end();
}

// ---------------------------------------------------------------------------------------------
// /dev/login: drive a real login against this server over HTTP and return the code.

class CookieJar {
  #cookies = new Map(); // `${host} ${path} ${name}` -> { host, path, name, value }

  store(url, setCookies) {
    for (const line of setCookies) {
      const [pair, ...attrs] = line.split(';');
      const eq = pair.indexOf('=');
      if (eq <= 0) continue;
      const name = pair.slice(0, eq).trim();
      const value = pair.slice(eq + 1).trim();
      let cookiePath = url.pathname.slice(0, url.pathname.lastIndexOf('/')) || '/';
      let expired = false;
      for (const attr of attrs) {
        const [k, ...rest] = attr.split('=');
        const key = k.trim().toLowerCase();
        const v = rest.join('=').trim();
        if (key === 'path' && v.startsWith('/')) cookiePath = v;
        if (key === 'max-age' && Number(v) <= 0) expired = true;
        if (key === 'expires' && Date.parse(v) <= Date.now()) expired = true;
      }
      const id = `${url.host} ${cookiePath} ${name}`;
      if (expired) this.#cookies.delete(id);
      else this.#cookies.set(id, { host: url.host, path: cookiePath, name, value });
    }
  }

  header(url) {
    const matches = [...this.#cookies.values()].filter((c) => c.host === url.host
      && (url.pathname === c.path || url.pathname.startsWith(c.path.endsWith('/') ? c.path : `${c.path}/`)));
    matches.sort((a, b) => b.path.length - a.path.length);
    return matches.map((c) => `${c.name}=${c.value}`).join('; ');
  }
}

function randomToken() {
  return crypto.randomBytes(16).toString('base64url');
}

const LOGIN_PARAMS = new Set(['client_id', 'redirect_uri', 'scope', 'state', 'nonce', 'prompt',
  'code_challenge', 'code_challenge_method', 'response_type']);

function buildAuthorizeUrl(query) {
  const clientId = query.get('client_id');
  if (!clientId) throw Object.assign(new Error('client_id (or authorize_url) is required'), { status: 400 });
  const scope = query.get('scope') || DEFAULT_SCOPE;
  const params = new URLSearchParams({
    client_id: clientId,
    response_type: query.get('response_type') || 'code',
    redirect_uri: query.get('redirect_uri') || DEFAULT_REDIRECT_URI,
    scope,
    state: query.get('state') || randomToken(),
    nonce: query.get('nonce') || randomToken(),
  });
  const prompt = query.get('prompt') ?? (scope.split(' ').includes('offline_access') ? 'consent' : '');
  if (prompt) params.set('prompt', prompt);
  if (query.get('code_challenge')) {
    params.set('code_challenge', query.get('code_challenge'));
    params.set('code_challenge_method', query.get('code_challenge_method') || 'S256');
  }
  // Anything else (login_hint, resource, ...) goes to /oidc/auth unchanged.
  for (const [k, v] of query) if (!LOGIN_PARAMS.has(k) && k !== 'authorize_url') params.append(k, v);
  return new URL(`${ISSUER}/auth?${params}`);
}

async function driveLogin(authorizeUrl) {
  const redirectUri = authorizeUrl.searchParams.get('redirect_uri');
  const redirectTarget = redirectUri && URL.canParse(redirectUri) ? new URL(redirectUri) : null;
  const providerPrefix = authorizeUrl.pathname.slice(0, authorizeUrl.pathname.lastIndexOf('/') + 1);
  const isCallback = (url) => {
    if (redirectTarget && url.origin === redirectTarget.origin && url.pathname === redirectTarget.pathname) return true;
    return url.origin !== authorizeUrl.origin || !url.pathname.startsWith(providerPrefix);
  };

  const jar = new CookieJar();
  let url = authorizeUrl;
  const hops = [];
  for (let i = 0; i < 12; i += 1) {
    const headers = { accept: 'text/html,application/json' };
    const cookie = jar.header(url);
    if (cookie) headers.cookie = cookie;
    let res;
    try {
      res = await fetch(url, { redirect: 'manual', headers });
    } catch (err) {
      return { status: 500, body: { error: 'login_failed', reason: `request to ${url.origin}${url.pathname} failed: ${err.cause?.message || err.message}`, hops } };
    }
    jar.store(url, res.headers.getSetCookie());
    hops.push({ url: `${url.origin}${url.pathname}`, status: res.status });
    const location = res.headers.get('location');
    if (res.status >= 300 && res.status < 400 && location) {
      await res.arrayBuffer().catch(() => {});
      const next = new URL(location, url);
      if (isCallback(next)) return callbackResult(next, hops);
      url = next;
      continue;
    }
    const text = await res.text().catch(() => '');
    let detail = text.slice(0, 2000);
    try { detail = JSON.parse(text); } catch { /* keep the text */ }
    return {
      status: 500,
      body: { error: 'login_failed', reason: `${url.origin}${url.pathname} answered ${res.status} instead of a redirect`, response: detail, hops },
    };
  }
  return { status: 500, body: { error: 'login_failed', reason: 'too many redirects', hops } };
}

function callbackResult(callback, hops) {
  let params = callback.searchParams;
  if (!params.has('code') && !params.has('error') && callback.hash) {
    params = new URLSearchParams(callback.hash.slice(1));
  }
  const callbackUrl = callback.href;
  if (params.get('code')) {
    return {
      status: 200,
      body: { code: params.get('code'), state: params.get('state'), iss: params.get('iss'), callback_url: callbackUrl },
    };
  }
  return {
    status: 500,
    body: {
      error: params.get('error') || 'login_failed',
      error_description: params.get('error_description'),
      reason: params.get('error')
        ? `authorization error ${params.get('error')}: ${params.get('error_description') || ''}`.trim()
        : 'the callback carries no code',
      state: params.get('state'),
      iss: params.get('iss'),
      callback_url: callbackUrl,
      hops,
    },
  };
}

async function handleDevLogin(req, res, url) {
  let authorizeUrl;
  const given = url.searchParams.get('authorize_url');
  try {
    if (given) {
      if (!URL.canParse(given)) throw Object.assign(new Error('authorize_url is not an absolute URL'), { status: 400 });
      authorizeUrl = new URL(given);
    } else {
      authorizeUrl = buildAuthorizeUrl(url.searchParams);
    }
  } catch (err) {
    sendJson(res, err.status || 400, { error: 'invalid_request', reason: err.message });
    return;
  }
  const clientId = authorizeUrl.searchParams.get('client_id');
  if (INTERACTIVE_CLIENTS.has(clientId)) {
    sendJson(res, 400, {
      error: 'invalid_request',
      reason: `${clientId} signs in through real pages (a sign-in form and a consent page): open the authorize URL in a browser`,
    });
    return;
  }
  const { status, body } = await driveLogin(authorizeUrl);
  sendJson(res, status, body);
}

// ---------------------------------------------------------------------------------------------
// /dev/device-approve?user_code=...[&deny=1]: the fixed user approves (or denies) a device
// authorization without any page, granting every scope the device asked for.

async function handleDeviceApprove(res, url) {
  const userCode = url.searchParams.get('user_code');
  if (!userCode) return sendJson(res, 400, { error: 'invalid_request', error_description: 'user_code is required' });
  // oidc-provider keeps user codes normalised: upper case, word characters only.
  const code = await provider.DeviceCode.findByUserCode(userCode.toUpperCase().replace(/\W/g, ''));
  if (!code || code.isExpired) return sendJson(res, 404, { error: 'not_found', error_description: 'no such pending user_code' });
  if (url.searchParams.get('deny')) {
    code.error = 'access_denied';
    code.errorDescription = 'the user denied the device';
  } else {
    const grant = new provider.Grant({ accountId: USER.sub, clientId: code.clientId });
    // What the device asked for at device/auth; oidc-provider sets it at the end of the pages.
    const scope = code.params?.scope ?? '';
    if (scope) grant.addOIDCScope(scope);
    code.scope = scope;
    code.grantId = await grant.save();
    code.accountId = USER.sub;
    code.authTime = Math.floor(Date.now() / 1000);
  }
  await code.save();
  return sendJson(res, 200, { approved: !url.searchParams.get('deny'), client_id: code.clientId });
}

// ---------------------------------------------------------------------------------------------
// HTTP front: /oidc/* to oidc-provider, /oidc/interaction/:uid and /dev/* handled here.

function sendJson(res, status, body) {
  const data = JSON.stringify(body);
  res.writeHead(status, {
    'content-type': 'application/json; charset=utf-8',
    'content-length': Buffer.byteLength(data),
    'cache-control': 'no-store',
  });
  res.end(data);
}

async function route(req, res) {
  const url = new URL(req.url, ORIGIN);
  const { pathname } = url;
  if (opts.verbose) process.stderr.write(`devprovider: ${req.method} ${pathname}\n`);

  const interaction = /^\/oidc\/interaction\/([^/]+)(?:\/(login|confirm|abort))?$/.exec(pathname);
  if (interaction) {
    if (req.method !== 'GET' && req.method !== 'POST') return sendJson(res, 405, { error: 'method not allowed' });
    return handleInteraction(req, res, decodeURIComponent(interaction[1]), interaction[2]);
  }

  if (pathname === '/oidc' || pathname.startsWith('/oidc/')) {
    // Mount: oidc-provider sees the path without /oidc and finds the mount point from
    // originalUrl, so the URLs it builds keep the prefix.
    req.originalUrl = req.url;
    req.url = req.url.slice('/oidc'.length) || '/';
    return providerCallback(req, res);
  }

  if (pathname === '/dev/login') {
    if (req.method !== 'GET') return sendJson(res, 405, { error: 'method not allowed' });
    return handleDevLogin(req, res, url);
  }
  if (pathname === '/dev/device-approve') {
    if (req.method !== 'GET' && req.method !== 'POST') return sendJson(res, 405, { error: 'method not allowed' });
    return handleDeviceApprove(res, url);
  }
  if (pathname === '/dev/requests') {
    if (req.method === 'GET') return sendJson(res, 200, records);
    if (req.method === 'DELETE') {
      records = [];
      return sendJson(res, 200, { cleared: true });
    }
    return sendJson(res, 405, { error: 'method not allowed' });
  }
  if (pathname === '/dev/requests/reset') {
    if (req.method !== 'POST') return sendJson(res, 405, { error: 'method not allowed' });
    records = [];
    return sendJson(res, 200, { cleared: true });
  }
  return sendJson(res, 404, { error: 'not_found', path: pathname });
}

const server = http.createServer((req, res) => {
  route(req, res).catch((err) => {
    const status = err?.statusCode || err?.status || 500;
    if (status >= 500) process.stderr.write(`devprovider: ${req.method} ${req.url}: ${err?.stack || err}\n`);
    if (!res.headersSent) {
      sendJson(res, status, { error: err?.error || 'server_error', error_description: err?.error_description || err?.message });
    } else {
      res.destroy();
    }
  });
});

function shutdown() {
  server.close(() => process.exit(0));
  server.closeAllConnections();
  setTimeout(() => process.exit(0), 2000).unref();
}
process.on('SIGTERM', shutdown);
process.on('SIGINT', shutdown);

server.on('error', (err) => {
  process.stderr.write(`devprovider: cannot listen on 127.0.0.1:${port}: ${err.message}\n`);
  process.exit(1);
});

server.listen(port, '127.0.0.1', () => {
  if (opts.portFile) {
    const target = path.resolve(opts.portFile);
    const temp = `${target}.${process.pid}.tmp`;
    fs.writeFileSync(temp, `${port}\n`);
    fs.renameSync(temp, target);
  }
  process.stdout.write(`${JSON.stringify({ ready: true, port, issuer: ISSUER })}\n`);
});
