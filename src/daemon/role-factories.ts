import type { RoleKind } from '../domain/config/role-config.js';
import type { RoleFactory } from './role.js';
import { createIntakeRole } from '../roles/intake/intake-role.js';
import { createProcessorRole } from '../roles/processor/processor-role.js';
import { createConsumerRole } from '../roles/consumer/consumer-role.js';
import { createLakeRole } from '../lake/lake-role.js';

/** The role implementations this build has, by config-directory kind. */
export const roleFactories: Readonly<Record<RoleKind, RoleFactory>> = {
  intakes: createIntakeRole,
  processors: createProcessorRole,
  consumers: createConsumerRole,
  lakes: createLakeRole,
};
