import { posix } from 'node:path';
import { batchKinds, containerEnv, containers, find, podTemplate, sameNamespace, selects, workloads, type K8sObject } from './manifests.js';
import { schemaProblems } from './schema.js';

/**
 * Checks on a whole rendering. Each returns the problems it finds, one line each, so a test can
 * show them all at once, and a negative test can show that a broken manifest is caught.
 */
export type Check = (objects: K8sObject[]) => string[];

export const checkSchema: Check = (objects) => objects.flatMap(schemaProblems);

/** Every Service selects at least one pod template, and each target port is a port of those pods. */
export const checkServices: Check = (objects) =>
  objects
    .filter((o) => o.kind === 'Service' && o.spec?.selector)
    .flatMap((service) => {
      const pods = workloads(objects).filter(
        ({ object, template }) => sameNamespace(object, service) && selects(service.spec.selector, template.metadata?.labels),
      );
      if (pods.length === 0) return [`Service/${service.metadata.name}: its selector matches no pod template`];
      return (service.spec.ports ?? []).flatMap((port: any) => {
        const target = port.targetPort ?? port.port;
        return pods
          .filter(({ template }) => !containerPort(template.spec, target))
          .map(
            ({ object }) =>
              `Service/${service.metadata.name}: target port ${target} is not a port of ${object.kind}/${object.metadata.name}`,
          );
      });
    });

/** Every Ingress backend is an existing Service and one of its ports; every TLS host has a rule. */
export const checkIngresses: Check = (objects) =>
  objects
    .filter((o) => o.kind === 'Ingress')
    .flatMap((ingress) => {
      const where = `Ingress/${ingress.metadata.name}`;
      const backends = [
        ...(ingress.spec.defaultBackend ? [ingress.spec.defaultBackend] : []),
        ...(ingress.spec.rules ?? []).flatMap((rule: any) => (rule.http?.paths ?? []).map((path: any) => path.backend)),
      ];
      const hosts = new Set((ingress.spec.rules ?? []).map((rule: any) => rule.host));
      return [
        ...backends.flatMap(({ service: backend }) => {
          const service = find(objects, 'Service', backend.name, ingress.metadata.namespace);
          if (!service) return [`${where}: backend Service ${backend.name} does not exist`];
          const port = (service.spec.ports ?? []).find((p: any) =>
            backend.port.number !== undefined ? p.port === backend.port.number : p.name === backend.port.name,
          );
          return port ? [] : [`${where}: Service ${backend.name} has no port ${backend.port.number ?? backend.port.name}`];
        }),
        ...(ingress.spec.tls ?? []).flatMap((tls: any) =>
          (tls.hosts ?? []).filter((host: string) => !hosts.has(host)).map((host: string) => `${where}: TLS host ${host} has no rule`),
        ),
      ];
    });

/**
 * Gateway API: every HTTPRoute backend is an existing Service and one of its ports; a route
 * attached to a Gateway of this rendering names one of its listeners, and that listener serves
 * the route's host names. (A Gateway in another namespace, a shared one, is the cluster's.)
 */
export const checkRoutes: Check = (objects) =>
  objects
    .filter((o) => o.kind === 'HTTPRoute')
    .flatMap((route) => {
      const where = `HTTPRoute/${route.metadata.name}`;
      const namespace = route.metadata.namespace;
      const backends = (route.spec.rules ?? []).flatMap((rule: any) => rule.backendRefs ?? []);
      const parents = (route.spec.parentRefs ?? []).filter(
        (ref: any) => (ref.kind ?? 'Gateway') === 'Gateway' && (ref.namespace ?? namespace) === namespace,
      );
      return [
        ...backends.flatMap((backend: any) => {
          const service = find(objects, 'Service', backend.name, namespace);
          if (!service) return [`${where}: backend Service ${backend.name} does not exist`];
          return (service.spec.ports ?? []).some((p: any) => p.port === backend.port)
            ? []
            : [`${where}: Service ${backend.name} has no port ${backend.port}`];
        }),
        ...parents.flatMap((ref: any) => {
          const gateway = find(objects, 'Gateway', ref.name, namespace);
          if (!gateway) return [`${where}: Gateway ${ref.name} does not exist`];
          const listeners = (gateway.spec.listeners ?? []).filter((l: any) => ref.sectionName === undefined || l.name === ref.sectionName);
          if (listeners.length === 0) return [`${where}: Gateway ${ref.name} has no listener ${ref.sectionName}`];
          return (route.spec.hostnames ?? [])
            .filter((host: string) => !listeners.some((l: any) => l.hostname === undefined || l.hostname === host))
            .map((host: string) => `${where}: no listener of Gateway ${ref.name} serves ${host}`);
        }),
      ];
    });

