// A Connect client (@connectrpc/connect-node, @bufbuild/protobuf) over
// proto/pyroscope's descriptors, against `cprofiler serve`: every querier
// route in the binary and then the JSON encoding, each answer checked
// against what tests/e2e/querier_test.sh saved from cprofiler itself (top,
// merge --format folded, /api/series, /api/merge). Environment:
// QUERIER_URL, TOKEN, DESCRIPTORS (protoc --descriptor_set_out), DATA (the
// saved answers), FROM_MS, TO_MS. Exits non-zero on the first mismatch.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';

import { createFileRegistry, equals, fromBinary } from '@bufbuild/protobuf';
import { FileDescriptorSetSchema } from '@bufbuild/protobuf/wkt';
import { Code, ConnectError, createClient } from '@connectrpc/connect';
import { createConnectTransport } from '@connectrpc/connect-node';

const env = (name) => {
  const v = process.env[name];
  if (!v) throw new Error(`${name} is not set`);
  return v;
};
const URL = env('QUERIER_URL');
const TOKEN = env('TOKEN');
const DATA = env('DATA');
const FROM = BigInt(env('FROM_MS'));
const TO = BigInt(env('TO_MS'));

const registry = createFileRegistry(fromBinary(FileDescriptorSetSchema, readFileSync(env('DESCRIPTORS'))));
const Querier = registry.getService('querier.v1.QuerierService');
const ProfileSchema = registry.getMessage('google.v1.Profile');
assert.ok(Querier && ProfileSchema, 'the descriptors lack the querier service or google.v1.Profile');

const CPU = 'process_cpu:cpu:nanoseconds:cpu:nanoseconds';
const IDS = {
  profile_cpu: CPU,
  heap_inuse_space: 'memory:inuse_space:bytes:space:bytes',
  mutex_delay: 'mutex:delay:nanoseconds:contentions:count',
};

function clientFor(useBinaryFormat, authorization) {
  const transport = createConnectTransport({
    baseUrl: URL,
    httpVersion: '1.1',
    useBinaryFormat,
    interceptors: [(next) => async (req) => {
      req.header.set('Authorization', authorization);
      return next(req);
    }],
  });
  return createClient(Querier, transport);
}

// --- what cprofiler's own commands said ---------------------------------------

const UNITS = {
  ns: 1, us: 1e3, 'µs': 1e3, ms: 1e6, s: 1e9, hrs: 3600e9,
  B: 1, kB: 2 ** 10, MB: 2 ** 20, GB: 2 ** 30, TB: 2 ** 40, '': 1,
};
// A value as pprof prints it ("12.87s", "512.02kB", "0"), and its
// precision (half its last digit) in the smallest unit.
function parseValue(text) {
  const m = /^(-?[0-9.]+)([a-zA-Zµ]*)$/.exec(text);
  assert.ok(m && m[2] in UNITS, `a value pprof prints: "${text}"`);
  const decimals = (m[1].split('.')[1] || '').length;
  return { value: Number(m[1]) * UNITS[m[2]], slack: 0.5 * 10 ** -decimals * UNITS[m[2]] + 1e-9 };
}

// `cprofiler top`'s text: its total and rows (name, flat).
function readTop(sampleType) {
  const text = readFileSync(join(DATA, `top.${sampleType}`), 'utf8');
  const total = /of (\S+) total/.exec(text);
  assert.ok(total, `top.${sampleType} has no total line:\n${text}`);
  const lines = text.split('\n');
  const header = lines.findIndex((l) => /^\s*flat\s+flat%/.test(l));
  const rows = [];
  for (const line of lines.slice(header + 1)) {
    const f = line.trim().split(/\s+/);
    if (f.length < 6) continue;
    rows.push({ name: f.slice(5).join(' ').replace(/ \((partial-)?inline\)$/, ''), flat: parseValue(f[0]) });
  }
  return { total: parseValue(total[1]), rows };
}

