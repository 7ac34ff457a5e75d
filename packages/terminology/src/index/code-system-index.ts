import type { CodeSystemDefinition, ConceptDefinition } from '../model/definitions.js';
import { foldedTokens } from '../model/fold.js';
import { Bitset } from './bitset.js';

/**
 * One version of a code system in memory: concepts by code, and the folded words of their codes, displays and
 * designations, sorted, each with the concepts that contain it. A filter's words match as prefixes of words
 * ("nhoi mau" matches "Nhồi máu cơ tim"), and all of them must match.
 */
export class CodeSystemIndex {
  readonly concepts: readonly ConceptDefinition[];
  private readonly ordinals = new Map<string, number>();
  private readonly words: string[];
  private readonly postings: Int32Array[];

  constructor(readonly definition: CodeSystemDefinition) {
    this.concepts = definition.concepts;
    const byWord = new Map<string, number[]>();
    this.concepts.forEach((concept, ordinal) => {
      this.ordinals.set(concept.code, ordinal);
      // The code's own words too, so a filter that starts a code ("I21", "I21.0") finds it.
      const texts = [concept.code, concept.display, ...(concept.designations ?? []).map((d) => d.value)];
      const words = new Set(texts.flatMap(foldedTokens));
      for (const word of words) {
        const list = byWord.get(word);
        if (list) list.push(ordinal);
        else byWord.set(word, [ordinal]);
      }
    });
    this.words = [...byWord.keys()].sort();
    this.postings = this.words.map((word) => Int32Array.from(byWord.get(word) as number[]));
  }

  /** The concept with this code (case-sensitive, as codes are), if any. */
  concept(code: string): ConceptDefinition | undefined {
    const ordinal = this.ordinals.get(code);
    return ordinal === undefined ? undefined : this.concepts[ordinal];
  }

  /** The ordinal of a code in {@link concepts}, if present. */
  ordinal(code: string): number | undefined {
    return this.ordinals.get(code);
  }

  /** The concepts matching a filter text, as a set of ordinals; undefined when the filter has no words. */
  match(filter: string): Bitset | undefined {
    const terms = [...new Set(foldedTokens(filter))];
    let result: Bitset | undefined;
    for (const term of terms) {
      const matches = this.prefixMatches(term);
      if (result) result.intersect(matches);
      else result = matches;
    }
    return result;
  }

  private prefixMatches(prefix: string): Bitset {
    const set = new Bitset(this.concepts.length);
    for (let i = this.firstAtOrAfter(prefix); i < this.words.length; i++) {
      if (!(this.words[i] as string).startsWith(prefix)) break;
      for (const ordinal of this.postings[i] as Int32Array) set.add(ordinal);
    }
    return set;
  }

  private firstAtOrAfter(prefix: string): number {
    let low = 0;
    let high = this.words.length;
    while (low < high) {
      const mid = (low + high) >>> 1;
      if ((this.words[mid] as string) < prefix) low = mid + 1;
      else high = mid;
    }
    return low;
  }
}
