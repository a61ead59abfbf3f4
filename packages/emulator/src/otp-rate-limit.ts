/** Sliding-window counter: at most `max` hits per key within `windowMs`. */
export class OtpRateLimit {
  private readonly hits = new Map<string, number[]>();

  /** Records a hit and says whether it is within the limit. Refused hits are not counted. */
  allow(key: string, nowMs: number, max: number, windowMs: number): boolean {
    const recent = (this.hits.get(key) ?? []).filter((at) => nowMs - at < windowMs);
    const allowed = recent.length < max;
    if (allowed) recent.push(nowMs);
    this.hits.set(key, recent);
    return allowed;
  }

  clear(): void {
    this.hits.clear();
  }
}
