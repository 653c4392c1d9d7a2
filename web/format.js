// Formatting of sample values (by pprof unit), times and axis ticks.
//
// Values are printed by pprof's rules (internal/measurement: Scale,
// ScaledLabel, Percentage), as the C++ side prints them (src/pprof/units.h):
// both are checked against tests/data/format_cases.json.

// pprof's unit types: each unit's name, the aliases it is known by, and its
// size in the type's smallest unit; `fallback` is the unit a value is shown
// in when asked for one the type does not know.
const UNIT_TYPES = [
  {
    units: [
      { name: 'B', aliases: ['b', 'byte'], factor: 1 },
      { name: 'kB', aliases: ['kb', 'kbyte', 'kilobyte'], factor: 2 ** 10 },
      { name: 'MB', aliases: ['mb', 'mbyte', 'megabyte'], factor: 2 ** 20 },
      { name: 'GB', aliases: ['gb', 'gbyte', 'gigabyte'], factor: 2 ** 30 },
      { name: 'TB', aliases: ['tb', 'tbyte', 'terabyte'], factor: 2 ** 40 },
      { name: 'PB', aliases: ['pb', 'pbyte', 'petabyte'], factor: 2 ** 50 },
    ],
    fallback: { name: 'B', factor: 1 },
  },
  {
    units: [
      { name: 'ns', aliases: ['ns', 'nanosecond'], factor: 1 },
      { name: 'us', aliases: ['\u03bcs', 'us', 'microsecond'], factor: 1e3 },
      { name: 'ms', aliases: ['ms', 'millisecond'], factor: 1e6 },
      { name: 's', aliases: ['s', 'sec', 'second'], factor: 1e9 },
      { name: 'hrs', aliases: ['hour', 'hr'], factor: 3600e9 },
    ],
    fallback: { name: 's', factor: 1e9 },
  },
  {
    units: [
      { name: 'n*GCU', aliases: ['nanogcu'], factor: 1e-9 },
      { name: 'u*GCU', aliases: ['microgcu'], factor: 1e-6 },
      { name: 'm*GCU', aliases: ['milligcu'], factor: 1e-3 },
      { name: 'GCU', aliases: ['gcu'], factor: 1 },
      { name: 'k*GCU', aliases: ['kilogcu'], factor: 1e3 },
      { name: 'M*GCU', aliases: ['megagcu'], factor: 1e6 },
      { name: 'G*GCU', aliases: ['gigagcu'], factor: 1e9 },
      { name: 'T*GCU', aliases: ['teragcu'], factor: 1e12 },
      { name: 'P*GCU', aliases: ['petagcu'], factor: 1e15 },
    ],
    fallback: { name: 'GCU', factor: 1 },
  },
];

// pprof's sniffUnit: the unit of `type` that `name` means (lower-cased, a
// plural "s" dropped from names longer than 2), or undefined.
function sniffUnit(type, name) {
  let u = name.toLowerCase();
  if (u.length > 2 && u.endsWith('s')) u = u.slice(0, -1);
  return type.units.find((unit) => unit.aliases.includes(u));
}

// The unit pprof's "auto" picks for `magnitude` in `unit`: {divisor, suffix},
// where divisor is in `unit`s (the largest unit that keeps the value >= 1).
// Values in a unit of no known type are not scaled (suffix '').
export function scaleFor(magnitude, unit) {
  const abs = Math.abs(magnitude);
  for (const type of UNIT_TYPES) {
    const from = sniffUnit(type, unit);
    if (!from) continue;
    const v = abs * from.factor;
    let best = null;
    for (const u of type.units) {
      if ((!best || u.factor >= best.factor) && v / u.factor >= 1) best = u;
    }
    best = best ?? type.fallback;
    return { divisor: best.factor / from.factor, suffix: best.name };
  }
  return { divisor: 1, suffix: '' };
}

// C's and Go's "%.2f": as toFixed(2), but an exact tie (x * 100 ending in .5
// exactly, i.e. x a multiple of 1/8 but not of 1/4) rounds to even, where
// toFixed rounds away from zero.
function fixed2(x) {
  const abs = Math.abs(x);
  if (!Number.isInteger(abs * 8) || Number.isInteger(abs * 4)) return x.toFixed(2);
  let n = Math.floor(abs * 100);
  if (n % 2 === 1) n += 1;
  const s = `${Math.floor(n / 100)}.${String(n % 100).padStart(2, '0')}`;
  return x < 0 ? `-${s}` : s;
}

// pprof's ScaledLabel's number: "%.2f" without a ".00" (and never "-0").
function scaledNumber(x) {
  const s = fixed2(x).replace(/\.00$/, '');
  return s === '-0' ? '0' : s;
}

