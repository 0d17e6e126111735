// Validates deploy/kubernetes/*.yaml against the Kubernetes OpenAPI schemas (kubernetes-models
// checks every field's type, required fields and formats), then checks what the service
// relies on: probes on /readyz and /healthz, the port, a read-only root filesystem, config
// and secret references that exist, every variable name known to `avatarbot --help`, and the
// ingress routing both webhook paths. Usage: node k8s_validate.mjs DEPLOY_DIR HELP_TEXT_FILE
import { readFileSync, readdirSync } from "node:fs";
import { join } from "node:path";
import YAML from "yaml";

const [dir, helpFile] = process.argv.slice(2);
const known = new Set([...readFileSync(helpFile, "utf8").matchAll(/^ {2}([A-Z][A-Z0-9_]+) /gm)]
  .map((m) => m[1]));
const problems = [];
const fail = (file, msg) => problems.push(`${file}: ${msg}`);

const modelPath = (apiVersion, kind) => {
  const [group, version] = apiVersion.includes("/") ? apiVersion.split("/") : [null, apiVersion];
  const folder = group ? `${group}/${version}` : version;
  return `kubernetes-models/${folder}/${kind}`;
};

const docs = {};
for (const file of readdirSync(dir).filter((f) => f.endsWith(".yaml")).sort()) {
  const text = readFileSync(join(dir, file), "utf8");
  for (const doc of YAML.parseAllDocuments(text)) {
    if (doc.errors.length) { fail(file, `YAML: ${doc.errors[0].message}`); continue; }
    const obj = doc.toJS();
    if (!obj) continue;
    docs[file] = obj;
    if (obj.kind === "Kustomization") continue;
    try {
      const mod = await import(modelPath(obj.apiVersion, obj.kind));
      const Model = mod[obj.kind] ?? mod.default;
      new Model(obj).validate();
    } catch (e) {
      fail(file, `${obj.apiVersion} ${obj.kind} is not valid: ${e.message}`);
    }
  }
}

const kust = docs["kustomization.yaml"];
for (const r of kust?.resources ?? []) if (!docs[r]) fail("kustomization.yaml", `missing ${r}`);
if (kust?.resources?.includes("secret.example.yaml"))
  fail("kustomization.yaml", "the example Secret must not be applied");

const cm = docs["configmap.yaml"], secret = docs["secret.example.yaml"];
for (const name of [...Object.keys(cm?.data ?? {}), ...Object.keys(secret?.stringData ?? {})])
  if (!known.has(name)) fail("configmap/secret", `${name} is not a variable avatarbot knows`);
for (const req of ["DATABASE_URL", "TELEGRAM_BOT_TOKEN", "TELEGRAM_WEBHOOK_SECRET"])
  if (!(req in (secret?.stringData ?? {}))) fail("secret.example.yaml", `${req} missing`);

const checkPod = (file, spec, container) => {
  if (!spec.securityContext?.runAsNonRoot) fail(file, "pods must run as non-root");
  if (container.securityContext?.readOnlyRootFilesystem !== true)
    fail(file, "root filesystem must be read-only");
  const refs = (container.envFrom ?? []).map((e) => e.configMapRef?.name ?? e.secretRef?.name);
  for (const want of [cm?.metadata?.name, secret?.metadata?.name])
    if (!refs.includes(want)) fail(file, `envFrom must reference ${want}`);
};

const dep = docs["deployment.yaml"];
if (dep) {
  const spec = dep.spec.template.spec, c = spec.containers[0];
  checkPod("deployment.yaml", spec, c);
  if (c.readinessProbe?.httpGet?.path !== "/readyz") fail("deployment.yaml", "readiness must be /readyz");
  if (c.livenessProbe?.httpGet?.path !== "/healthz") fail("deployment.yaml", "liveness must be /healthz");
  const port = c.ports?.find((p) => p.name === "http")?.containerPort;
  if (String(port) !== cm?.data?.HTTP_PORT) fail("deployment.yaml", "containerPort must equal HTTP_PORT");
  if (!c.resources?.requests || !c.resources?.limits) fail("deployment.yaml", "resources needed");
  if ((spec.terminationGracePeriodSeconds ?? 30) < 30) fail("deployment.yaml", "grace period too short");
  if ((dep.spec.replicas ?? 1) < 3) fail("deployment.yaml", "3 replicas expected");
  const sel = dep.spec.selector.matchLabels, labels = dep.spec.template.metadata.labels;
  for (const [k, v] of Object.entries(sel)) if (labels[k] !== v) fail("deployment.yaml", "selector/labels differ");
  for (const f of ["service.yaml", "pdb.yaml"]) {
    const s = docs[f]?.spec?.selector?.matchLabels ?? docs[f]?.spec?.selector;
    for (const [k, v] of Object.entries(s ?? {})) if (labels[k] !== v) fail(f, "selector does not match the pods");
  }
}
const job = docs["migrate-job.yaml"];
if (job) {
  const c = job.spec.template.spec.containers[0];
  checkPod("migrate-job.yaml", job.spec.template.spec, c);
  if (c.args?.[0] !== "migrate") fail("migrate-job.yaml", "must run `avatarbot migrate`");
}
const paths = (docs["ingress.yaml"]?.spec?.rules ?? []).flatMap((r) => r.http.paths.map((p) => p.path));
for (const p of ["/telegram/webhook", "/fal/webhook"]) if (!paths.includes(p)) fail("ingress.yaml", `${p} not routed`);
if (paths.includes("/metrics") || paths.includes("/")) fail("ingress.yaml", "only the webhooks may be public");
const hpa = docs["hpa.yaml"];
if (hpa && hpa.spec.scaleTargetRef.name !== dep?.metadata?.name) fail("hpa.yaml", "targets the wrong Deployment");

if (problems.length) {
  for (const p of problems) console.error(p);
  process.exit(1);
}
console.log(`kubernetes manifests OK (${Object.keys(docs).length} files)`);