/**
 * Every ConfigMap and Secret a pod or Ingress uses exists (with the keys used), except the TLS
 * Secret that cert-manager makes, and then the Issuer it names must exist.
 */
export const checkReferences: Check = (objects) => {
  const problems: string[] = [];
  const require = (owner: K8sObject, kind: 'ConfigMap' | 'Secret', name: string | undefined, keys: string[], optional?: boolean) => {
    if (optional) return;
    const where = `${owner.kind}/${owner.metadata.name}`;
    if (!name) return problems.push(`${where}: a ${kind} reference names no ${kind}`);
    const target = find(objects, kind, name, owner.metadata.namespace);
    // A Secret that the External Secrets Operator keeps: named by its target, keys by its data.
    const external =
      kind === 'Secret'
        ? objects.find((o) => o.kind === 'ExternalSecret' && sameNamespace(o, owner) && (o.spec.target?.name ?? o.metadata.name) === name)
        : undefined;
    if (!target && !external) return problems.push(`${where}: ${kind} ${name} does not exist`);
    const present = target
      ? new Set([...Object.keys(target.data ?? {}), ...Object.keys(target.binaryData ?? target.stringData ?? {})])
      : new Set<string>((external!.spec.data ?? []).map((d: any) => d.secretKey));
    for (const key of keys.filter((k) => !present.has(k))) problems.push(`${where}: ${kind} ${name} has no key ${key}`);
  };
  for (const { object, template } of workloads(objects)) {
    for (const container of containers(template.spec)) {
      for (const { valueFrom } of container.env ?? []) {
        const configMap = valueFrom?.configMapKeyRef;
        const secret = valueFrom?.secretKeyRef;
        if (configMap) require(object, 'ConfigMap', configMap.name, [configMap.key], configMap.optional);
        if (secret) require(object, 'Secret', secret.name, [secret.key], secret.optional);
      }
      for (const source of container.envFrom ?? []) {
        if (source.configMapRef) require(object, 'ConfigMap', source.configMapRef.name, [], source.configMapRef.optional);
        if (source.secretRef) require(object, 'Secret', source.secretRef.name, [], source.secretRef.optional);
      }
    }
    for (const volume of template.spec?.volumes ?? []) {
      const sources = [volume, ...(volume.projected?.sources ?? [])];
      // `in`, not truthiness: the source's misindented `secret:` is a present but empty (null) source.
      for (const source of sources) {
        const keys = (items: any[] = []) => items.map((item) => item.key);
        if ('configMap' in source)
          require(object, 'ConfigMap', source.configMap?.name, keys(source.configMap?.items), source.configMap?.optional);
        // A volume names its Secret with secretName, a projected source with name.
        if ('secret' in source)
          require(object, 'Secret', source.secret?.secretName ?? source.secret?.name, keys(source.secret?.items), source.secret?.optional);
      }
      const providerClass =
        volume.csi?.driver === 'secrets-store.csi.k8s.io' ? volume.csi.volumeAttributes?.secretProviderClass : undefined;
      if (providerClass && !find(objects, 'SecretProviderClass', providerClass, object.metadata.namespace)) {
        problems.push(`${object.kind}/${object.metadata.name}: SecretProviderClass ${providerClass} does not exist`);
      }
    }
  }
  // TLS Secrets of an Ingress or a Gateway's listeners: made by cert-manager when annotated.
  const tlsSecrets = (o: K8sObject): string[] =>
    o.kind === 'Ingress'
      ? (o.spec.tls ?? []).map((tls: any) => tls.secretName)
      : (o.spec.listeners ?? []).flatMap((l: any) => (l.tls?.certificateRefs ?? []).map((ref: any) => ref.name));
  for (const edge of objects.filter((o) => o.kind === 'Ingress' || o.kind === 'Gateway')) {
    const annotations = edge.metadata.annotations ?? {};
    const issuer = annotations['cert-manager.io/issuer'];
    const clusterIssuer = annotations['cert-manager.io/cluster-issuer'];
    for (const secretName of tlsSecrets(edge)) {
      if (issuer) {
        if (!find(objects, 'Issuer', issuer, edge.metadata.namespace))
          problems.push(`${edge.kind}/${edge.metadata.name}: Issuer ${issuer} does not exist`);
      } else if (clusterIssuer) {
        if (!find(objects, 'ClusterIssuer', clusterIssuer))
          problems.push(`${edge.kind}/${edge.metadata.name}: ClusterIssuer ${clusterIssuer} does not exist`);
      } else {
        require(edge, 'Secret', secretName, ['tls.crt', 'tls.key']);
      }
    }
  }
  return problems;
};

