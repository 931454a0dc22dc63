/**
 * The names of the disputed paths, numbered in the order they were added, searchable by
 * substring: what `/r13y/disputes.json?name=` counts and pages through. The names are one string,
 * each followed by a newline (a store-path name holds none), so a search is a few `indexOf` calls
 * over a few bytes per path, not a read of each path's record.
 */
export class NameSearch {
  private text = '';
  /** Where each name starts in `text`. */
  private readonly starts: number[] = [];

  get size(): number {
    return this.starts.length;
  }

  add(name: string): void {
    this.starts.push(this.text.length);
    this.text += name + '\n';
  }

  /** The numbers of the names containing `needle`, `limit` of them from the `offset`-th, and how many there are. */
  find(needle: string, offset: number, limit: number): { total: number; numbers: number[] } {
    const numbers: number[] = [];
    let total = 0;
    if (needle.includes('\n')) return { total, numbers };
    for (let at = this.text.indexOf(needle); at >= 0;) {
      const number = this.numberAt(at);
      if (total >= offset && numbers.length < limit) numbers.push(number);
      total++;
      const next = this.starts[number + 1];
      at = next === undefined ? -1 : this.text.indexOf(needle, next);
    }
    return { total, numbers };
  }

  /** The number of the name that the text at `at` belongs to. */
  private numberAt(at: number): number {
    let low = 0;
    let high = this.starts.length - 1;
    while (low < high) {
      const mid = (low + high + 1) >> 1;
      if (this.starts[mid]! <= at) low = mid;
      else high = mid - 1;
    }
    return low;
  }
}
