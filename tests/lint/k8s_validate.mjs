// Validates the Kustomize output of deploy/kubernetes (rendered by k8s_lint.sh) against the
// Kubernetes OpenAPI schemas (kubernetes-models checks every field's type, required fields and
// formats), then what the service relies on: probes on /readyz and /healthz, the port, a
// read-only root filesystem, config and secret references that exist, every variable name
// known to `avatarbot --help`, the ingress routing both webhook paths, a grace period longer
// than the longest call a worker may hold, the PostgreSQL connection budget, and that the next
// release applies: two renders with different tags (and one with a changed config) differ in
// nothing immutable. Usage: node k8s_validate.mjs DEPLOY_DIR HELP_TEXT_FILE RENDER_DIR
import { readFileSync, readdirSync } from "node:fs";
import { join } from "node:path";
import { isDeepStrictEqual } from "node:util";
import YAML from "yaml";

const [dir, helpFile, renderDir] = process.argv.slice(2);
const help = readFileSync(helpFile, "utf8");
const known = new Set([...help.matchAll(/^ {2}([A-Z][A-Z0-9_]+) /gm)].map((m) => m[1]));
const defaults = Object.fromEntries(
  [...help.matchAll(/^ {2}([A-Z][A-Z0-9_]+) .*; default (\S+)$/gm)].map((m) => [m[1], m[2]]));
const problems = [];
const fail = (file, msg) => problems.push(`${file}: ${msg}`);

// PostgreSQL's default max_connections, less superuser_reserved_connections, less what is
// kept for a migrate Job, psql, exporters and backups: what the avatarbot pods may hold.
const PG_MAX_CONNECTIONS = 100, PG_SUPERUSER_RESERVED = 3, PG_OPERATOR_RESERVE = 12;
const POD_BUDGET = PG_MAX_CONNECTIONS - PG_SUPERUSER_RESERVED - PG_OPERATOR_RESERVE;
// Connections a pod opens besides the pool and the thread pools: listener (LISTEN), janitor,
// notifier, prober (src/workers/workers.c starts them, each with its own connection).
const SINGLETON_CONNECTIONS = 4;
// Worst case between SIGTERM's delivery and the start of the workers' last call: the HTTP
// server finishing a request body (MAX_BODY_SECONDS in src/http/server.c); FAL calls other
// than the submit time out after FAL_TIMEOUT_S (src/fal/queue.c).
const HTTP_BODY_SECONDS = 10, FAL_CALL_SECONDS = 30;

const modelPath = (apiVersion, kind) => {
  const [group, version] = apiVersion.includes("/") ? apiVersion.split("/") : [null, apiVersion];
  const folder = group ? `${group}/${version}` : version;
  return `kubernetes-models/${folder}/${kind}`;
};
const validateSchema = async (file, obj) => {
  try {
    const mod = await import(modelPath(obj.apiVersion, obj.kind));
    const Model = mod[obj.kind] ?? mod.default;
    new Model(obj).validate();
  } catch (e) {
    fail(file, `${obj.apiVersion} ${obj.kind} ${obj.metadata?.name} is not valid: ${e.message}`);
  }
};
const parseFile = (path, file) => {
  const objs = [];
  for (const doc of YAML.parseAllDocuments(readFileSync(path, "utf8"))) {
    if (doc.errors.length) { fail(file, `YAML: ${doc.errors[0].message}`); continue; }
    const obj = doc.toJS();
    if (obj) objs.push(obj);
  }
  return objs;
};

// Every render: each object valid against its schema.
const renders = {};
for (const file of readdirSync(renderDir).filter((f) => f.endsWith(".yaml")).sort()) {
  renders[file] = parseFile(join(renderDir, file), file);
  if (!renders[file].length) fail(file, "renders nothing");
  for (const obj of renders[file]) await validateSchema(file, obj);
}
const find = (objs, kind, pred = () => true) => objs.filter((o) => o.kind === kind && pred(o));
const one = (file, kind, name) => {
  const hits = find(renders[file] ?? [], kind, (o) => !name || o.metadata.name === name);
  if (hits.length !== 1) fail(file, `expected one ${kind} ${name ?? ""}, found ${hits.length}`);
  return hits[0];
};
const server = (file) => one(file, "Deployment", "avatarbot");

