/**
 * India Standard Time is UTC+05:30 all year (no daylight saving since 1945), so croner can compute IST from a
 * fixed offset. That keeps ICU's time-zone machinery (several MB in a process that otherwise idles) out of the
 * daemon for the default schedule; every other zone goes through croner's IANA support.
 */
const FIXED_OFFSET_ZONES: Record<string, number> = { "Asia/Kolkata": 330, "Asia/Calcutta": 330 };

/** croner's options for a schedule's time zone: a fixed UTC offset for IST, the IANA name otherwise. */
export function cronZone(timezone: string): { utcOffset: number } | { timezone: string } {
  const offset = FIXED_OFFSET_ZONES[timezone];
  return offset === undefined ? { timezone } : { utcOffset: offset };
}

/** Whether `timezone` names a time zone this runtime knows. */
export function isTimeZone(timezone: string): boolean {
  if (timezone in FIXED_OFFSET_ZONES) return true;
  try {
    new Intl.DateTimeFormat("en", { timeZone: timezone });
    return true;
  } catch {
    return false;
  }
}
