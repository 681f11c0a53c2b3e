// Validates the objects of other projects' kinds in YAML files against those projects' CRD
// schemas, as the npm packages of kubernetes-models carry them: the Prometheus Operator
// (ServiceMonitor, PrometheusRule), Argo CD (Application), Flux (GitRepository, Kustomization)
// and the External Secrets Operator (ExternalSecret, ClusterSecretStore).
//
//   node deploy/tests/validate-foreign.mjs FILE...
//
// Prints one line per object of such a kind ("valid" or why not) and a WARNING for a kind no
// package has a schema for (e.g. RabbitmqCluster); built-in kinds and MarketplaceService are
// left to kubernetes-validate and the CRD check. Exits 1 if any object is invalid.
import { readFileSync } from "node:fs";
import { parseAllDocuments } from "yaml";

// API group → the package holding its models.
const packages = {
  "monitoring.coreos.com": "@kubernetes-models/prometheus-operator",
  "argoproj.io": "@kubernetes-models/argo-cd",
  "source.toolkit.fluxcd.io": "@kubernetes-models/flux-cd",
  "kustomize.toolkit.fluxcd.io": "@kubernetes-models/flux-cd",
  "external-secrets.io": "@kubernetes-models/external-secrets",
};
// Kinds checked elsewhere: Kubernetes' own groups and ours.
const builtIn = (group) =>
  group === "" || !group.includes(".") || group.endsWith(".k8s.io") || group === "mercato.dev";

let invalid = 0;
for (const file of process.argv.slice(2)) {
  for (const doc of parseAllDocuments(readFileSync(file, "utf8"))) {
    const object = doc.toJS();
    if (!object || !object.apiVersion) continue;
    const [group, version] = object.apiVersion.includes("/")
      ? object.apiVersion.split("/")
      : ["", object.apiVersion];
    if (builtIn(group)) continue;
    const name = `${object.kind}/${object.metadata?.name}`;
    const pkg = packages[group];
    if (!pkg) {
      console.log(`WARNING ${name} (${object.apiVersion}): no schema available, not validated`);
      continue;
    }
    let Model;
    try {
      Model = (await import(`${pkg}/${group}/${version}/${object.kind}`))[object.kind];
    } catch {
      console.log(`INVALID ${name}: ${pkg} has no ${object.apiVersion} ${object.kind}`);
      invalid += 1;
      continue;
    }
    try {
      new Model(object).validate();
      console.log(`${name}: valid (${object.apiVersion}, schema from ${pkg})`);
    } catch (error) {
      console.log(`INVALID ${name}: ${error.message}`);
      invalid += 1;
    }
  }
}
process.exit(invalid > 0 ? 1 : 0);