// `cprofiler merge --format folded`: exact total and flat per leaf name.
function readFolded(sampleType) {
  let total = 0n;
  const flat = new Map();
  for (const line of readFileSync(join(DATA, `folded.${sampleType}`), 'utf8').split('\n')) {
    if (!line) continue;
    const at = line.lastIndexOf(' ');
    const value = BigInt(line.slice(at + 1));
    const leaf = line.slice(0, at).split(';').pop();
    total += value;
    flat.set(leaf, (flat.get(leaf) || 0n) + value);
  }
  return { total, flat };
}

// --- the flame graph's shape ----------------------------------------------------

// Every node: its level, name, total and self, from Pyroscope's quadruples.
function nodesOf(fg) {
  const out = [];
  fg.levels.forEach((level, depth) => {
    const v = level.values;
    assert.equal(v.length % 4, 0, `level ${depth}: not quadruples`);
    for (let i = 0; i < v.length; i += 4) {
      assert.ok(v[i] >= 0n, `level ${depth}: a negative x offset`);
      out.push({ depth, name: fg.names[Number(v[i + 3])], total: v[i + 1], self: v[i + 2] });
    }
  });
  return out;
}

function selfByName(fg) {
  const self = new Map();
  for (const n of nodesOf(fg)) self.set(n.name, (self.get(n.name) || 0n) + n.self);
  return self;
}

async function checkFlameGraph(client, sampleType, label) {
  const resp = await client.selectMergeStacktraces({
    profileTypeID: IDS[sampleType], labelSelector: '{service_name="api"}', start: FROM, end: TO,
  });
  const fg = resp.flamegraph;
  assert.ok(fg, `${label} ${sampleType}: no flame graph`);
  assert.equal(fg.names[0], 'total');
  assert.deepEqual(nodesOf(fg)[0], { depth: 0, name: 'total', total: fg.total, self: 0n });

  const folded = readFolded(sampleType);
  assert.equal(fg.total, folded.total, `${label} ${sampleType}: total vs merge --format folded`);
  const self = selfByName(fg);
  for (const [name, value] of folded.flat) {
    assert.equal(self.get(name) || 0n, value, `${label} ${sampleType}: ${name}'s flat vs folded`);
  }
  const top = readTop(sampleType);
  assert.ok(Math.abs(Number(fg.total) - top.total.value) <= top.total.slack,
    `${label} ${sampleType}: total ${fg.total} vs top's ${top.total.value}`);
  for (const row of top.rows) {
    const got = Number(self.get(row.name) || 0n);
    assert.ok(Math.abs(got - row.flat.value) <= row.flat.slack,
      `${label} ${sampleType}: ${row.name}: flat ${got} vs top's ${row.flat.value}`);
  }
  if (top.rows.length > 0 && top.rows[0].flat.value > 0) {
    const largest = [...self].filter(([n]) => n !== 'total').sort((a, b) => (a[1] < b[1] ? 1 : a[1] > b[1] ? -1 : 0))[0];
    assert.equal(Number(largest[1]), Number(self.get(top.rows[0].name)),
      `${label} ${sampleType}: top's first row ${top.rows[0].name} is not the largest self`);
  }
  return fg;
}

// max_nodes by Pyroscope's rule: the nodes whose total is at least the
// max_nodes-th largest stay; the rest fold into "other"; totals still add up.
async function checkMaxNodes(client, full, label) {
  const totals = nodesOf(full).filter((n) => n.depth > 0).map((n) => n.total).sort((a, b) => (a < b ? 1 : a > b ? -1 : 0));
  if (totals.length <= 5) return;
  const minValue = totals[4];
  const resp = await client.selectMergeStacktraces({
    profileTypeID: CPU, labelSelector: '{service_name="api"}', start: FROM, end: TO, maxNodes: 5n,
  });
  const capped = resp.flamegraph;
  assert.equal(capped.total, full.total, `${label}: max_nodes changed the total`);
  const kept = nodesOf(capped).filter((n) => n.depth > 0 && n.name !== 'other');
  assert.equal(kept.length, totals.filter((t) => t >= minValue).length, `${label}: nodes kept under max_nodes 5`);
  for (const n of kept) assert.ok(n.total >= minValue, `${label}: ${n.name} (${n.total}) kept below ${minValue}`);
  assert.ok(capped.names.includes('other'), `${label}: nothing folded into "other"`);
}

