export interface BenchRow {
  name: string;
  value: number;
  unit: string;
  compare?: { name: string; value: number };
  ratio?: number;
  note?: string;
}