/** A StatefulSet's governing Service exists, is headless and selects its pods (pod DNS names). */
export const checkStatefulSets: Check = (objects) =>
  objects
    .filter((o) => o.kind === 'StatefulSet')
    .flatMap((set) => {
      const where = `StatefulSet/${set.metadata.name}`;
      const service = find(objects, 'Service', set.spec.serviceName, set.metadata.namespace);
      if (!service) return [`${where}: governing Service ${set.spec.serviceName} does not exist`];
      return [
        ...(service.spec.clusterIP === 'None'
          ? []
          : [`${where}: governing Service ${service.metadata.name} is not headless (clusterIP: None)`]),
        ...(selects(service.spec.selector, set.spec.template.metadata?.labels)
          ? []
          : [`${where}: governing Service ${service.metadata.name} does not select its pods`]),
      ];
    });

const restrictedVolumeTypes = ['configMap', 'csi', 'downwardAPI', 'emptyDir', 'ephemeral', 'persistentVolumeClaim', 'projected', 'secret'];

/** The Pod Security Standard "restricted" profile (which includes "baseline"), per pod template. */
export const checkRestricted: Check = (objects) =>
  workloads(objects).flatMap(({ object, template }) => {
    const where = `${object.kind}/${object.metadata.name}`;
    const pod = template.spec ?? {};
    const podContext = pod.securityContext ?? {};
    const problems: string[] = [];
    for (const field of ['hostNetwork', 'hostPID', 'hostIPC']) if (pod[field]) problems.push(`${where}: ${field} is on`);
    for (const volume of pod.volumes ?? []) {
      const type = Object.keys(volume).find((k) => k !== 'name');
      if (!type || !restrictedVolumeTypes.includes(type)) problems.push(`${where}: volume ${volume.name} is a ${type} volume`);
    }
    if (podContext.runAsUser === 0) problems.push(`${where}: pod runs as uid 0`);
    for (const container of containers(pod)) {
      const c = `${where} container ${container.name}`;
      const context = container.securityContext ?? {};
      if (context.privileged) problems.push(`${c}: privileged`);
      if (context.allowPrivilegeEscalation !== false) problems.push(`${c}: allowPrivilegeEscalation is not false`);
      if ((context.runAsNonRoot ?? podContext.runAsNonRoot) !== true) problems.push(`${c}: runAsNonRoot is not true`);
      if (context.runAsUser === 0) problems.push(`${c}: runs as uid 0`);
      const seccomp = (context.seccompProfile ?? podContext.seccompProfile)?.type;
      if (seccomp !== 'RuntimeDefault' && seccomp !== 'Localhost') problems.push(`${c}: seccomp profile is ${seccomp ?? 'unset'}`);
      if (!(context.capabilities?.drop ?? []).includes('ALL')) problems.push(`${c}: does not drop ALL capabilities`);
      for (const added of context.capabilities?.add ?? []) {
        if (added !== 'NET_BIND_SERVICE') problems.push(`${c}: adds capability ${added}`);
      }
      if (context.procMount && context.procMount !== 'Default') problems.push(`${c}: procMount ${context.procMount}`);
      for (const port of container.ports ?? []) if (port.hostPort) problems.push(`${c}: uses host port ${port.hostPort}`);
    }
    return problems;
  });

