import { Issuer } from '@kubernetes-models/cert-manager/cert-manager.io/v1/Issuer';
import * as models from '@kubernetes/client-node/dist/gen/models/all.js';
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
 * cert-manager's Issuer is a custom resource outside that spec: it is checked with the models
 * generated from cert-manager's CRD (required fields, types, enums), which allow unknown fields.
 */
interface Attribute {
  baseName: string;
  type: string;
}

const registry = models as unknown as Record<string, { attributeTypeMap?: Attribute[] } | undefined>;

const customResources: Record<string, (object: K8sObject) => void> = {
  'cert-manager.io/v1/Issuer': (object) => new Issuer(object as never).validate(),
};

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
