/** The goals, checked on the median of each figure (min–max shown alongside). */
import type { Goal, Section } from './results.ts';
import { formatStat, type Stat } from './stats.ts';

type Figures = (sectionId: Section['id'], name: string) => Stat | undefined;

function goal(name: string, target: string, figures: readonly (Stat | undefined)[], measured: (f: Stat[]) => string, met: (f: Stat[]) => boolean): Goal {
  if (figures.some((f) => f === undefined)) return { name, target, measured: 'n/a', met: undefined };
  const present = figures as Stat[];
  return { name, target, measured: measured(present), met: met(present) };
}

/** Checks every goal against the sections' figures. */
export function checkGoals(sections: readonly Section[]): Goal[] {
  const fig: Figures = (id, name) => sections.find((s) => s.id === id)?.figures[name];
  const m = (f: Stat[], i = 0, unit = ''): string => formatStat(f[i], unit);
  return [
    goal('hit CPU/request vs autocannon (closed loop)', '<= 1.0x', [fig('closed-loop', 'ratio.cpuUsPerRequest')], (f) => `${m(f)}x`, ([r]) => (r as Stat).median <= 1.0),
    goal('constant rate accuracy, loadfleet', 'within 1%', [fig('constant-rate', 'loadfleet.absErrorPct')], (f) => `${m(f, 0, '%')} off`, ([e]) => (e as Stat).median <= 1),
    goal('constant rate CPU/request vs autocannon', '<= 1.0x', [fig('constant-rate', 'ratio.cpuUsPerRequest')], (f) => `${m(f)}x`, ([r]) => (r as Stat).median <= 1.0),
    goal('lifecycle CPU/request vs hit (preset rps cap lifted)', '<= 2x', [fig('lifecycle', 'uncapped.ratio.hit')], (f) => `${m(f)}x`, ([r]) => (r as Stat).median <= 2),
    goal('peak RSS, 100,000 lifecycles', '< 100 MB', [fig('memory', 'peakRssMb.100000')], (f) => m(f, 0, ' MB'), ([r]) => (r as Stat).median < 100),
    goal('burst start skew, 500 at once', '< 5 ms', [fig('burst', 'skewMs.500')], (f) => m(f, 0, ' ms'), ([s]) => (s as Stat).median < 5),
    goal('worker bundle size', '< 1.5 MB', [fig('bundle', 'bundleMb')], (f) => m(f, 0, ' MB'), ([b]) => (b as Stat).median < 1.5),
    goal('worker bundle cold import', '< 150 ms', [fig('bundle', 'coldImportMs')], (f) => m(f, 0, ' ms'), ([t]) => (t as Stat).median < 150),
  ];
}
