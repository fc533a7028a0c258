import { Issuer } from '@kubernetes-models/cert-manager/cert-manager.io/v1/Issuer';
import { ExternalSecret } from '@kubernetes-models/external-secrets/external-secrets.io/v1/ExternalSecret';
import { Gateway } from '@kubernetes-models/gateway-api/gateway.networking.k8s.io/v1/Gateway';
import { HTTPRoute } from '@kubernetes-models/gateway-api/gateway.networking.k8s.io/v1/HTTPRoute';
import { PodMonitor } from '@kubernetes-models/prometheus-operator/monitoring.coreos.com/v1/PodMonitor';
import { PrometheusRule } from '@kubernetes-models/prometheus-operator/monitoring.coreos.com/v1/PrometheusRule';
import * as models from '@kubernetes/client-node/dist/gen/models/all.js';
import { Ajv } from 'ajv';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { K8sObject } from './manifests.js';

/**
 * Strict schema validation, the way an API server with strict field validation (kubectl's
 * default) rejects a manifest: every field must exist in the Kubernetes API's OpenAPI schema,
 * with the right JSON type.
 *
 * The schema is the one @kubernetes/client-node generates its models from (the official OpenAPI
 * spec of its Kubernetes release): each model lists its fields and their types in
 * `attributeTypeMap`. Validators generated with additionalProperties allowed (kubernetes-models)
 * accept `resources.request`, so they cannot catch the mistakes this has to catch.
 *
 * Custom resources are outside that spec. cert-manager's Issuer, Gateway API's Gateway and
 * HTTPRoute, the Prometheus Operator's PodMonitor and PrometheusRule and External Secrets'
 * ExternalSecret are checked with the models generated from their CRDs (required fields, types,
 * enums, patterns). Those validators let unknown fields through, so each field is also probed:
 * given a value of the wrong type, a field the schema knows makes validation fail, an unknown one
 * does not (see `unknownFields`). The Secrets Store CSI driver publishes no models: its
 * SecretProviderClass is checked against the CRD's own schema (crds/, copied from the driver's
 * config/crd/bases), with unknown fields refused.
 */
interface Attribute {
  baseName: string;
  type: string;
}

const registry = models as unknown as Record<string, { attributeTypeMap?: Attribute[] } | undefined>;

const fromCrd = (file: string) => {
  const validate = new Ajv({ strict: false, allErrors: true }).compile(
    closed(JSON.parse(readFileSync(join(import.meta.dirname, 'crds', file), 'utf8'))),
  );
  return (object: K8sObject) => {
    if (!validate(object))
      throw new Error(
        validate
          .errors!.map((e) => `data${e.instancePath} ${e.message}${e.params.additionalProperty ? ` (${e.params.additionalProperty})` : ''}`)
          .join(', '),
      );
  };
};

/** A kubernetes-models class: validate() throws on a wrong type, a missing field, a bad enum. */
type Model = new (data: never) => { validate(): void };

const fromModel = (model: Model) => (object: K8sObject) => {
  const validate = (data: unknown) => new model(data as never).validate();
  validate(object);
  const unknown = unknownFields(object, validate);
  if (unknown.length > 0) throw new Error(unknown.map((path) => `${path}: unknown field`).join(', '));
};

const customResources: Record<string, (object: K8sObject) => void> = {
  'cert-manager.io/v1/Issuer': fromModel(Issuer),
  'gateway.networking.k8s.io/v1/Gateway': fromModel(Gateway),
  'gateway.networking.k8s.io/v1/HTTPRoute': fromModel(HTTPRoute),
  'monitoring.coreos.com/v1/PodMonitor': fromModel(PodMonitor),
  'monitoring.coreos.com/v1/PrometheusRule': fromModel(PrometheusRule),
  'external-secrets.io/v1/ExternalSecret': fromModel(ExternalSecret),
  'secrets-store.csi.x-k8s.io/v1/SecretProviderClass': fromCrd('secrets-store.csi.x-k8s.io_v1_SecretProviderClass.json'),
};

/**
 * The fields of a valid object that its validator ignores: each field in turn gets a value of a
 * type no schema field here takes as it is (true for a string, number, object or list; a string
 * for a boolean); a field the schema lists then fails validation, an unknown one does not.
 */
