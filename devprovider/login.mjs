// Log the fixed test user in at a running development provider and print the authorization code.
//
//   node login.mjs --port N [--client-id X] [--scope S] [--code-challenge C] [--pkce]
//                  [--redirect-uri U] [--state S] [--nonce N] [--prompt P] [--authorize-url URL]
//
// Prints the JSON answer of GET /dev/login: {"code","state","iss","callback_url"}. With --pkce a
// fresh S256 verifier/challenge pair is made and "code_verifier" is added to the output.
// Exit status 0 on success, 1 when the login failed (the JSON then says why), 2 on bad usage.

import * as crypto from 'node:crypto';

function usage(message) {
  if (message) process.stderr.write(`login.mjs: ${message}\n`);
  process.stderr.write('usage: node login.mjs --port N [--client-id X] [--scope S] '
    + '[--code-challenge C | --pkce] [--redirect-uri U] [--state S] [--nonce N] [--prompt P] '
    + '[--authorize-url URL]\n');
  process.exit(message ? 2 : 0);
}

const flags = {
  '--port': 'port',
  '--client-id': 'client_id',
  '--scope': 'scope',
  '--code-challenge': 'code_challenge',
  '--code-challenge-method': 'code_challenge_method',
  '--redirect-uri': 'redirect_uri',
  '--state': 'state',
  '--nonce': 'nonce',
  '--prompt': 'prompt',
  '--authorize-url': 'authorize_url',
};

const opts = {};
let pkce = false;
const argv = process.argv.slice(2);
for (let i = 0; i < argv.length; i += 1) {
  let arg = argv[i];
  let inline;
  if (arg.startsWith('--') && arg.includes('=')) {
    inline = arg.slice(arg.indexOf('=') + 1);
    arg = arg.slice(0, arg.indexOf('='));
  }
  if (arg === '-h' || arg === '--help') usage();
  if (arg === '--pkce') {
    pkce = true;
  } else if (flags[arg]) {
    if (inline === undefined) {
      i += 1;
      if (i >= argv.length) usage(`${arg} needs a value`);
      inline = argv[i];
    }
    opts[flags[arg]] = inline;
  } else {
    usage(`unknown argument ${argv[i]}`);
  }
}

const port = opts.port ?? process.env.PORT;
delete opts.port;
if (!port || !/^\d+$/.test(port)) usage('--port N is required');

let codeVerifier;
if (pkce) {
  if (opts.code_challenge) usage('--pkce and --code-challenge exclude each other');
  codeVerifier = crypto.randomBytes(32).toString('base64url');
  opts.code_challenge = crypto.createHash('sha256').update(codeVerifier).digest('base64url');
  opts.code_challenge_method = 'S256';
}
if (!opts.authorize_url && !opts.client_id) opts.client_id = 'app-post';

const url = `http://127.0.0.1:${port}/dev/login?${new URLSearchParams(opts)}`;
let res;
try {
  res = await fetch(url);
} catch (err) {
  process.stderr.write(`login.mjs: cannot reach ${url}: ${err.cause?.message || err.message}\n`);
  process.exit(1);
}
const body = await res.json().catch(() => ({ error: `non-JSON answer, HTTP ${res.status}` }));
if (codeVerifier && res.ok) body.code_verifier = codeVerifier;
process.stdout.write(`${JSON.stringify(body)}\n`);
process.exit(res.ok ? 0 : 1);
