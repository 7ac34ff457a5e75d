const MAX_ADDRESSES = 10_000;

/**
 * Which addresses were recorded as throttled, and until when: only the first refusal (429) of each address in a
 * rate-limit window is recorded, so a flood of guesses adds at most one AuditEvent per address and window once
 * its budget of failures (each recorded) is spent. Bounded: beyond 10,000 addresses the oldest is forgotten,
 * which costs at most one more record.
 */
export class ThrottledAddresses {
  private readonly until = new Map<string, number>();

  /** Whether this refusal is the address's first of the window ending at `until` (epoch ms); remembers it. */
  first(address: string, until: number, now: number): boolean {
    const known = this.until.get(address);
    if (known !== undefined && known > now) return false;
    this.until.delete(address);
    if (this.until.size >= MAX_ADDRESSES) {
      const oldest = this.until.keys().next().value;
      if (oldest !== undefined) this.until.delete(oldest);
    }
    this.until.set(address, until);
    return true;
  }
}