// The Secret is created out of band: its example is checked as a file, never rendered.
const secret = parseFile(join(dir, "base", "secret.example.yaml"), "secret.example.yaml")[0];
await validateSchema("secret.example.yaml", secret);
for (const name of Object.keys(secret?.stringData ?? {}))
  if (!known.has(name)) fail("secret.example.yaml", `${name} is not a variable avatarbot knows`);
for (const req of ["DATABASE_URL", "TELEGRAM_BOT_TOKEN", "TELEGRAM_WEBHOOK_SECRET"])
  if (!(req in (secret?.stringData ?? {}))) fail("secret.example.yaml", `${req} missing`);

const checkPod = (file, spec, container, wantRefs) => {
  if (!spec.securityContext?.runAsNonRoot) fail(file, "pods must run as non-root");
  if (container.securityContext?.readOnlyRootFilesystem !== true)
    fail(file, "root filesystem must be read-only");
  const refs = (container.envFrom ?? []).map((e) => e.configMapRef?.name ?? e.secretRef?.name);
  for (const want of wantRefs) if (!refs.includes(want)) fail(file, `envFrom must reference ${want}`);
};

// The service as every render that contains it ships it (the base and each overlay).
const checkService = (file) => {
  const objs = renders[file];
  const dep = server(file);
  const cms = find(objs, "ConfigMap", (o) => o.metadata.name.startsWith("avatarbot-config"));
  if (!dep || cms.length !== 1) { fail(file, "needs the Deployment and one avatarbot-config"); return; }
  const cm = cms[0], setting = (k) => cm.data?.[k] ?? defaults[k];
  if (!/^avatarbot-config-[a-z0-9]{10}$/.test(cm.metadata.name))
    fail(file, `ConfigMap ${cm.metadata.name} must come from configMapGenerator (hashed name)`);
  for (const name of Object.keys(cm.data ?? {}))
    if (!known.has(name)) fail(file, `config ${name} is not a variable avatarbot knows`);
  if (find(objs, "Secret").length) fail(file, "no Secret may be rendered (created out of band)");

  const spec = dep.spec.template.spec, c = spec.containers[0];
  checkPod(file, spec, c, [cm.metadata.name, secret.metadata.name]);
  if (c.readinessProbe?.httpGet?.path !== "/readyz") fail(file, "readiness must be /readyz");
  if (c.livenessProbe?.httpGet?.path !== "/healthz") fail(file, "liveness must be /healthz");
  const port = c.ports?.find((p) => p.name === "http")?.containerPort;
  if (String(port) !== setting("HTTP_PORT")) fail(file, "containerPort must equal HTTP_PORT");
  if (!c.resources?.requests || !c.resources?.limits) fail(file, "resources needed");

  // Grace: the preStop pause, a request body in flight, then the longest single call.
  const preStop = Number(c.lifecycle?.preStop?.exec?.command?.[1] ?? 0);
  const longest = Math.max(Number(setting("TELEGRAM_TIMEOUT_SECONDS")),
    Number(setting("STORAGE_TIMEOUT_SECONDS")), Number(setting("FAL_SUBMIT_TIMEOUT_SECONDS")),
    FAL_CALL_SECONDS);
  const grace = spec.terminationGracePeriodSeconds ?? 30, need = preStop + HTTP_BODY_SECONDS + longest;
  if (!(grace > need)) fail(file, `terminationGracePeriodSeconds ${grace} must exceed ${need}`);

  const spread = new Map((spec.topologySpreadConstraints ?? []).map((t) => [t.topologyKey, t]));
  for (const key of ["topology.kubernetes.io/zone", "kubernetes.io/hostname"])
    if (!spread.has(key)) fail(file, `pods must be spread over ${key}`);
  if (spread.get("topology.kubernetes.io/zone")?.whenUnsatisfiable !== "ScheduleAnyway")
    fail(file, "the zone spread must not block scheduling in a single-zone cluster");

  const labels = dep.spec.template.metadata.labels;
  for (const [k, v] of Object.entries(dep.spec.selector.matchLabels))
    if (labels[k] !== v) fail(file, "Deployment selector/labels differ");
  for (const kind of ["Service", "PodDisruptionBudget"]) {
    const o = one(file, kind, "avatarbot");
    const s = o?.spec?.selector?.matchLabels ?? o?.spec?.selector;
    for (const [k, v] of Object.entries(s ?? {})) if (labels[k] !== v) fail(file, `${kind} selector does not match the pods`);
  }
  const ing = one(file, "Ingress", "avatarbot");
  const paths = (ing?.spec?.rules ?? []).flatMap((r) => r.http.paths.map((p) => p.path));
  for (const p of ["/telegram/webhook", "/fal/webhook"]) if (!paths.includes(p)) fail(file, `${p} not routed`);
  if (paths.includes("/metrics") || paths.includes("/")) fail(file, "only the webhooks may be public");

  // The connection budget: every pod the HPA may run, plus the rollout's surge, within what
  // PostgreSQL has for them.
  const hpa = one(file, "HorizontalPodAutoscaler", "avatarbot");
  if (hpa && hpa.spec.scaleTargetRef.name !== dep.metadata.name) fail(file, "HPA targets the wrong Deployment");
  if ((hpa?.spec?.minReplicas ?? dep.spec.replicas ?? 1) < 3) fail(file, "3 replicas expected");
  // every apply would scale the Deployment back to its own count, whatever the HPA decided
  if (hpa && dep.spec.replicas !== undefined) fail(file, "the HPA owns the replica count: no spec.replicas");
  const perPod = ["DB_POOL_SIZE", "WORKER_THREADS", "SENDER_THREADS", "JOB_THREADS"]
    .reduce((sum, k) => sum + Number(setting(k)), SINGLETON_CONNECTIONS);
  const surge = Number(dep.spec.strategy?.rollingUpdate?.maxSurge ?? 1);
  const pods = (hpa?.spec?.maxReplicas ?? dep.spec.replicas) + surge;
  if (!(pods * perPod <= POD_BUDGET))
    fail(file, `${pods} pods x ${perPod} connections = ${pods * perPod} > ${POD_BUDGET} PostgreSQL allows them`);
  return { dep, cm, perPod, pods };
};