/**
 * Images are pinned: a digest, or a tag that starts with a full semantic version (such as
 * 8.2.2-alpine or 1.0.0-655e1a9). No `latest`, no untagged image, no `5-alpine`.
 */
export const checkImages: Check = (objects) =>
  workloads(objects).flatMap(({ object, template }) =>
    containers(template.spec)
      .filter(({ image }) => !/@sha256:[0-9a-f]{64}$/.test(image ?? '') && !/:v?\d+\.\d+\.\d+([-+][\w.-]+)?$/.test(image ?? ''))
      .map(({ name, image }) => `${object.kind}/${object.metadata.name} container ${name}: image ${image} is not pinned to a version`),
  );

/**
 * What every pod here must have beyond the restricted profile: no service account token, a
 * read-only root filesystem, cpu and memory limits equal to the requests, and health probes
 * (except containers that run to completion: batch pods, init containers).
 */
export const checkHardening: Check = (objects) =>
  workloads(objects).flatMap(({ object, template }) => {
    const where = `${object.kind}/${object.metadata.name}`;
    const problems: string[] = [];
    if (template.spec?.automountServiceAccountToken !== false) problems.push(`${where}: automountServiceAccountToken is not false`);
    for (const container of containers(template.spec)) {
      const c = `${where} container ${container.name}`;
      if (container.securityContext?.readOnlyRootFilesystem !== true) problems.push(`${c}: root filesystem is writable`);
      for (const resource of ['cpu', 'memory']) {
        const limit = container.resources?.limits?.[resource];
        if (limit === undefined) problems.push(`${c}: no ${resource} limit`);
        else if (String(container.resources?.requests?.[resource]) !== String(limit))
          problems.push(`${c}: ${resource} request is not its limit`);
      }
      // Init containers run to completion too (Kubernetes refuses probes on them).
      if (batchKinds.includes(object.kind) || !(template.spec.containers ?? []).includes(container)) continue;
      if (!container.readinessProbe) problems.push(`${c}: no readiness probe`);
      if (!container.livenessProbe) problems.push(`${c}: no liveness probe`);
    }
    return problems;
  });

/** The autoscaler that owns a workload's pod count, if any. */
export function autoscalerOf(objects: K8sObject[], workload: K8sObject): K8sObject | undefined {
  return objects.find(
    (o) =>
      o.kind === 'HorizontalPodAutoscaler' &&
      sameNamespace(o, workload) &&
      o.spec.scaleTargetRef.kind === workload.kind &&
      o.spec.scaleTargetRef.name === workload.metadata.name,
  );
}

/** How many pods a budget lets a drain evict when `pods` run (integers or percentages). */
export function evictable(budget: K8sObject, pods: number): number {
  const count = (value: number | string, round: (x: number) => number) =>
    typeof value === 'string' && value.endsWith('%') ? round((pods * Number(value.slice(0, -1))) / 100) : Number(value);
  if (budget.spec.maxUnavailable !== undefined) return count(budget.spec.maxUnavailable, Math.ceil);
  if (budget.spec.minAvailable !== undefined) return pods - count(budget.spec.minAvailable, Math.ceil);
  return pods;
}

/**
 * Every long-running workload runs 2+ pods (its autoscaler's minimum where one owns the count) and
 * has a PodDisruptionBudget that lets a drain evict a pod even at that minimum.
 */
export const checkAvailability: Check = (objects) =>
  workloads(objects)
    .filter(({ object }) => !batchKinds.includes(object.kind))
    .flatMap(({ object, template }) => {
      const where = `${object.kind}/${object.metadata.name}`;
      const budget = objects.find(
        (o) => o.kind === 'PodDisruptionBudget' && sameNamespace(o, object) && selects(o.spec.selector, template.metadata?.labels),
      );
      const pods = autoscalerOf(objects, object)?.spec.minReplicas ?? object.spec.replicas ?? 1;
      return [
        ...(pods < 2 ? [`${where}: fewer than 2 replicas`] : []),
        ...(budget ? [] : [`${where}: no PodDisruptionBudget selects its pods`]),
        ...(budget && evictable(budget, pods) < 1
          ? [`${where}: PodDisruptionBudget/${budget.metadata.name} blocks a node drain at ${pods} pods`]
          : []),
      ];
    });

