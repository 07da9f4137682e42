// The refresh-token workload through openid-client (v6) on Node, for the benchmark.
//
// One Configuration built from hand-made server metadata {issuer, token_endpoint}
// (client_secret_post, allowInsecureRequests for the http loopback server), or, with --verify,
// from discovery, as an app would against a real provider. Each call is
// refreshTokenGrant(config, refreshToken); openid-client checks the id_token's claims (iss,
// aud, exp, iat) but not its signature.
//
// "N callers" are N concurrent async loops on the one event loop thread (each awaits its call
// before starting the next), sharing the global fetch (undici) keep-alive pool.
//
// Modes: "full" (first call, warm latency, throughput) and "cold" (first call only). Same
// command line and one-line JSON output as the other bench programs. Every result is checked
// for an access_token; anything else counts as an error.

import { readFileSync } from 'node:fs';

const started = performance.now();

function parseArgs(argv) {
  const o = {
    mode: 'full', warmup: 200, calls: 2000, levels: [1, 8, 32], seconds: 3, maxSeconds: 20,
    maxCalls: 1_000_000, verify: false,
  };
  for (let i = 0; i < argv.length; i += 1) {
    const arg = argv[i];
    if (arg === '--verify') { o.verify = true; continue; }
    const value = argv[i + 1];
    if (value === undefined) throw new Error(`${arg} needs a value`);
    i += 1;
    switch (arg) {
      case '--app-host': o.appHost = value.replace(/\/+$/, ''); break;
      case '--client-id': o.clientId = value; break;
      case '--client-secret': o.clientSecret = value; break;
      case '--refresh-token': o.refreshToken = value; break;
      case '--mode': o.mode = value; break;
      case '--warmup': o.warmup = Number(value); break;
      case '--calls': o.calls = Number(value); break;
      case '--levels': o.levels = value.split(',').filter(Boolean).map(Number); break;
      case '--seconds': o.seconds = Number(value); break;
      case '--max-seconds': o.maxSeconds = Number(value); break;
      case '--max-calls': o.maxCalls = Number(value); break;
      default: throw new Error(`unknown argument ${arg}`);
    }
  }
  if (!o.appHost) throw new Error('--app-host is required');
  return o;
}

const o = parseArgs(process.argv.slice(2));
const errors = { count: 0, first: undefined };

async function run(call) {
  try {
    const tokens = await call();
    if (typeof tokens.access_token === 'string' && tokens.access_token.length > 0) return true;
    throw new Error('no access_token');
  } catch (e) {
    errors.count += 1;
    if (errors.first === undefined) errors.first = `${e?.name}: ${e?.message}`.slice(0, 400);
    return false;
  }
}

function percentile(sorted, p) {
  if (sorted.length === 0) return NaN;
  const rank = Math.ceil((p / 100) * sorted.length);
  return sorted[Math.min(Math.max(rank, 1), sorted.length) - 1];
}

const client = await import('openid-client');
let config;
if (o.verify) {
  config = await client.discovery(new URL(`${o.appHost}/oidc`), o.clientId, o.clientSecret,
    client.ClientSecretPost(o.clientSecret), { execute: [client.allowInsecureRequests] });
} else {
  config = new client.Configuration(
    { issuer: `${o.appHost}/oidc`, token_endpoint: `${o.appHost}/oidc/token` },
    o.clientId, o.clientSecret, client.ClientSecretPost(o.clientSecret));
  client.allowInsecureRequests(config);
}
const call = () => client.refreshTokenGrant(config, o.refreshToken);
const setupMs = performance.now() - started;

const firstOk = await run(call);
const out = {
  first_result_epoch_ms: performance.timeOrigin + performance.now(),
  first_call_ms: Number((performance.now() - started).toFixed(3)),
  setup_ms: Number(setupMs.toFixed(3)),
  first_ok: firstOk,
};

if (o.mode === 'full') {
  const boundMs = o.maxSeconds * 1000;
  let t = performance.now();
  for (let i = 0; i < o.warmup && performance.now() - t < boundMs; i += 1) await run(call);
  const samples = [];
  t = performance.now();
  const cpu0 = process.cpuUsage();
  for (let i = 0; i < o.calls && performance.now() - t < boundMs; i += 1) {
    const s = performance.now();
    await run(call);
    samples.push((performance.now() - s) * 1000);
  }
  const cpu = process.cpuUsage(cpu0);
  samples.sort((a, b) => a - b);
  out.lat_calls = samples.length;
  out.lat_p50_us = Number(percentile(samples, 50).toFixed(2));
  out.lat_p99_us = Number(percentile(samples, 99).toFixed(2));
  out.cpu_us_per_call = Number(((cpu.user + cpu.system) / Math.max(samples.length, 1)).toFixed(2));
  out.lat_mean_us = Number((samples.reduce((a, b) => a + b, 0) / Math.max(samples.length, 1)).toFixed(2));
  out.tput = {};
  for (const n of o.levels) {
    let stop = false;
    const cap = Math.floor(o.maxCalls / n) + 1;
    const start = performance.now();
    const timer = setTimeout(() => { stop = true; }, Math.min(o.seconds, o.maxSeconds) * 1000);
    const done = await Promise.all(Array.from({ length: n }, async () => {
      let k = 0;
      while (!stop && k < cap) if (await run(call)) k += 1;
      return k;
    }));
    clearTimeout(timer);
    const elapsed = (performance.now() - start) / 1000;
    out.tput[String(n)] = Number((done.reduce((a, b) => a + b, 0) / elapsed).toFixed(1));
  }
}
out.errors = errors.count;
if (errors.first) out.first_error = errors.first;
// VmHWM from /proc: getrusage's maxRSS carries over across exec (a child of a bigger process
// would report its parent's peak).
const hwm = /VmHWM:\s+(\d+)/.exec(readFileSync('/proc/self/status', 'utf8'));
out.peak_rss_kb = hwm ? Number(hwm[1]) : -1;
process.stdout.write(`${JSON.stringify(out)}\n`);
process.exit(0);