// A value in a pprof unit ("bytes", "nanoseconds", "count", ...) as pprof
// prints it with unit "auto": 1.50MB, 230ms, 12345, 2hrs.
export function formatValue(value, unit) {
  if (!Number.isFinite(value)) return '–';
  const scale = scaleFor(value, unit);
  const number = scaledNumber(value / scale.divisor);
  return number === '0' ? '0' : number + scale.suffix;
}

// A signed difference: +1.50MB, -230ms.
export function formatDelta(value, unit) {
  if (value === 0) return '0';
  return (value > 0 ? '+' : '-') + formatValue(Math.abs(value), unit);
}

// C's and Go's "%.2g" for 0 <= x < 1: two significant digits, trailing zeros
// dropped, exponent form below 1e-4 ("1e-05").
function general2(x) {
  if (x === 0) return '0';
  const [mantissa, exponent] = x.toExponential(1).split('e');
  const e = Number(exponent);
  if (e < -4) {
    const m = mantissa.replace(/\.?0+$/, '');
    return `${m}e${e < 0 ? '-' : '+'}${String(Math.abs(e)).padStart(2, '0')}`;
  }
  return x.toFixed(Math.max(0, 1 - e)).replace(/(\.\d*?)0+$/, '$1').replace(/\.$/, '');
}

// pprof's Percentage: `value` as a share of `total`, "  100%", "49.94%",
// "  0.1%", "1e-05%" (padded to 5 characters before the "%").
export function percentage(value, total) {
  const ratio = total ? Math.abs(value / total) * 100 : 0;
  if (ratio >= 99.95 && ratio <= 100.05) return '  100%';
  const number = ratio >= 1 ? ratio.toFixed(2) : general2(ratio);
  return `${number.padStart(5)}%`;
}

// About `count` round tick values from 0 up to the first one >= max.
export function niceTicks(max, count = 5) {
  if (!(max > 0)) return [0];
  const rough = max / count;
  const power = 10 ** Math.floor(Math.log10(rough));
  const step = [1, 2, 2.5, 5, 10].map((m) => m * power).find((s) => s >= rough);
  const ticks = [0];
  while (ticks[ticks.length - 1] < max) ticks.push(Number((ticks.length * step).toPrecision(12)));
  return ticks;
}

// Y axis for values in `unit` up to `max`: {top, ticks:[{value,label}]}, with
// ticks round in the displayed unit (0, 20MB, 40MB rather than 0, 19.1MB).
export function valueAxis(max, unit) {
  const scale = scaleFor(max, unit);
  const scaledMax = (max > 0 ? max : 1) / scale.divisor;
  const ticks = niceTicks(scaledMax * 1.05, 4);
  return {
    top: ticks[ticks.length - 1] * scale.divisor,
    ticks: ticks.map((t) => ({
      value: t * scale.divisor,
      label: t === 0 ? '0' : scaledNumber(t) + scale.suffix,
    })),
  };
}

const SECOND = 1000;
const MINUTE = 60 * SECOND;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;
const TIME_STEPS = [
  SECOND, 5 * SECOND, 15 * SECOND, 30 * SECOND, MINUTE, 2 * MINUTE, 5 * MINUTE,
  10 * MINUTE, 15 * MINUTE, 30 * MINUTE, HOUR, 2 * HOUR, 3 * HOUR, 6 * HOUR,
  12 * HOUR, DAY, 2 * DAY, 7 * DAY,
];

// Time ticks (ms since epoch, local time) between start and end, at most
// `maxTicks`: [{time, label}].
export function timeTicks(start, end, maxTicks) {
  const span = Math.max(end - start, 1);
  const step = TIME_STEPS.find((s) => span / s <= maxTicks) ?? TIME_STEPS[TIME_STEPS.length - 1];
  // Align to the local clock (a 6h step falls on 00:00, 06:00, ...).
  const offset = new Date(start).getTimezoneOffset() * MINUTE;
  let t = Math.ceil((start - offset) / step) * step + offset;
  const ticks = [];
  for (; t <= end; t += step) ticks.push({ time: t, label: tickLabel(t, step) });
  return ticks;
}

function tickLabel(time, step) {
  const d = new Date(time);
  const hm = `${pad(d.getHours())}:${pad(d.getMinutes())}`;
  if (step < MINUTE) return `${hm}:${pad(d.getSeconds())}`;
  if (step >= DAY || (d.getHours() === 0 && d.getMinutes() === 0)) return shortDate(d);
  return hm;
}

function pad(n) {
  return String(n).padStart(2, '0');
}

function shortDate(d) {
  return d.toLocaleDateString('en-US', { month: 'short', day: 'numeric' });
}

// "Nov 22, 10:15:00" in local time.
export function formatTime(ms) {
  const d = new Date(ms);
  return `${shortDate(d)}, ${pad(d.getHours())}:${pad(d.getMinutes())}:${pad(d.getSeconds())}`;
}

// A duration in nanoseconds, as pprof labels it: "10s", "720s", "1.50hrs".
export function formatDuration(ns) {
  return formatValue(ns, 'nanoseconds');
}
