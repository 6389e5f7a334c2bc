/**
 * The Prometheus version whose HTTP API Vigil's answers: label and series
 * calls with `match[]` (2.24+), metadata, exemplars and `format_query`
 * (2.47+). Clients such as Grafana choose their requests by this number;
 * Vigil's own version goes in `revision`, where a person reading it looks.
 * No `application` or `features` field: Grafana then treats Vigil as a plain
 * Prometheus without a ruler API, which is what it is.
 */
export const compatiblePrometheusVersion = '2.53.0';

export function prometheusBuildInfo(vigilVersion: string) {
  return {
    version: compatiblePrometheusVersion,
    revision: `vigil-${vigilVersion}`,
    branch: 'vigil',
    buildUser: 'vigil',
    buildDate: '',
    goVersion: `node${process.versions.node}`,
  };
}
