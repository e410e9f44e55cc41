import { createSchemaRegistry, type SchemaLoader, type SchemaRegistry } from '../../domain/schema/schema-registry.js';
import type { SchemaSource } from '../../domain/config/role-config.js';
import { chainLoaders } from './chain-loaders.js';
import { directoryLoader } from './directory-loader.js';
import { httpLoader } from './http-loader.js';

/** The schema registry of a role: its directory first, then its HTTP base URL, with the real clock. */
export function registryFromConfig(source: SchemaSource): SchemaRegistry {
  const loaders: SchemaLoader[] = [];
  if (source.schemasPath) loaders.push(directoryLoader(source.schemasPath));
  if (source.schemaUriBase) loaders.push(httpLoader(source.schemaUriBase));
  return createSchemaRegistry({ load: chainLoaders(...loaders), now: () => Date.now() });
}