async function checkSeries(client, sampleType, id, aggregation, label) {
  const want = JSON.parse(readFileSync(join(DATA, `series.${sampleType}.json`), 'utf8'));
  const resp = await client.selectSeries({
    profileTypeID: id, labelSelector: '{}', start: FROM, end: TO, groupBy: ['service_name'], step: 1,
    aggregation,
  });
  assert.equal(resp.series.length, want.length, `${label} ${sampleType}: series count`);
  assert.ok(want.length > 0, `${label} ${sampleType}: /api/series is empty`);
  want.forEach((w, i) => {
    const got = resp.series[i];
    assert.deepEqual(got.labels.map((l) => [l.name, l.value]), [['service_name', w.Group]]);
    assert.deepEqual(got.points.map((p) => [Number(p.timestamp), p.value]), w.Points,
      `${label} ${sampleType}: ${w.Group}'s points`);
  });
}

async function checkMergeProfile(client, sampleType, label) {
  const want = gunzipSync(readFileSync(join(DATA, `merge.${sampleType}.pb.gz`)));
  const got = await client.selectMergeProfile({
    profileTypeID: IDS[sampleType], labelSelector: '{service_name="api"}', start: FROM, end: TO,
  });
  assert.ok(equals(ProfileSchema, got, fromBinary(ProfileSchema, want)),
    `${label} ${sampleType}: SelectMergeProfile's profile differs from /api/merge's`);
  assert.ok(got.sample.length > 0 || sampleType !== 'profile_cpu', `${label}: an empty cpu profile`);
}

// The raw application/proto answer, byte for byte.
async function checkMergeProfileBytes(sampleType) {
  const want = gunzipSync(readFileSync(join(DATA, `merge.${sampleType}.pb.gz`)));
  // profile_typeID 1 and label_selector 2 (strings), start 3 and end 4
  // (varints): written by hand, as a client of another language would.
  const body = Buffer.concat([
      protoString(1, IDS[sampleType]), protoString(2, '{service_name="api"}'),
      protoVarint(3, FROM), protoVarint(4, TO),
    ]);
  const resp = await fetch(`${URL}/querier.v1.QuerierService/SelectMergeProfile`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/proto', Authorization: `Bearer ${TOKEN}` },
    body,
  });
  assert.equal(resp.status, 200);
  assert.equal(resp.headers.get('content-type'), 'application/proto');
  const got = Buffer.from(await resp.arrayBuffer());
  assert.ok(got.equals(want), `${sampleType}: SelectMergeProfile's bytes differ from gunzipped /api/merge's`);
}

function varint(n) {
  const out = [];
  let v = BigInt(n);
  do {
    let b = Number(v & 0x7fn);
    v >>= 7n;
    if (v) b |= 0x80;
    out.push(b);
  } while (v);
  return Buffer.from(out);
}
const protoVarint = (field, n) => Buffer.concat([varint(field << 3), varint(n)]);
function protoString(field, s) {
  const bytes = Buffer.from(s);
  return Buffer.concat([varint((field << 3) | 2), varint(bytes.length), bytes]);
}

async function expectCode(promise, code, text, label) {
  try {
    await promise;
  } catch (e) {
    assert.ok(e instanceof ConnectError, `${label}: not a ConnectError: ${e}`);
    assert.equal(e.code, code, `${label}: code ${Code[e.code]}: ${e.rawMessage}`);
    assert.ok(e.rawMessage.includes(text), `${label}: message "${e.rawMessage}" lacks "${text}"`);
    return;
  }
  assert.fail(`${label}: no error`);
}

