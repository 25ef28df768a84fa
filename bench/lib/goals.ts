/**
 * The issue's goals, checked on the median of each figure (min–max shown alongside). A goal not met
 * carries a `limit` note built from the same run's other figures: what they show about the limit, and
 * no cause the bench did not measure.
 */
import type { Goal, Section } from './results.ts';
import { formatNumber, formatStat, type Stat } from './stats.ts';

type Figures = (sectionId: Section['id'], name: string) => Stat | undefined;

/** `Limit` writes a goal's limit note from the run's figures; undefined when a figure it needs is missing. */
type Limit = (fig: Figures) => string | undefined;

function goal(name: string, target: string, figures: readonly (Stat | undefined)[], measured: (f: Stat[]) => string, met: (f: Stat[]) => boolean, limit?: () => string | undefined): Goal {
  if (figures.some((f) => f === undefined)) return { name, target, measured: 'n/a', met: undefined };
  const present = figures as Stat[];
  const ok = met(present);
  const note = ok ? undefined : limit?.();
  return { name, target, measured: measured(present), met: ok, ...(note ? { limit: note } : {}) };
}

/** Medians of the named figures, or undefined when one is missing. */
function medians(fig: Figures, wanted: readonly (readonly [Section['id'], string])[]): number[] | undefined {
  const values = wanted.map(([id, name]) => fig(id, name)?.median);
  return values.some((v) => v === undefined) ? undefined : (values as number[]);
}

const n = formatNumber;

const accuracyLimit: Limit = (fig) => {
  const m = medians(fig, [['constant-rate', 'loadfleet.absErrorPct'], ['constant-rate', 'loadfleet.droppedStarts']]);
  if (!m) return undefined;
  const [error, dropped] = m as [number, number];
  return `${n(error)}% off, with ${n(dropped)} starts dropped at the in-flight cap (a dropped start is not sent)`;
};

/** `inputs` are the bundle section's `inputMb.<package>` figure names, largest first. */
const bundleSizeLimit = (inputs: readonly string[]): Limit => (fig) => {
  const m = medians(fig, [['bundle', 'bundleMb'], ['bundle', 'gzipMb']]);
  if (!m) return undefined;
  const parts = inputs.flatMap((name) => {
    const f = fig('bundle', name);
    return f ? [`${name.slice('inputMb.'.length)} ${n(f.median)}`] : [];
  });
  const made = parts.length > 0 ? `; its largest inputs (MB, esbuild metafile): ${parts.join(', ')}` : '; what it is made of is not broken down in this run';
  return `${n(m[0] as number)} MB minified (${n(m[1] as number)} MB gzip)${made}`;
};

const coldImportLimit: Limit = (fig) => {
  const m = medians(fig, [['bundle', 'coldImportMs'], ['bundle', 'wholeProcessMs']]);
  if (!m) return undefined;
  const plain = fig('bundle', 'coldImportPlainMs');
  const withoutMaps = plain ? ` (${n(plain.median)} ms without NODE_OPTIONS=--enable-source-maps)` : '';
  return `the import takes ${n(m[0] as number)} ms${withoutMaps} of a ${n(m[1] as number)} ms node process; how it splits between compiling and running the bundle's top-level code is not measured by the bench`;
};

const hitLimit: Limit = (fig) => {
  const m = medians(fig, [['closed-loop', 'loadfleet.cpuUsPerRequest'], ['closed-loop', 'autocannon.cpuUsPerRequest']]);
  const pool = fig('closed-loop', 'undici.cpuUsPerRequest');
  if (!m || !pool) return undefined;
  const [lf, ac] = m as [number, number];
  // The floor's cheapest run: a bare loop has nothing that should make it cheaper than that.
  const floor = `a bare undici \`Pool.request\` loop with no engine at all costs ${formatStat(pool)} us/request, autocannon ${n(ac)}, loadfleet ${n(lf)}`;
  if (lf <= pool.min) return `${floor}: loadfleet, on undici \`dispatch()\`, costs no more than that loop's cheapest run, so the gap to autocannon is not measured to be in loadfleet's engine; the bench has no lower undici floor to compare with`;
  const inLoop = pool.min > ac ? `; ${n(pool.min - ac)} of the ${n(lf - ac)} us/request between loadfleet and autocannon is already there in that bare undici loop` : '';
  return `${floor}: loadfleet (engine and its \`dispatch()\` adapter together) costs ${n(lf - pool.min)} us/request more than the loop's cheapest run (${n(pool.min)})${inLoop}; how loadfleet's own part splits was not profiled in this run`;
};

