import { describe, expect, it } from 'vitest';
import { formatStat, pairedRatio, stat } from '../../bench/lib/stats.ts';
import { nginxConfig } from '../../bench/lib/targets.ts';

describe('bench: stats', () => {
  it('summarises samples as min, median and max, ignoring non-finite ones', () => {
    expect(stat([3, 1, 2])).toEqual({ min: 1, median: 2, max: 3, n: 3 });
    expect(stat([4, 1, Number.NaN, 2, 3])).toEqual({ min: 1, median: 2.5, max: 4, n: 4 });
    expect(stat([])).toBeUndefined();
  });

  it('pairs ratios run by run', () => {
    expect(pairedRatio([10, 20, 30], [10, 10, 10])).toEqual({ min: 1, median: 2, max: 3, n: 3 });
  });

  it('formats median (min–max), or a lone value', () => {
    expect(formatStat({ min: 1, median: 2, max: 3, n: 3 }, ' ms')).toBe('2.00 ms (1.00–3.00)');
    expect(formatStat({ min: 12345, median: 12345, max: 12345, n: 1 })).toBe('12,345');
    expect(formatStat(undefined)).toBe('n/a');
  });
});

describe('bench: nginxConfig', () => {
  it('keeps every file in its folder and sets temp paths only for modules nginx was built with', () => {
    const conf = nginxConfig('/tmp/x', 8081, '--http-client-body-temp-path=/var/lib/nginx/body --http-scgi-temp-path=/a --without-http_scgi_module');
    expect(conf).toContain('listen 127.0.0.1:8081');
    expect(conf).toContain('pid /tmp/x/nginx.pid;');
    expect(conf).toContain('client_body_temp_path /tmp/x/client-body-temp;');
    expect(conf).not.toContain('scgi_temp_path');
    expect(conf).toContain('access_log off;');
  });
});