const base = checkService("base.yaml");
if (base) {
  if (find(renders["base.yaml"], "Job").length) fail("base.yaml", "the base runs no Job");
  if (base.cm.data?.MIGRATE_ON_START === "false")
    fail("base.yaml", "without the Job, the pods must apply migrations (MIGRATE_ON_START)");
  console.log(`connection budget: ${base.pods} pods x ${base.perPod} = ${base.pods * base.perPod} of ${POD_BUDGET}`);
}
for (const file of Object.keys(renders).filter((f) => f.startsWith("overlay."))) checkService(file);

// The migrate Job: `avatarbot migrate` with the Deployment's image, named after its tag, and
// reading only the Secret, so that a config change leaves an existing Job as it is.
const checkJobRender = (file) => {
  const dep = server(file), jobs = find(renders[file], "Job");
  if (jobs.length !== 1) { fail(file, "expected the migrate Job"); return; }
  const job = jobs[0], c = job.spec.template.spec.containers[0];
  checkPod(file, job.spec.template.spec, c, [secret.metadata.name]);
  if ((c.envFrom ?? []).some((e) => e.configMapRef)) fail(file, "the Job must not read the ConfigMap");
  if (c.args?.[0] !== "migrate") fail(file, "the Job must run `avatarbot migrate`");
  const image = dep?.spec.template.spec.containers[0].image ?? "";
  if (c.image !== image) fail(file, `Job image ${c.image} is not the Deployment's ${image}`);
  const tag = image.split(":")[1];
  if (job.metadata.name !== `avatarbot-migrate-${tag}`) fail(file, `Job ${job.metadata.name} is not named after tag ${tag}`);
  if (!/^[a-z0-9]([-a-z0-9.]*[a-z0-9])?$/.test(job.metadata.name) || job.metadata.name.length > 63)
    fail(file, `Job name ${job.metadata.name} is no valid name (tags must be lowercase, 45 characters at most)`);
  const cm = find(renders[file], "ConfigMap", (o) => o.metadata.name.startsWith("avatarbot-config"))[0];
  if (cm?.data?.MIGRATE_ON_START !== "false") fail(file, "with the Job, the pods must not migrate");
};
for (const file of Object.keys(renders).filter((f) => f.endsWith("migrate-job.yaml"))) checkJobRender(file);

