/** Percentile by nearest rank over a sorted copy; enough for benchmark reports. */
export function percentile(samples: number[], p: number): number {
  const sorted = [...samples].sort((a, b) => a - b);
  const rank = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[rank] ?? Number.NaN;
}

export function ratio(value: number, floor: number): string {
  return `${(value / floor).toFixed(3)}×`;
}

export async function writeResult(name: string, result: unknown): Promise<string> {
  const { mkdir, writeFile } = await import("node:fs/promises");
  const dir = new URL("./results/", import.meta.url);
  await mkdir(dir, { recursive: true });
  const file = new URL(`${name}.json`, dir);
  await writeFile(file, `${JSON.stringify(result, null, 2)}\n`);
  return file.pathname;
}