async function suite(useBinaryFormat) {
  const label = useBinaryFormat ? 'proto' : 'json';
  const client = clientFor(useBinaryFormat, `Bearer ${TOKEN}`);

  const types = await client.profileTypes({ start: FROM, end: TO });
  const ids = types.profileTypes.map((t) => t.ID);
  for (const id of [...Object.values(IDS), 'process_cpu:samples:count:cpu:nanoseconds',
    'memory:alloc_space:bytes:space:bytes', 'goroutine:goroutine:count:goroutine:count']) {
    assert.ok(ids.includes(id), `${label}: ProfileTypes lacks ${id}: ${ids}`);
  }
  const cpu = types.profileTypes.find((t) => t.ID === CPU);
  assert.deepEqual([cpu.name, cpu.sampleType, cpu.sampleUnit, cpu.periodType, cpu.periodUnit],
    ['process_cpu', 'cpu', 'nanoseconds', 'cpu', 'nanoseconds']);

  const names = await client.labelNames({ matchers: [], start: FROM, end: TO });
  for (const n of ['__name__', '__profile_type__', 'env', 'service_name']) {
    assert.ok(names.names.includes(n), `${label}: LabelNames lacks ${n}: ${names.names}`);
  }
  const apps = await client.labelValues({ name: 'service_name', matchers: [], start: FROM, end: TO });
  assert.deepEqual(apps.names, ['api', 'worker']);
  const prod = await client.labelValues({ name: 'service_name', matchers: ['{env=~"prod.*"}'], start: FROM, end: TO });
  assert.deepEqual(prod.names, ['api']);

  const series = await client.series({
    matchers: ['{service_name="worker", __profile_type__="goroutine:goroutine:count:goroutine:count"}'],
    labelNames: [], start: FROM, end: TO,
  });
  assert.equal(series.labelsSet.length, 1, `${label}: Series of one target and type`);
  const set = Object.fromEntries(series.labelsSet[0].labels.map((l) => [l.name, l.value]));
  assert.equal(set.env, 'staging');
  assert.equal(set.__name__, 'goroutine');

  const fg = await checkFlameGraph(client, 'profile_cpu', label);
  await checkFlameGraph(client, 'heap_inuse_space', label);
  await checkFlameGraph(client, 'mutex_delay', label);  // cumulative: intervals, as top
  await checkMaxNodes(client, fg, label);
  await checkSeries(client, 'profile_cpu', CPU, 0, label);
  await checkSeries(client, 'heap_alloc_space', 'memory:alloc_space:bytes:space:bytes', 1, label);
  await checkMergeProfile(client, 'profile_cpu', label);
  await checkMergeProfile(client, 'mutex_delay', label);

  await expectCode(client.selectMergeStacktraces({
    profileTypeID: 'nonesuch:cpu:nanoseconds:cpu:nanoseconds', labelSelector: '{}', start: FROM, end: TO,
  }), Code.InvalidArgument, 'unknown profile type', `${label} unknown type`);
  await expectCode(client.selectSeries({
    profileTypeID: CPU, labelSelector: '{service_name=~"("}', start: FROM, end: TO, step: 1,
  }), Code.InvalidArgument, 'label selector', `${label} bad regex`);
  await expectCode(client.labelNames({ matchers: ['{service_name="api"'], start: FROM, end: TO }),
    Code.InvalidArgument, 'label selector', `${label} malformed selector`);
  await expectCode(clientFor(useBinaryFormat, 'Bearer wrong').profileTypes({}),
    Code.Unauthenticated, '', `${label} wrong token`);
  console.log(`ok: ${label}: every route`);
}

await suite(true);
await suite(false);
await checkMergeProfileBytes('profile_cpu');
await checkMergeProfileBytes('mutex_delay');
console.log('ok: SelectMergeProfile\'s application/proto bytes are /api/merge\'s, gunzipped');