/**
 * Every file a container runs from a ConfigMap volume (its command, exec probes, preStop) is a
 * key of that ConfigMap, and so is every script such a file sources from its own folder
 * (`. "$(dirname "$0")/peers.sh"`): a component that replaces or adds scripts keeps them complete.
 */
export const checkScripts: Check = (objects) =>
  workloads(objects).flatMap(({ object, template }) =>
    containers(template.spec).flatMap((container) => {
      const where = `${object.kind}/${object.metadata.name} container ${container.name}`;
      const hooks = [
        container.command,
        container.readinessProbe?.exec?.command,
        container.livenessProbe?.exec?.command,
        container.startupProbe?.exec?.command,
        container.lifecycle?.preStop?.exec?.command,
      ];
      const problems = new Set<string>();
      for (const path of hooks.flat().filter((arg): arg is string => typeof arg === 'string' && arg.startsWith('/'))) {
        const mount = (container.volumeMounts ?? []).find((m: any) => path.startsWith(`${m.mountPath}/`));
        const volume = mount && template.spec.volumes?.find((v: any) => v.name === mount.name);
        if (!volume?.configMap) continue;
        const data = find(objects, 'ConfigMap', volume.configMap.name, object.metadata.namespace)?.data ?? {};
        const pending = [path.slice(mount.mountPath.length + 1)];
        for (const seen = new Set<string>(); pending.length > 0;) {
          const key = pending.pop()!;
          if (seen.has(key)) continue;
          seen.add(key);
          if (!(key in data)) {
            problems.add(`${where}: ${mount.mountPath}/${key} is not in ConfigMap ${volume.configMap.name}`);
            continue;
          }
          for (const [, sourced] of String(data[key]).matchAll(/^\s*\.\s+"\$\(dirname "\$0"\)\/([\w.-]+)"/gm)) pending.push(sourced!);
        }
      }
      return [...problems];
    }),
  );

/**
 * The API runs with AUTH_MODE=token, and its tokens file is in a Secret volume, or a Secrets Store
 * CSI volume of an existing SecretProviderClass, mounted read-only as a folder: with subPath the
 * kubelet (or the CSI driver) never updates the file, so a revoked token would stay valid.
 */
export const checkAuth: Check = (objects) => {
  const deployment = find(objects, 'Deployment', 'frontend');
  if (!deployment) return ['Deployment/frontend (the API) is missing'];
  return deployment.spec.template.spec.containers.flatMap((container: any) => {
    const where = `Deployment/frontend container ${container.name}`;
    const env = containerEnv(objects, deployment, container);
    if (env.AUTH_MODE !== 'token') return [`${where}: AUTH_MODE is ${JSON.stringify(env.AUTH_MODE)}, not "token": anyone could write`];
    const file = env.AUTH_TOKENS_FILE ?? '/etc/journal-auth/tokens';
    const mount = (container.volumeMounts ?? []).find((m: any) => file.startsWith(`${m.mountPath.replace(/\/$/, '')}/`));
    if (!mount) return [`${where}: no volume is mounted where AUTH_TOKENS_FILE (${file}) is`];
    const volume = deployment.spec.template.spec.volumes?.find((v: any) => v.name === mount.name);
    const providerClass = volume?.csi?.driver === 'secrets-store.csi.k8s.io' ? volume.csi.volumeAttributes?.secretProviderClass : undefined;
    const fromStore =
      providerClass !== undefined && find(objects, 'SecretProviderClass', providerClass, deployment.metadata.namespace) !== undefined;
    const problems: string[] = [];
    if (!volume?.secret && !fromStore)
      problems.push(`${where}: ${file} is not in a Secret volume nor a CSI volume of an existing SecretProviderClass`);
    if (!mount.readOnly) problems.push(`${where}: the tokens volume is not mounted readOnly`);
    for (const m of container.volumeMounts.filter((m: any) => m.name === mount.name && (m.subPath || m.subPathExpr))) {
      problems.push(`${where}: the tokens volume is mounted at ${m.mountPath} with subPath, so token changes never reach the pod`);
    }
    if ((volume?.secret || fromStore) && posix.relative(mount.mountPath, file).includes('/'))
      problems.push(`${where}: ${file} is not a key at the top of the tokens volume`);
    return problems;
  });
};

