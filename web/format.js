// Formatting of sample values (by pprof unit), times and axis ticks.

const BYTE_SUFFIXES = ['B', 'KB', 'MB', 'GB', 'TB', 'PB'];
const COUNT_SUFFIXES = ['', 'k', 'M', 'G', 'T'];
// Time scales in nanoseconds, smallest first.
const TIME_SCALES = [
  { divisor: 1, suffix: 'ns' },
  { divisor: 1e3, suffix: 'µs' },
  { divisor: 1e6, suffix: 'ms' },
  { divisor: 1e9, suffix: 's' },
  { divisor: 60e9, suffix: 'min' },
  { divisor: 3600e9, suffix: 'h' },
];
const NANOS_PER_UNIT = { nanoseconds: 1, microseconds: 1e3, milliseconds: 1e6, seconds: 1e9 };

// Three significant digits at most, no trailing zeros: 1.5, 12.3, 456.
function compact(number) {
  const abs = Math.abs(number);
  const digits = abs >= 100 ? 0 : abs >= 10 ? 1 : 2;
  return String(Number(number.toFixed(digits)));
}

// The scale ({divisor, suffix}) that shows `magnitude` (in `unit`) as a
// number between 1 and 1000 (or 1024, or 60 for minutes).
export function scaleFor(magnitude, unit) {
  const abs = Math.abs(magnitude);
  if (unit === 'bytes') {
    let i = 0;
    while (i < BYTE_SUFFIXES.length - 1 && abs >= 1024 ** (i + 1)) i++;
    return { divisor: 1024 ** i, suffix: BYTE_SUFFIXES[i] };
  }
  if (unit in NANOS_PER_UNIT) {
    const nanos = abs * NANOS_PER_UNIT[unit];
    let i = 0;
    while (i < TIME_SCALES.length - 1 && nanos >= TIME_SCALES[i + 1].divisor) i++;
    const scale = TIME_SCALES[i];
    return { divisor: scale.divisor / NANOS_PER_UNIT[unit], suffix: scale.suffix };
  }
  let i = 0;
  while (i < COUNT_SUFFIXES.length - 1 && abs >= 1000 ** (i + 1)) i++;
  return { divisor: 1000 ** i, suffix: COUNT_SUFFIXES[i] };
}

// A value in a pprof unit ("bytes", "nanoseconds", "count", ...) for people:
// 1.5MB, 230ms, 12.3k.
export function formatValue(value, unit) {
  if (!Number.isFinite(value)) return '–';
  const scale = scaleFor(value, unit);
  if (scale.divisor === 1 && !(unit in NANOS_PER_UNIT) && unit !== 'bytes') {
    return Math.round(value).toLocaleString('en-US');
  }
  return compact(value / scale.divisor) + scale.suffix;
}

// A signed difference: +1.5MB, -230ms.
export function formatDelta(value, unit) {
  if (value === 0) return '0';
  return (value > 0 ? '+' : '-') + formatValue(Math.abs(value), unit);
}

export function formatPercent(fraction) {
  if (!Number.isFinite(fraction)) return '–';
  const pct = fraction * 100;
  return (Math.abs(pct) >= 10 ? pct.toFixed(1) : pct.toFixed(2)) + '%';
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
      label: t === 0 ? '0' : compact(t) + scale.suffix,
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

// A duration in nanoseconds: "10s", "1.5min".
export function formatDuration(ns) {
  return formatValue(ns, 'nanoseconds');
}
