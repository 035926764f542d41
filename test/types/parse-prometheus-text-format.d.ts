declare module 'parse-prometheus-text-format' {
  export interface PromMetric {
    labels?: Record<string, string>;
    value?: string;
  }
  export interface PromFamily {
    name: string;
    help: string;
    type: string;
    metrics: PromMetric[];
  }
  export default function parsePrometheusTextFormat(text: string): PromFamily[];
}
