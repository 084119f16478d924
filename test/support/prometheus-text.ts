import { spawnSync } from 'node:child_process';

/** One sample line of the exposition. */
export interface Sample {
  name: string;
  labels: Record<string, string>;
  value: number;
}

/** A parsed exposition: each family's TYPE and HELP, and every sample in order. */
export interface Exposition {
  types: Map<string, string>;
  samples: Sample[];
  /** The sample `name` with exactly these labels (besides any not given); throws when there is none or several. */
  value(name: string, labels?: Record<string, string>): number;
  /** Sum of every sample named `name` whose labels include `labels`. */
  sum(name: string, labels?: Record<string, string>): number;
}

const METRIC_NAME = /^[a-zA-Z_:][a-zA-Z0-9_:]*$/;
const LABEL_NAME = /^[a-zA-Z_][a-zA-Z0-9_]*$/;
const SAMPLE = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})? (\S+)(?: (-?\d+))?$/;
const LABEL = /^([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\\n]|\\["\\n])*)"(?:,|$)/;
const TYPES = new Set(['counter', 'gauge', 'histogram', 'summary', 'untyped']);

/**
 * Parses the Prometheus text exposition format 0.0.4 strictly: every line
 * is a HELP, a TYPE, a comment or a well-formed sample; a family's TYPE
 * comes once and before its samples; histogram buckets are cumulative and
 * end with `+Inf` equal to `_count`. Throws naming the first offending line.
 */
export function parseExposition(text: string): Exposition {
  if (!text.endsWith('\n')) throw new Error('exposition does not end with a newline');
  const types = new Map<string, string>();
  const helps = new Set<string>();
  const samples: Sample[] = [];
  const seen = new Set<string>();
  text
    .split('\n')
    .slice(0, -1)
    .forEach((line, index) => {
      const fail = (why: string) => {
        throw new Error(`line ${index + 1} ${why}: ${JSON.stringify(line)}`);
      };
      if (line === '') return;
      if (line.startsWith('#')) {
        const meta = /^# (HELP|TYPE) (\S+) ?(.*)$/.exec(line);
        if (!meta) return;
        const [, kind, name, rest] = meta;
        if (!METRIC_NAME.test(name)) fail('names an invalid metric');
        if (kind === 'TYPE') {
          if (!TYPES.has(rest)) fail('has an unknown type');
          if (types.has(name)) fail('repeats a TYPE');
          if (samples.some((sample) => familyOf(sample.name, types) === name)) fail('comes after samples of its family');
          types.set(name, rest);
        } else {
          if (helps.has(name)) fail('repeats a HELP');
          helps.add(name);
        }
        return;
      }
      const match = SAMPLE.exec(line);
      if (!match) return fail('is not a sample');
      const [, name, labelText = '', rawValue] = match;
      const labels: Record<string, string> = {};
      let rest = labelText;
      while (rest.length > 0) {
        const label = LABEL.exec(rest);
        if (!label || !LABEL_NAME.test(label[1])) return fail('has a malformed label');
        if (label[1] in labels) fail('repeats a label');
        labels[label[1]] = label[2].replace(/\\(["\\n])/g, (_, c: string) => (c === 'n' ? '\n' : c));
        rest = rest.slice(label[0].length);
      }
      const value = parseValue(rawValue);
      if (value === null) fail('has a value that is not a float');
      const key = `${name}${JSON.stringify(Object.entries(labels).sort())}`;
      if (seen.has(key)) fail('repeats a series');
      seen.add(key);
      if (!types.has(familyOf(name, types))) fail('has no TYPE before it');
      samples.push({ name, labels, value: value as number });
    });
  checkHistograms(types, samples);
  return exposition(types, samples);
}

/** Runs `promtool check metrics` when Prometheus's promtool is installed; null when it is not. */
export function promtoolCheck(text: string): { status: number | null; output: string } | null {
  const result = spawnSync('promtool', ['check', 'metrics'], { input: text, encoding: 'utf8', timeout: 10_000 });
  if (result.error && (result.error as NodeJS.ErrnoException).code === 'ENOENT') return null;
  return { status: result.status, output: `${result.stdout}${result.stderr}` };
}

function familyOf(name: string, types: Map<string, string>): string {
  for (const suffix of ['_bucket', '_sum', '_count']) {
    const base = name.slice(0, -suffix.length);
    if (name.endsWith(suffix) && ['histogram', 'summary'].includes(types.get(base) ?? '')) return base;
  }
  return name;
}

/** A sample value as Go's strconv.ParseFloat reads it, which the format defers to (so `Nan`, prom-client's spelling, is valid). */
function parseValue(text: string): number | null {
  if (/^[-+]?(inf|infinity)$/i.test(text)) return text.startsWith('-') ? -Infinity : Infinity;
  if (/^[-+]?nan$/i.test(text)) return NaN;
  return /^[-+]?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?$/.test(text) ? Number(text) : null;
}

function checkHistograms(types: Map<string, string>, samples: Sample[]): void {
  for (const [family, type] of types) {
    if (type !== 'histogram') continue;
    const series = new Map<string, { buckets: Array<[number, number]>; count?: number }>();
    for (const sample of samples) {
      if (familyOf(sample.name, types) !== family) continue;
      const { le, ...rest } = sample.labels;
      const key = JSON.stringify(Object.entries(rest).sort());
      const entry = series.get(key) ?? { buckets: [] };
      series.set(key, entry);
      if (sample.name === `${family}_bucket`) entry.buckets.push([parseValue(le) ?? NaN, sample.value]);
      else if (sample.name === `${family}_count`) entry.count = sample.value;
    }
    for (const [key, { buckets, count }] of series) {
      const where = `${family}${key}`;
      if (buckets.length === 0 || buckets[buckets.length - 1][0] !== Infinity) throw new Error(`${where} has no +Inf bucket last`);
      for (let i = 1; i < buckets.length; i++) {
        if (!(buckets[i][0] > buckets[i - 1][0]) || buckets[i][1] < buckets[i - 1][1]) throw new Error(`${where} buckets are not cumulative`);
      }
      if (count !== buckets[buckets.length - 1][1]) throw new Error(`${where}: _count ${count} is not the +Inf bucket`);
    }
  }
}

function exposition(types: Map<string, string>, samples: Sample[]): Exposition {
  const matching = (name: string, labels: Record<string, string>) =>
    samples.filter((sample) => sample.name === name && Object.entries(labels).every(([key, value]) => sample.labels[key] === value));
  return {
    types,
    samples,
    value(name, labels = {}) {
      const found = matching(name, labels);
      if (found.length !== 1) throw new Error(`${found.length} samples of ${name} ${JSON.stringify(labels)}`);
      return found[0].value;
    },
    sum(name, labels = {}) {
      return matching(name, labels).reduce((total, sample) => total + sample.value, 0);
    },
  };
}
