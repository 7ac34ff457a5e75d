/** A fixed-size set of small integers (concept ordinals), for fast unions and intersections of matches. */
export class Bitset {
  readonly words: Uint32Array;

  constructor(readonly size: number) {
    this.words = new Uint32Array(Math.ceil(size / 32));
  }

  add(index: number): void {
    this.words[index >>> 5] = (this.words[index >>> 5] as number) | (1 << (index & 31));
  }

  has(index: number): boolean {
    return ((this.words[index >>> 5] as number) & (1 << (index & 31))) !== 0;
  }

  /** Keeps only the members also in `other`. */
  intersect(other: Bitset): void {
    for (let i = 0; i < this.words.length; i++) this.words[i] = (this.words[i] as number) & (other.words[i] as number);
  }
}