// PgBouncer: session pooling keeps LISTEN, the migrations' advisory lock and the session SET
// on one server connection (overlays/pgbouncer/kustomization.yaml says why).
const pgb = renders["overlay.pgbouncer.yaml"];
if (pgb) {
  const ini = find(pgb, "ConfigMap", (o) => o.metadata.name.startsWith("avatarbot-pgbouncer"))[0]?.data?.["pgbouncer.ini"] ?? "";
  const iniValue = (k) => ini.match(new RegExp(`^${k}\\s*=\\s*(\\S+)`, "m"))?.[1];
  if (iniValue("pool_mode") !== "session") fail("overlay pgbouncer", "pool_mode must be session");
  if (!(Number(iniValue("max_db_connections")) <= POD_BUDGET))
    fail("overlay pgbouncer", `max_db_connections must be at most ${POD_BUDGET}`);
  const d = one("overlay.pgbouncer.yaml", "Deployment", "avatarbot-pgbouncer");
  const vols = d?.spec.template.spec.volumes.flatMap((v) => v.projected?.sources ?? []) ?? [];
  if (!vols.some((s) => s.configMap?.name?.startsWith("avatarbot-pgbouncer-")))
    fail("overlay pgbouncer", "the Deployment must mount the generated pgbouncer.ini");
}

// The example NetworkPolicy: schema-valid and aimed at the pods and port the base ships.
const netpol = parseFile(join(dir, "examples", "networkpolicy.yaml"), "networkpolicy.yaml")[0];
if (netpol && base) {
  await validateSchema("networkpolicy.yaml", netpol);
  const labels = base.dep.spec.template.metadata.labels;
  for (const [k, v] of Object.entries(netpol.spec.podSelector.matchLabels))
    if (labels[k] !== v) fail("networkpolicy.yaml", "podSelector does not match the pods");
  const ports = base.dep.spec.template.spec.containers[0].ports.map((p) => p.name);
  for (const rule of netpol.spec.ingress)
    for (const p of rule.ports) if (!ports.includes(p.port)) fail("networkpolicy.yaml", `no port ${p.port}`);
}

// Applying the next release: an object of the same kind, namespace and name in both renders
// must agree on every field the API server refuses to change.
const JOB_MUTABLE = ["parallelism", "activeDeadlineSeconds", "suspend", "ttlSecondsAfterFinished"];
const immutable = (o) => {
  const spec = o.spec ?? {};
  switch (o.kind) {
    case "Job": return Object.fromEntries(Object.entries(spec).filter(([k]) => !JOB_MUTABLE.includes(k)));
    case "Deployment": case "ReplicaSet": case "DaemonSet": return { selector: spec.selector };
    case "StatefulSet": return { selector: spec.selector, serviceName: spec.serviceName,
      volumeClaimTemplates: spec.volumeClaimTemplates, podManagementPolicy: spec.podManagementPolicy };
    case "Service": return { clusterIP: spec.clusterIP, clusterIPs: spec.clusterIPs };
    case "PersistentVolumeClaim": return { ...spec, resources: undefined };
    case "ConfigMap": case "Secret":
      return o.immutable ? { data: o.data, binaryData: o.binaryData, stringData: o.stringData } : {};
    default: return {};
  }
};
const key = (o) => `${o.kind}/${o.metadata.namespace ?? ""}/${o.metadata.name}`;
const applyTwice = (before, after) => {
  const old = new Map((renders[before] ?? []).map((o) => [key(o), o]));
  if (!old.size || !renders[after]?.length) { fail(after, `no render to compare with ${before}`); return; }
  for (const o of renders[after]) {
    const prev = old.get(key(o));
    if (prev && !isDeepStrictEqual(immutable(prev), immutable(o)))
      fail(after, `applied over ${before}: ${key(o)} changes a field that cannot change`);
  }
};
const image = (file) => server(file)?.spec.template.spec.containers[0].image;
for (const kind of ["base", "migrate-job"]) {
  applyTwice(`a.${kind}.yaml`, `b.${kind}.yaml`);
  applyTwice(`a.${kind}.yaml`, `a-config.${kind}.yaml`);
  if (image(`a.${kind}.yaml`) === image(`b.${kind}.yaml`)) fail(`b.${kind}.yaml`, "the tag did not reach the image");
  // a config change is a new ConfigMap name, so a new pod template: the pods roll
  const refs = (f) => server(f)?.spec.template.spec.containers[0].envFrom.map((e) => e.configMapRef?.name);
  if (isDeepStrictEqual(refs(`a.${kind}.yaml`), refs(`a-config.${kind}.yaml`)))
    fail(`a-config.${kind}.yaml`, "a config change must change the pods' ConfigMap reference");
}

if (problems.length) {
  for (const p of problems) console.error(p);
  process.exit(1);
}
console.log(`kubernetes manifests OK (${Object.keys(renders).length} renders)`);