const rateLimit: Limit = (fig) => {
  const m = medians(fig, [['constant-rate', 'loadfleet.cpuUsPerRequest'], ['constant-rate', 'autocannon.cpuUsPerRequest'], ['closed-loop', 'loadfleet.cpuUsPerRequest'], ['closed-loop', 'autocannon.cpuUsPerRequest']]);
  if (!m) return undefined;
  const [lfRate, acRate, lfLoop, acLoop] = m as [number, number, number, number];
  const floor = fig('constant-rate', 'undici.cpuUsPerRequest');
  const parts = [`at 5,000/s loadfleet spends ${n(lfRate)} us/request (${n(lfRate / lfLoop)}x its closed loop), autocannon ${n(acRate)} (${n(acRate / acLoop)}x its closed loop): autocannon's rate is a per-second quota sent back to back at the start of each second, so its requests cost about what they cost in its closed loop, while a uniform schedule sends each request on its own, with its own wake-ups`];
  if (floor) {
    parts.push(floor.median >= acRate
      ? `a bare undici Pool sending the same uniform schedule costs ${formatStat(floor)} us/request, already ${n(floor.median / acRate)}x autocannon: at a uniform rate no undici-based sender reaches autocannon's bunched cost here; loadfleet is ${n(lfRate / floor.median)}x that floor`
      : `a bare undici Pool sending the same uniform schedule costs ${formatStat(floor)} us/request, loadfleet ${n(lfRate / floor.median)}x that`);
  }
  return parts.join('; ');
};

const lifecycleLimit: Limit = (fig) => {
  const m = medians(fig, [['lifecycle', 'uncapped.ratio.hitSameTarget'], ['lifecycle', 'uncapped.ratio.hit'], ['lifecycle', 'baseline.cpuUsPerRequest'], ['closed-loop', 'loadfleet.cpuUsPerRequest'], ['lifecycle', 'uncapped.cpuUsPerRequest']]);
  if (!m) return undefined;
  const [sameTarget, nginxRatio, baseline, hitNginx, lifecycle] = m as [number, number, number, number, number];
  return `lifecycle ${n(lifecycle)} us/request, \`hit\` GET /details on the same demo target ${n(baseline)} (${n(sameTarget)}x; against nginx's bare \`ok\` \`hit\` costs ${n(hitNginx)}, ${n(nginxRatio)}x); that is what a lifecycle request costs over a plain \`hit\` request (it adds templated bodies, captures, polls, cleanups, events.csv, the report), not broken down further here`;
};

const memoryLimit: Limit = (fig) => {
  const m = medians(fig, [['memory', 'bundled.peakRssMb.1000'], ['memory', 'bundled.peakRssMb.100000']]);
  if (!m) return undefined;
  const [small, large] = m as [number, number];
  const at = (name: string): number | undefined => fig('memory', name)?.median;
  const floor10 = at('bundled.peakRssMb.10');
  const tsx = at('tsx.peakRssMb.100000');
  const live = at('bundled.liveAfterGcMb.100000');
  const committed = at('bundled.heapCommittedMb.100000');
  const bare = at('floor.peakRssMb.100000');
  const perLifecycleKb = ((large - small) * 1024) / 99_000;
  const parts = [
    `bundled CLI: peak ${floor10 !== undefined ? `${n(floor10)} MB at 10 lifecycles (the process itself), ` : ''}${n(small)} MB at 1,000 and ${n(large)} MB at 100,000 (about ${n(perLifecycleKb)} KB per extra lifecycle)${tsx !== undefined ? `; through tsx ${n(tsx)} MB at 100,000` : ''}`,
  ];
  if (live !== undefined && committed !== undefined) {
    parts.push(`at 100,000 the heap left after a full GC is at most ${n(live)} MB while V8 had up to ${n(committed)} MB committed: what grows with the run is V8's heap sizing (young generation, old-generation headroom filling with garbage between full GCs), not state the run holds`);
  }
  if (bare !== undefined) {
    parts.push(bare >= 100
      ? `a bare undici request loop sending the same requests, with no loadfleet at all, peaks at ${n(bare)} MB: under 100 MB is below what Node and undici alone reach here with V8's default heap sizing`
      : `a bare undici request loop sending the same requests peaks at ${n(bare)} MB, so ${n(large - bare)} MB of the peak is loadfleet's`);
  }
  return parts.join('; ');
};