/**
 * An autoscaler and what it scales agree: the target exists and leaves the count to it (no
 * spec.replicas), a CPU utilization target has CPU requests on every container to be a share
 * of, the bounds are sane and scaling down waits for a stabilization window.
 */
export const checkAutoscaling: Check = (objects) =>
  objects
    .filter((o) => o.kind === 'HorizontalPodAutoscaler')
    .flatMap((hpa) => {
      const where = `HorizontalPodAutoscaler/${hpa.metadata.name}`;
      const { kind, name } = hpa.spec.scaleTargetRef;
      const target = find(objects, kind, name, hpa.metadata.namespace);
      if (!target) return [`${where}: ${kind} ${name} does not exist`];
      const cpu = (hpa.spec.metrics ?? []).some((m: any) => m.type === 'Resource' && m.resource?.name === 'cpu');
      return [
        ...(target.spec.replicas !== undefined ? [`${where}: ${kind}/${name} sets spec.replicas, which an apply would reset`] : []),
        ...(cpu
          ? containers(target.spec.template.spec)
              .filter((c) => !c.resources?.requests?.cpu)
              .map((c) => `${where}: container ${c.name} has no CPU request`)
          : []),
        ...((hpa.spec.minReplicas ?? 1) < 2 ? [`${where}: minReplicas below 2`] : []),
        ...(hpa.spec.maxReplicas <= (hpa.spec.minReplicas ?? 1) ? [`${where}: maxReplicas not above minReplicas`] : []),
        ...(!(hpa.spec.behavior?.scaleDown?.stabilizationWindowSeconds > 0) ? [`${where}: no scale-down stabilization window`] : []),
      ];
    });

export const allChecks: Record<string, Check> = {
  'schema (no unknown field, right types)': checkSchema,
  'Services select pods and their ports': checkServices,
  'Ingress backends and TLS hosts exist': checkIngresses,
  'HTTPRoute backends, Gateways and listeners exist': checkRoutes,
  'ConfigMap, Secret and Issuer references are provided': checkReferences,
  'StatefulSets have a headless governing Service': checkStatefulSets,
  'pods meet the restricted Pod Security Standard': checkRestricted,
  'images are pinned': checkImages,
  'pods are hardened (token, read-only root, limits, probes)': checkHardening,
  'workloads are replicated and have a disruption budget that lets a drain through': checkAvailability,
  'scripts run from ConfigMaps exist, with what they source': checkScripts,
  'writes need a token, from a Secret or a secret store, mounted read-only without subPath': checkAuth,
  "autoscalers own their targets' pod count and have CPU requests to scale on": checkAutoscaling,
};

/** Names of the workloads whose pods a NetworkPolicy lets in to the pods of `target`. */
export function allowedClients(objects: K8sObject[], target: K8sObject): string[] {
  const targetLabels = podTemplate(target).metadata?.labels;
  const policies = objects.filter(
    (o) =>
      o.kind === 'NetworkPolicy' &&
      sameNamespace(o, target) &&
      selects(o.spec.podSelector, targetLabels) &&
      (o.spec.policyTypes ?? ['Ingress']).includes('Ingress'),
  );
  if (policies.length === 0) return workloads(objects).map(({ object }) => object.metadata.name); // no policy: open
  const peers = policies.flatMap((p) => (p.spec.ingress ?? []).flatMap((rule: any) => rule.from ?? [{}]));
  return workloads(objects)
    .filter(
      ({ object, template }) =>
        sameNamespace(object, target) &&
        peers.some((peer: any) => !peer.namespaceSelector && !peer.ipBlock && selects(peer.podSelector ?? {}, template.metadata?.labels)),
    )
    .map(({ object }) => object.metadata.name);
}

function containerPort(podSpec: any, target: number | string): boolean {
  return containers(podSpec).some((c) =>
    (c.ports ?? []).some((p: any) => (typeof target === 'number' ? p.containerPort === target : p.name === target)),
  );
}