function unknownFields(object: K8sObject, validate: (data: unknown) => void): string[] {
  const unknown: string[] = [];
  const fails = (data: unknown) => {
    try {
      validate(data);
      return false;
    } catch {
      return true;
    }
  };
  const visit = (value: unknown, path: (string | number)[]) => {
    const entries: [string | number, unknown][] = Array.isArray(value)
      ? value.map((v, i) => [i, v])
      : isObject(value)
        ? Object.entries(value)
        : [];
    for (const [key, item] of entries) {
      const at = [...path, key];
      if (typeof key === 'string' && !fails(replaced(object, at, typeof item === 'boolean' ? 'probe' : true)))
        unknown.push(`data/${at.join('/')}`);
      else visit(item, at);
    }
  };
  for (const [key, value] of Object.entries(object)) if (key !== 'apiVersion' && key !== 'kind') visit(value, [key]);
  return unknown;
}

/** A copy of `object` with the value at `path` replaced. */
function replaced(object: unknown, path: (string | number)[], value: unknown): unknown {
  const copy = structuredClone(object) as any;
  let parent = copy;
  for (const key of path.slice(0, -1)) parent = parent[key];
  parent[path.at(-1)!] = value;
  return copy;
}

/** A CRD's structural schema with unknown fields refused, as the API server's strict field validation does. */
function closed(schema: any): any {
  if (!isObject(schema)) return schema;
  const copy: any = Object.fromEntries(
    Object.entries(schema).map(([key, value]) => [
      key,
      key === 'properties' ? Object.fromEntries(Object.entries(value as object).map(([k, v]) => [k, closed(v)])) : closed(value),
    ]),
  );
  if (copy.properties && copy.additionalProperties === undefined && !copy['x-kubernetes-preserve-unknown-fields'])
    copy.additionalProperties = false;
  return copy;
}

export function schemaProblems(object: K8sObject): string[] {
  const where = `${object.kind}/${object.metadata?.name}`;
  const custom = customResources[`${object.apiVersion}/${object.kind}`];
  if (custom) {
    try {
      custom(object);
      return [];
    } catch (error) {
      return [`${where}: ${(error as Error).message}`];
    }
  }
  const version = String(object.apiVersion).split('/').pop()!;
  const model = `${version[0]!.toUpperCase()}${version.slice(1)}${object.kind}`;
  if (!registry[model]?.attributeTypeMap) return [`${where}: no schema for ${object.apiVersion} ${object.kind}`];
  const problems: string[] = [];
  check(object, model, where, problems);
  return problems;
}

function check(value: unknown, type: string, path: string, problems: string[]): void {
  if (value === null || value === undefined) return; // YAML null: the field is unset
  const array = /^Array<(.+)>$/.exec(type);
  if (array) {
    if (!Array.isArray(value)) problems.push(`${path}: must be a list`);
    else value.forEach((item, i) => check(item, array[1]!, `${path}[${i}]`, problems));
    return;
  }
  const map = /^\{ \[key: string\]: (.+); \}$/.exec(type);
  if (map) {
    if (!isObject(value)) problems.push(`${path}: must be a map`);
    else for (const [key, item] of Object.entries(value)) check(item, map[1]!, `${path}.${key}`, problems);
    return;
  }
  switch (type) {
    case 'string':
    case 'Date':
      if (typeof value !== 'string') problems.push(`${path}: must be a string, got ${JSON.stringify(value)}`);
      return;
    case 'number':
      if (typeof value !== 'number') problems.push(`${path}: must be a number, got ${JSON.stringify(value)}`);
      return;
    case 'boolean':
      if (typeof value !== 'boolean') problems.push(`${path}: must be true or false, got ${JSON.stringify(value)}`);
      return;
    case 'IntOrString':
      if (typeof value !== 'string' && typeof value !== 'number') problems.push(`${path}: must be a number or a string`);
      return;
    case 'any':
    case 'object':
      return;
  }
  const attributes = registry[type]?.attributeTypeMap;
  if (!attributes) {
    problems.push(`${path}: no schema for type ${type}`);
    return;
  }
  if (!isObject(value)) {
    problems.push(`${path}: must be an object (${type})`);
    return;
  }
  const fields = new Map(attributes.map((a) => [a.baseName, a.type]));
  for (const [key, item] of Object.entries(value)) {
    const fieldType = fields.get(key);
    if (fieldType === undefined) problems.push(`${path}.${key}: unknown field (not in ${type})`);
    else check(item, fieldType, `${path}.${key}`, problems);
  }
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