const burstLimit: Limit = (fig) => {
  const m = medians(fig, [['burst', 'skewMs.50'], ['burst', 'skewMs.500']]);
  if (!m) return undefined;
  const [s50, s500] = m as [number, number];
  const s5000 = fig('burst', 'skewMs.5000')?.median;
  const f50 = fig('burst', 'floorSkewMs.50')?.median;
  const f500 = fig('burst', 'floorSkewMs.500')?.median;
  const perLifecycle = (s500 * 1000) / 500;
  const big = s5000 !== undefined ? `, 5,000: ${n(s5000)} ms` : '';
  const parts = [`skew 50: ${n(s50)} ms, 500: ${n(s500)} ms${big} (about ${n(perLifecycle)} us per lifecycle at 500, in one process on one core)`];
  if (f500 !== undefined) {
    const floorPer = (f500 * 1000) / 500;
    parts.push(f500 >= 5
      ? `the raw socket floor (plain node writing a prebuilt request on 500 open sockets, nothing else) takes ${n(f500)} ms itself, ${n(floorPer)} us per write, so under 5 ms at 500 is not reachable from one core of this machine by any Node client that writes one request per socket; loadfleet spends ${n(s500 - f500)} ms over that floor (its engine and undici's request path)`
      : `the raw socket floor at 500 is ${n(f500)} ms (${n(floorPer)} us per write): loadfleet's ${n(s500 - f500)} ms over it is its engine and undici's request path`);
  }
  if (f50 !== undefined) parts.push(`at 50: floor ${n(f50)} ms, loadfleet ${n(s50)} ms`);
  return parts.join('; ');
};

/** Checks every goal against the sections' figures. */
export function checkGoals(sections: readonly Section[]): Goal[] {
  const fig: Figures = (id, name) => sections.find((s) => s.id === id)?.figures[name];
  const m = (f: Stat[], i = 0, unit = ''): string => formatStat(f[i], unit);
  const note = (limit: Limit) => () => limit(fig);
  const bundleInputs = Object.keys(sections.find((s) => s.id === 'bundle')?.figures ?? {}).filter((k) => k.startsWith('inputMb.'));
  return [
    goal('hit CPU/request vs autocannon (closed loop)', '<= 1.0x', [fig('closed-loop', 'ratio.cpuUsPerRequest')], (f) => `${m(f)}x`, ([r]) => (r as Stat).median <= 1.0, note(hitLimit)),
    goal('constant rate accuracy, loadfleet', 'within 1%', [fig('constant-rate', 'loadfleet.absErrorPct')], (f) => `${m(f, 0, '%')} off`, ([e]) => (e as Stat).median <= 1, note(accuracyLimit)),
    goal('constant rate CPU/request vs autocannon', '<= 1.0x', [fig('constant-rate', 'ratio.cpuUsPerRequest')], (f) => `${m(f)}x`, ([r]) => (r as Stat).median <= 1.0, note(rateLimit)),
    goal('lifecycle CPU/request vs hit, same demo target (preset rps cap lifted)', '<= 2x', [fig('lifecycle', 'uncapped.ratio.hitSameTarget')], (f) => `${m(f)}x`, ([r]) => (r as Stat).median <= 2, note(lifecycleLimit)),
    goal('peak RSS, 100,000 lifecycles (bundled CLI)', '< 100 MB', [fig('memory', 'bundled.peakRssMb.100000')], (f) => m(f, 0, ' MB'), ([r]) => (r as Stat).median < 100, note(memoryLimit)),
    goal('burst start skew, 500 at once', '< 5 ms', [fig('burst', 'skewMs.500')], (f) => m(f, 0, ' ms'), ([s]) => (s as Stat).median < 5, note(burstLimit)),
    goal('worker bundle size', '< 1.5 MB', [fig('bundle', 'bundleMb')], (f) => m(f, 0, ' MB'), ([b]) => (b as Stat).median < 1.5, note(bundleSizeLimit(bundleInputs))),
    goal('worker bundle cold import', '< 150 ms', [fig('bundle', 'coldImportMs')], (f) => m(f, 0, ' ms'), ([t]) => (t as Stat).median < 150, note(coldImportLimit)),
  ];
}
