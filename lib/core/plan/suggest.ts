/**
 * `editDistance` counts the insertions, deletions, substitutions and swaps of two adjacent
 * characters that turn `a` into `b` (optimal string alignment). Swaps count once because
 * `opne` for `open` is the commonest typo. Plan keys are short, so the quadratic version is plenty.
 */
export function editDistance(a: string, b: string): number {
  if (a === b) return 0;
  const rows: number[][] = [Array.from({ length: b.length + 1 }, (_, j) => j)];
  for (let i = 1; i <= a.length; i++) {
    const row = [i];
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      const above = rows[i - 1] as number[];
      let best = Math.min((above[j] as number) + 1, (row[j - 1] as number) + 1, (above[j - 1] as number) + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) {
        best = Math.min(best, ((rows[i - 2] as number[])[j - 2] as number) + 1);
      }
      row[j] = best;
    }
    rows.push(row);
  }
  return (rows[a.length] as number[])[b.length] as number;
}

/**
 * `didYouMean` picks the candidate closest to a misspelt word, or `undefined` when none is close.
 * Case is ignored; words of up to three characters may be one edit off, longer ones two edits or a
 * third of their length, so `batchsize` suggests `batchSize` and `batch` suggests `batches`, but
 * `colour` suggests nothing among `mode` and `batchSize`.
 *
 * @example
 * didYouMean('reqest', ['request', 'poll', 'wait']); // 'request'
 */
export function didYouMean(word: string, candidates: Iterable<string>): string | undefined {
  const lower = word.toLowerCase();
  const budget = word.length <= 3 ? 1 : Math.max(2, Math.floor(word.length / 3));
  let best: string | undefined;
  let bestDistance = Number.POSITIVE_INFINITY;
  for (const candidate of candidates) {
    if (candidate === word) continue;
    const distance = editDistance(lower, candidate.toLowerCase());
    if (distance <= budget && distance < bestDistance) {
      best = candidate;
      bestDistance = distance;
    }
  }
  return best;
}
